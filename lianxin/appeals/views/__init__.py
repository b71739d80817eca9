"""Appeal pages, one module per concept; each module lists its own urlpatterns."""
