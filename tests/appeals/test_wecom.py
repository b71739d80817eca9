"""The WeCom callback driven by wechatpy as a genuine client that encrypts its messages."""

from __future__ import annotations

import time
from typing import Any

import pytest
import xmltodict  # type: ignore[import-untyped]
from django.test import Client
from django.urls import reverse
from wechatpy.crypto import _get_signature
from wechatpy.work.crypto import PrpCrypto, WeChatCrypto

from lianxin.appeals import services as s
from lianxin.appeals import wecom
from lianxin.appeals.codes import Channel, State
from lianxin.appeals.models import Appeal, AppealEvent
from tests.factories import Org

CORP_ID = "wwlianxin0000001"
TOKEN = "lianxin-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as WeCom issues them
URL = "/appeals/wecom/callback/"


@pytest.fixture(autouse=True)
def wecom_settings(settings: Any) -> Any:
    settings.WECOM_CORP_ID = CORP_ID
    settings.WECOM_TOKEN = TOKEN
    settings.WECOM_AES_KEY = AES_KEY
    settings.WECOM_AGENT_ID = 1000002
    settings.WECOM_SEND_ENABLED = False
    return settings


def text_xml(userid: str, content: str, msgid: str = "7001") -> str:
    return (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
        f"<FromUserName><![CDATA[{userid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msgid}</MsgId><AgentID>1000002</AgentID></xml>"
    )


def deliver(xml: str, *, token: str = TOKEN, tamper: bool = False, signed_at: int | None = None) -> Any:
    """Encrypt and sign the message as WeCom does, then post it with the signature in the query."""
    nonce, timestamp = "nonce123", str(int(time.time()) if signed_at is None else signed_at)
    envelope = xmltodict.parse(WeChatCrypto(token, AES_KEY, CORP_ID).encrypt_message(xml, nonce, timestamp))
    fields = envelope["xml"]
    encrypted = fields["Encrypt"] + ("A" if tamper else "")
    body = (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt>"
        f"<AgentID><![CDATA[1000002]]></AgentID></xml>"
    )
    query = f"?msg_signature={fields['MsgSignature']}&timestamp={timestamp}&nonce={nonce}"
    return Client().post(URL + query, body, content_type="text/xml")


def test_url_is_named_and_verification_echoes_the_decrypted_string(org: Org) -> None:
    assert reverse("wecom_callback") == URL
    echostr = PrpCrypto(WeChatCrypto(TOKEN, AES_KEY, CORP_ID).key).encrypt("echo-4711", CORP_ID).decode()
    signature = _get_signature(TOKEN, "1700000000", "n1", echostr)
    response = Client().get(
        URL, {"msg_signature": signature, "timestamp": "1700000000", "nonce": "n1", "echostr": echostr}
    )
    assert response.status_code == 200
    assert response.content == b"echo-4711"


def test_url_verification_with_a_wrong_signature_is_forbidden(org: Org) -> None:
    echostr = PrpCrypto(WeChatCrypto(TOKEN, AES_KEY, CORP_ID).key).encrypt("echo", CORP_ID).decode()
    signature = _get_signature("another-token", "1700000000", "n1", echostr)
    response = Client().get(
        URL, {"msg_signature": signature, "timestamp": "1700000000", "nonce": "n1", "echostr": echostr}
    )
    assert response.status_code == 403
    assert Client().get(URL).status_code == 403


def test_a_text_message_becomes_exactly_one_appeal_even_when_delivered_twice(org: Org) -> None:
    userid = org.employee_person.employee_no
    xml = text_xml(userid, "三号机组噪音太大，耳塞不够用", msgid="900001")
    first = deliver(xml)
    second = deliver(xml)
    assert (first.status_code, first.content) == (200, b"success")
    assert (second.status_code, second.content) == (200, b"success")
    appeal = Appeal.objects.get()
    assert appeal.channel == Channel.WECOM and appeal.wecom_msgid == "900001"
    assert appeal.submitter == org.employee_person and not appeal.is_anonymous
    assert appeal.text == "三号机组噪音太大，耳塞不够用"
    assert appeal.unit == org.branch_a
    assert AppealEvent.objects.filter(appeal=appeal).count() == 1

    deliver(text_xml(userid, "另一件事：班车晚点", msgid="900002"))
    assert Appeal.objects.count() == 2


def test_bad_signature_is_forbidden_and_stores_nothing(org: Org) -> None:
    xml = text_xml(org.employee_person.employee_no, "不该被保存")
    assert deliver(xml, token="not-our-token").status_code == 403
    assert deliver(xml, tamper=True).status_code == 403
    response = Client().post(URL + "?msg_signature=x&timestamp=1&nonce=2", "not xml", content_type="text/xml")
    assert response.status_code == 403
    assert Appeal.objects.count() == 0 and AppealEvent.objects.count() == 0


def test_unknown_sender_gets_a_polite_encrypted_reply_and_no_appeal(
    org: Org, caplog: pytest.LogCaptureFixture
) -> None:
    response = deliver(text_xml("nobody-we-know", "机密内容不应进日志"))
    assert response.status_code == 200
    reply = WeChatCrypto(TOKEN, AES_KEY, CORP_ID).decrypt_message(
        response.content, *_signature_parts(response.content)
    )
    assert "尚未关联" in xmltodict.parse(reply)["xml"]["Content"]
    assert Appeal.objects.count() == 0
    assert "机密内容" not in caplog.text


def _signature_parts(body: bytes) -> tuple[str, str, str]:
    fields = xmltodict.parse(body)["xml"]
    return fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"]


def test_non_text_messages_and_empty_text_are_ignored(org: Org) -> None:
    userid = org.employee_person.employee_no
    image = (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><FromUserName><![CDATA[{userid}]]>"
        "</FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[image]]></MsgType>"
        "<PicUrl><![CDATA[http://example.invalid/p.jpg]]></PicUrl><MediaId><![CDATA[m1]]></MediaId>"
        "<MsgId>800001</MsgId><AgentID>1000002</AgentID></xml>"
    )
    event = (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><FromUserName><![CDATA[{userid}]]>"
        "</FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        "<Event><![CDATA[enter_agent]]></Event><AgentID>1000002</AgentID></xml>"
    )
    for xml in (image, event, text_xml(userid, "   ", msgid="800002")):
        response = deliver(xml)
        assert (response.status_code, response.content) == (200, b"success")
    assert Appeal.objects.count() == 0


def test_wrong_method_and_unconfigured_callback(org: Org, settings: Any) -> None:
    assert Client().put(URL).status_code == 405
    settings.WECOM_TOKEN = ""
    assert Client().get(URL).status_code == 404


class FakeMessageApi:
    def __init__(self) -> None:
        self.sent: list[tuple[int, list[str], str]] = []

    def send_text(self, agent_id: int, user_ids: list[str], content: str) -> dict[str, Any]:
        self.sent.append((agent_id, user_ids, content))
        return {"errcode": 0}


class FakeClient:
    def __init__(self) -> None:
        self.message = FakeMessageApi()


def _answered_wecom_appeal(org: Org, django_capture_on_commit_callbacks: Any) -> tuple[Appeal, str]:
    deliver(text_xml(org.employee_person.employee_no, "食堂晚班没有热饭", msgid="910001"))
    appeal = Appeal.objects.get()
    s.appeal_triage(appeal=appeal, actor=org.secretary_a, category="conditions", grade="yellow")
    with django_capture_on_commit_callbacks(execute=True):
        s.appeal_reply(appeal=appeal, actor=org.secretary_a, text="已安排晚班供应热饭")
    appeal.refresh_from_db()
    return appeal, appeal.number


def test_the_answer_goes_back_to_the_submitters_wecom_userid(
    org: Org, settings: Any, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    settings.WECOM_SEND_ENABLED = True
    fake = FakeClient()
    monkeypatch.setattr(wecom, "client_factory", lambda: fake)
    appeal, number = _answered_wecom_appeal(org, django_capture_on_commit_callbacks)
    assert appeal.state == State.ANSWERED
    assert len(fake.message.sent) == 1
    agent_id, user_ids, content = fake.message.sent[0]
    assert agent_id == 1000002
    assert user_ids == [org.employee_person.employee_no]
    assert number in content and "已安排晚班供应热饭" in content


def test_nothing_is_sent_while_sending_is_disabled(
    org: Org, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    fake = FakeClient()
    monkeypatch.setattr(wecom, "client_factory", lambda: fake)
    appeal, _ = _answered_wecom_appeal(org, django_capture_on_commit_callbacks)
    assert appeal.state == State.ANSWERED
    assert fake.message.sent == []


def test_answers_to_other_channels_never_go_to_wecom(
    org: Org, settings: Any, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    settings.WECOM_SEND_ENABLED = True
    fake = FakeClient()
    monkeypatch.setattr(wecom, "client_factory", lambda: fake)
    appeal = s.appeal_submit(text="网页提交的诉求", channel=Channel.WEB, submitter=org.employee_person).appeal
    s.appeal_triage(appeal=appeal, actor=org.secretary_a, category="other", grade="blue")
    with django_capture_on_commit_callbacks(execute=True):
        s.appeal_reply(appeal=appeal, actor=org.secretary_a, text="已答复")
    assert fake.message.sent == []


def test_people_who_have_left_are_not_linked(org: Org) -> None:
    org.stranger.status = "left"
    org.stranger.save(update_fields=["status"])
    deliver(text_xml(org.stranger.employee_no, "离职后发来的消息", msgid="920001"))
    assert Appeal.objects.count() == 0


# --- messages without a MsgId, and replays ---------------------------------------------------------


def untracked_xml(userid: str, content: str, sent_at: int) -> str:
    """A text message as some WeCom clients and relays send it: no MsgId."""
    return (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
        f"<FromUserName><![CDATA[{userid}]]></FromUserName>"
        f"<CreateTime>{sent_at}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><AgentID>1000002</AgentID></xml>"
    )


def test_messages_without_a_msgid_are_each_an_appeal_and_a_redelivery_is_not(org: Org) -> None:
    userid, now = org.employee_person.employee_no, int(time.time())
    first = untracked_xml(userid, "宿舍热水器坏了", now - 30)
    for xml in (first, first, untracked_xml(userid, "班车晚点二十分钟", now - 20)):
        assert deliver(xml).content == b"success"
    assert sorted(Appeal.objects.values_list("text", flat=True)) == ["宿舍热水器坏了", "班车晚点二十分钟"]
    # The same words again later are a new message, not a redelivery of the first.
    deliver(untracked_xml(userid, "宿舍热水器坏了", now))
    assert Appeal.objects.filter(text="宿舍热水器坏了").count() == 2


def test_a_callback_with_a_stale_or_future_timestamp_is_refused(org: Org) -> None:
    xml = text_xml(org.employee_person.employee_no, "这是十分钟前截获的请求", msgid="920001")
    for shift in (-600, 600):
        response = deliver(xml, signed_at=int(time.time()) + shift)
        assert (response.status_code, response.content) == (403, b"stale timestamp")
    assert Appeal.objects.count() == 0
    assert deliver(xml).status_code == 200  # the same message signed now is taken
    assert Appeal.objects.count() == 1
