"""The WeCom callback: URL verification (GET) and encrypted messages (POST), under WeCom's scheme."""

from __future__ import annotations

import binascii
import logging
from xml.parsers.expat import ExpatError

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.urls import URLPattern, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.work import parse_message
from wechatpy.work.exceptions import InvalidCorpIdException
from wechatpy.work.messages import TextMessage
from wechatpy.work.replies import TextReply

from lianxin.appeals import wecom

logger = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # a WeCom text message is at most 2,048 bytes before encryption
UNLINKED_REPLY = "您的企业微信账号尚未关联员工档案，暂不能通过企业微信提交诉求。请联系党群工作部。"
# Anything that stops a message being authenticated and decrypted is a refusal.
REFUSED = (
    InvalidSignatureException,
    InvalidCorpIdException,
    ExpatError,
    KeyError,
    TypeError,
    ValueError,
    binascii.Error,
)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def wecom_callback(request: HttpRequest) -> HttpResponse:
    if not wecom.configured():
        raise Http404("wecom")
    signature = request.GET.get("msg_signature", "")
    timestamp = request.GET.get("timestamp", "")
    nonce = request.GET.get("nonce", "")
    crypto = wecom.crypto()
    if request.method == "GET":
        try:
            echo = crypto.check_signature(signature, timestamp, nonce, request.GET.get("echostr", ""))
        except REFUSED:
            return HttpResponseForbidden("invalid signature")
        return HttpResponse(echo, content_type="text/plain; charset=utf-8")

    if len(request.body) > MAX_BODY:
        return HttpResponseForbidden("too large")
    if not wecom.is_fresh(timestamp):
        logger.warning("wecom callback refused: timestamp %r is not within the accepted age", timestamp)
        return HttpResponseForbidden("stale timestamp")
    try:
        xml = crypto.decrypt_message(request.body, signature, timestamp, nonce)
        message = parse_message(xml)
    except REFUSED:
        logger.warning("wecom callback refused: bad signature or undecryptable body")
        return HttpResponseForbidden("invalid signature")
    if not isinstance(message, TextMessage):
        return HttpResponse("success", content_type="text/plain")
    userid = str(message.source)
    person = wecom.linked_person(userid)
    if person is None:
        # The content is never logged; the userid helps an administrator link the account.
        logger.warning("wecom message %s from an unlinked userid %r ignored", message.id, userid)
        reply = TextReply(source=message.target, target=userid, content=UNLINKED_REPLY)
        encrypted = crypto.encrypt_message(reply.render(), nonce, timestamp)
        return HttpResponse(encrypted, content_type="application/xml; charset=utf-8")
    # xmltodict turns an all-blank Content into None; that is an empty message, not the text "None".
    # wechatpy reads a missing MsgId as 0.
    msgid = str(message.id) if message.id else None
    wecom.receive_text(person=person, content=message.content or "", msgid=msgid, sent_at=int(message.time))
    return HttpResponse("success", content_type="text/plain")


urlpatterns: list[URLPattern] = [
    path("wecom/callback/", wecom_callback, name="wecom_callback"),
]
