"""API for the organisation: units and people, scoped like the pages."""

from ninja import Router

router = Router(tags=["org"])
