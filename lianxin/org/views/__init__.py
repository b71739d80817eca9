"""Pages of the organisation, one module per concept; each module lists its own urlpatterns."""
