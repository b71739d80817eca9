"""The demo enterprise: a hydropower plant modelled on the seed documents, built by `manage.py demo_seed`."""

# Published in the README and printed by demo_logins: it opens the demo, nothing else.
DEMO_PASSWORD = "Lianxin@2026"  # noqa: S105
