"""API for appeals: submit, list and detail within scope, events, replies, and rating through a receipt."""

from ninja import Router

router = Router(tags=["appeals"])
