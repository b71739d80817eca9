"""A minimal Django project around django-helpdesk, for the peer benchmark only."""
