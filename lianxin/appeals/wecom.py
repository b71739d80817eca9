"""WeCom (企业微信): the callback's crypto, text messages becoming appeals, and answers sent back.

A WeCom userid is the employee number: the enterprise creates WeCom members with the 工号 as their
account, so `Person.employee_no == FromUserName` links a sender to their file without another table.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from huey.contrib.djhuey import db_task
from wechatpy.work import WeChatClient
from wechatpy.work.crypto import WeChatCrypto

from lianxin.appeals.codes import Channel
from lianxin.appeals.models import Appeal
from lianxin.appeals.services import appeal_submit
from lianxin.org.models import Person, PersonStatus

logger = logging.getLogger(__name__)


def configured() -> bool:
    return bool(settings.WECOM_CORP_ID and settings.WECOM_TOKEN and settings.WECOM_AES_KEY)


def crypto() -> WeChatCrypto:
    return WeChatCrypto(settings.WECOM_TOKEN, settings.WECOM_AES_KEY, settings.WECOM_CORP_ID)


def _default_client() -> Any:
    return WeChatClient(settings.WECOM_CORP_ID, settings.WECOM_SECRET)


# Tests (and a future proxy-aware client) replace this; the default talks to qyapi.weixin.qq.com.
client_factory: Callable[[], Any] = _default_client


def linked_person(userid: str) -> Person | None:
    """The employee behind a WeCom userid; people who have left cannot raise appeals this way."""
    if not userid:
        return None
    return (
        Person.objects.select_related("unit", "user")
        .filter(employee_no=userid)
        .exclude(status=PersonStatus.LEFT)
        .first()
    )


def is_fresh(timestamp: str, *, now: float | None = None) -> bool:
    """The callback's signed timestamp lies within WECOM_MAX_AGE_SECONDS of now: an old request caught
    and sent again is refused, not taken for a new message."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    return abs((time.time() if now is None else now) - sent) <= settings.WECOM_MAX_AGE_SECONDS


def message_key(*, msgid: str | None, userid: str, sent_at: int, content: str) -> str:
    """WeCom's MsgId; a message without one is known by its sender, second and words, so WeCom's
    redelivery of it is still one appeal while another message from the same person is another."""
    if msgid:
        return msgid
    digest = hashlib.sha256(f"{userid}\n{sent_at}\n{content}".encode()).hexdigest()
    return f"derived:{digest[:56]}"  # the column holds 64 characters; a real MsgId is digits only


def receive_text(*, person: Person, content: str, msgid: str | None, sent_at: int) -> Appeal | None:
    """A text message from a linked employee becomes a named appeal; a redelivery returns the same one."""
    key = message_key(msgid=msgid, userid=person.employee_no, sent_at=sent_at, content=content)
    try:
        submitted = appeal_submit(text=content, channel=Channel.WECOM, submitter=person, wecom_msgid=key)
    except ValidationError:
        # Never the content in the log: only that the message was empty or too long.
        logger.info("wecom message %s refused: empty or too long", key)
        return None
    return submitted.appeal


def send_reply(*, appeal_id: int, text: str) -> None:
    """Queue the answer for the WeCom user who raised the appeal; nothing happens while sending is off."""
    if not settings.WECOM_SEND_ENABLED:
        return
    wecom_send_reply(appeal_id, text)


@db_task(retries=3, retry_delay=60)  # type: ignore[untyped-decorator]
def wecom_send_reply(appeal_id: int, text: str) -> None:
    """Send in the background so the handler's request never waits on WeCom."""
    appeal = Appeal.objects.select_related("submitter").filter(pk=appeal_id).first()
    if appeal is None or appeal.submitter is None or appeal.is_anonymous:
        return
    content = f"您的诉求 {appeal.number} 已答复：\n{text}"
    client_factory().message.send_text(settings.WECOM_AGENT_ID, [appeal.submitter.employee_no], content)
    logger.info("wecom answer for appeal %s sent", appeal_id)
