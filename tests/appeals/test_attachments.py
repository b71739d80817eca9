"""Attachments: type from content, size and count limits, all-or-nothing with the appeal, metadata
stripped, stored under random names, and served only to those allowed."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from lianxin.appeals.models import Appeal, Attachment
from tests.appeals.test_intake_support import (
    EXE,
    PDF,
    jpeg_with_exif,
    key,
    png_with_text,
    receipt_in,
    upload,
)
from tests.factories import Org


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> Iterator[Path]:
    settings.MEDIA_ROOT = tmp_path
    cache.clear()
    yield tmp_path
    cache.clear()


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def submit(client: Client, files: list[Any], **data: Any) -> Any:
    payload = {"text": "附图为宿舍漏水", "identity": "named", "idempotency_key": key(), **data}
    return client.post(reverse("appeal_new"), {**payload, "attachments": files})


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_images_and_pdf_are_stored_under_random_names_with_their_hash(org: Org, _media: Path) -> None:
    files = [upload("宿舍.jpg", jpeg_with_exif()), upload("scan.pdf", PDF), upload("x.png", png_with_text())]
    response = submit(login(org.employee), files)
    assert response.status_code == 200
    appeal = Appeal.objects.get()
    rows = list(appeal.attachments.order_by("pk"))
    assert [a.content_type for a in rows] == ["image/jpeg", "application/pdf", "image/png"]
    assert [a.original_name for a in rows] == ["宿舍.jpg", "scan.pdf", "x.png"]
    for row in rows:
        path = Path(row.file.path)
        assert path.is_relative_to(_media / "appeals") and row.original_name not in path.name
        assert hashlib.sha256(path.read_bytes()).hexdigest() == row.sha256
    assert rows[0].event == appeal.events.get(kind="submitted")


def test_exif_and_text_metadata_are_removed(org: Org) -> None:
    submit(login(org.employee), [upload("a.jpg", jpeg_with_exif()), upload("b.png", png_with_text())])
    jpeg, png = (Path(a.file.path).read_bytes() for a in Attachment.objects.order_by("pk"))
    assert jpeg.startswith(b"\xff\xd8") and jpeg.endswith(b"\xff\xd9")
    assert b"Canon" not in jpeg and b"Zhang Wei" not in jpeg and b"JFIF" in jpeg
    assert png.startswith(b"\x89PNG") and b"Zhang Wei" not in png and b"IDAT" in png


@pytest.mark.parametrize(
    ("name", "data"),
    [("photo.png", EXE), ("photo.png", b"\x00\x01random bytes that are no image" * 10), ("a.pdf", b"<html>")],
    ids=["exe-named-png", "random-bytes", "html-named-pdf"],
)
def test_wrong_type_by_content_saves_no_appeal_and_no_file(
    org: Org, _media: Path, name: str, data: bytes
) -> None:
    response = submit(login(org.employee), [upload("ok.pdf", PDF), upload(name, data, "image/png")])
    assert response.status_code == 400
    assert "不是允许的类型" in response.content.decode()
    assert not Appeal.objects.exists() and not Attachment.objects.exists()
    assert stored_files(_media) == []


def test_too_large_and_too_many_are_refused(org: Org, settings: Any, _media: Path) -> None:
    settings.APPEAL_ATTACHMENT_MAX_BYTES = 1024
    big = upload("big.pdf", PDF + b"0" * 2000)
    response = submit(login(org.employee), [big])
    assert response.status_code == 400 and "超过" in response.content.decode()
    settings.APPEAL_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    six = [upload(f"{n}.pdf", PDF) for n in range(6)]
    response = submit(login(org.employee), six)
    assert response.status_code == 400 and "最多上传 5 个附件" in response.content.decode()
    assert not Appeal.objects.exists() and stored_files(_media) == []


def test_attachment_is_served_to_the_submitter_and_staff_in_scope_only(org: Org) -> None:
    submit(login(org.employee), [upload("a.pdf", PDF)])
    appeal = Appeal.objects.get()
    att = appeal.attachments.get()
    url = reverse("appeal_attachment", args=[appeal.pk, att.pk])
    for user in (org.employee, org.secretary_a, org.department, org.leader):
        response = login(user).get(url)
        assert response.status_code == 200, user
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    for user in (org.grid_member, org.secretary_b, org.auditor, org.informant):
        assert login(user).get(url).status_code == 404, user
    assert (
        login(org.employee).get(reverse("appeal_attachment", args=[appeal.pk, att.pk + 99])).status_code
        == 404
    )
    assert Client().get(url).status_code == 302
    assert login(org.employee).post(url).status_code == 405


def test_anonymous_holder_downloads_only_by_posting_the_receipt(org: Org) -> None:
    client = Client()
    response = client.post(
        reverse("appeal_public_new"),
        {
            "text": "附件为现场照片",
            "idempotency_key": key(),
            "attachments": [upload("p.jpg", jpeg_with_exif())],
        },
    )
    code = receipt_in(response)
    assert code is not None
    appeal = Appeal.objects.get()
    att = appeal.attachments.get()
    page = client.post(reverse("receipt_lookup"), {"code": code}).content.decode()
    assert "p.jpg" in page
    url = reverse("receipt_attachment", args=[att.pk])
    assert client.get(url).status_code == 405
    assert client.post(url, {"code": "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA"}).status_code == 403
    ok = client.post(url, {"code": code})
    assert ok.status_code == 200 and ok["Content-Disposition"].startswith("attachment")
    # Staff see it through the appeal; the anonymous row is at company level.
    assert (
        login(org.department).get(reverse("appeal_attachment", args=[appeal.pk, att.pk])).status_code == 200
    )


def test_receipt_holder_adds_information_with_an_attachment(org: Org) -> None:
    client = Client()
    code = receipt_in(
        client.post(reverse("appeal_public_new"), {"text": "宿舍漏水", "idempotency_key": key()})
    )
    response = client.post(
        reverse("receipt_add_info"),
        {"code": code, "text": "补充照片", "attachments": [upload("b.png", png_with_text())]},
    )
    assert response.status_code == 200
    event = Appeal.objects.get().events.get(kind="info_added")
    assert Attachment.objects.get().event == event
    bad = client.post(
        reverse("receipt_add_info"), {"code": code, "text": "再补充", "attachments": [upload("c.png", EXE)]}
    )
    assert bad.status_code == 400 and Appeal.objects.get().events.filter(kind="info_added").count() == 1
