"""Appeal attachments: images and PDF, the type read from the content, stored under a random name outside
the web root, and served only to those the access helpers allow."""

from __future__ import annotations

import hashlib
import os
import secrets
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import FileResponse
from django.utils.translation import gettext as _

from lianxin.appeals.models import Appeal, AppealEvent, Attachment
from lianxin.appeals.services import Submitted, appeal_add_info, appeal_submit
from lianxin.org.scope import UserLike

MAX_FILES = 5
# Content type (as read from the first bytes) → the extension it is stored under.
ALLOWED_TYPES = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/gif": "gif",
    "application/pdf": "pdf",
}


def max_bytes() -> int:
    return int(getattr(settings, "APPEAL_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))


@dataclass(frozen=True)
class Checked:
    upload: UploadedFile
    content_type: str
    extension: str


def _display_name(upload: UploadedFile) -> str:
    # Only the last path component, for the download's file name; it never names the file on disk.
    name = os.path.basename((upload.name or "").replace("\\", "/")).strip() or "attachment"
    return name[-200:]


def attachment_check(upload: UploadedFile) -> Checked:
    """Size and type, the type from the content (a renamed .exe is still an .exe)."""
    name = _display_name(upload)
    limit = max_bytes()
    if (upload.size or 0) > limit:
        raise ValidationError(
            _("附件“%(name)s”超过 %(mb)d MB。") % {"name": name, "mb": limit // (1024 * 1024)},
            code="too_large",
        )
    if not upload.size:
        raise ValidationError(_("附件“%(name)s”是空文件。") % {"name": name}, code="empty_file")
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    mime = kind.mime if kind is not None else ""
    if mime not in ALLOWED_TYPES:
        raise ValidationError(
            _("附件“%(name)s”不是允许的类型：只接受 JPEG、PNG、WebP、GIF 图片和 PDF。") % {"name": name},
            code="bad_type",
        )
    return Checked(upload, mime, ALLOWED_TYPES[mime])


def attachments_check(uploads: Sequence[UploadedFile]) -> list[Checked]:
    if len(uploads) > MAX_FILES:
        raise ValidationError(_("最多上传 %(n)d 个附件。") % {"n": MAX_FILES}, code="too_many")
    return [attachment_check(upload) for upload in uploads]


# --- metadata: EXIF and text chunks can carry a phone's model, a place and a name -------------------


def _strip_jpeg(data: bytes) -> bytes:
    """Drop APP1–APP15 (EXIF, XMP, maker notes) and comments; keep APP0 (JFIF) and the image itself."""
    if not data.startswith(b"\xff\xd8"):
        return data
    out = bytearray(b"\xff\xd8")
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return data  # not a clean segment sequence: keep the file as it came rather than break it
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0xDA:  # start of scan: the rest is image data
            out += data[i:]
            return bytes(out)
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        segment = data[i : i + 2 + length]
        if len(segment) < 2 + length:
            return data
        if not (0xE1 <= marker <= 0xEF or marker == 0xFE):
            out += segment
        i += 2 + length
    return data


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_DROP = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"}


def _strip_png(data: bytes) -> bytes:
    if not data.startswith(_PNG_SIGNATURE):
        return data
    out = bytearray(_PNG_SIGNATURE)
    i = len(_PNG_SIGNATURE)
    while i + 12 <= len(data):
        length = struct.unpack(">I", data[i : i + 4])[0]
        chunk_type = data[i + 4 : i + 8]
        end = i + 12 + length
        if end > len(data):
            return data
        if chunk_type not in _PNG_DROP:
            out += data[i:end]
        i = end
        if chunk_type == b"IEND":
            return bytes(out)
    return data


def strip_metadata(data: bytes, content_type: str) -> bytes:
    """Remove identifying metadata from JPEG and PNG; other types are stored as they came."""
    if content_type == "image/jpeg":
        return _strip_jpeg(data)
    if content_type == "image/png":
        return _strip_png(data)
    return data


# --- writes ----------------------------------------------------------------------------------------


def attachment_add(*, appeal: Appeal, upload: UploadedFile, event: AppealEvent | None = None) -> Attachment:
    """Check and store one upload under a random name; the caller's transaction covers the row."""
    checked = attachment_check(upload)
    upload.seek(0)
    data = strip_metadata(upload.read(), checked.content_type)
    attachment = Attachment(
        appeal=appeal,
        event=event,
        original_name=_display_name(upload),
        content_type=checked.content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    attachment.file.save(f"{secrets.token_hex(16)}.{checked.extension}", ContentFile(data), save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    return attachment


def _store_all(appeal: Appeal, uploads: Sequence[UploadedFile], event: AppealEvent | None) -> None:
    stored: list[Attachment] = []
    try:
        for upload in uploads:
            stored.append(attachment_add(appeal=appeal, upload=upload, event=event))
    except Exception:
        # The rows roll back with the transaction; the files on disk must go too.
        for attachment in stored:
            attachment.file.delete(save=False)
        raise


def appeal_submit_with_attachments(*, uploads: Sequence[UploadedFile] = (), **submit: Any) -> Submitted:
    """appeal_submit and its attachments as one: a rejected file saves no appeal."""
    attachments_check(uploads)
    with transaction.atomic():
        result = appeal_submit(**submit)
        if not result.duplicate:
            first_event = result.appeal.events.order_by("pk").first()
            _store_all(result.appeal, uploads, first_event)
    return result


def appeal_add_info_with_attachments(
    *, appeal: Appeal, text: str, actor: UserLike | None = None, uploads: Sequence[UploadedFile] = ()
) -> AppealEvent:
    attachments_check(uploads)
    with transaction.atomic():
        event = appeal_add_info(appeal=appeal, text=text, actor=actor)
        _store_all(appeal, uploads, event)
    return event


def attachment_response(attachment: Attachment) -> FileResponse:
    """Always a download, never rendered inline, never sniffed into something else, never cached."""
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
