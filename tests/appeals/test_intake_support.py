"""Shared helpers (no tests) for the intake, receipt, attachment and anonymity tests."""

from __future__ import annotations

import re
import struct
import uuid
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

RECEIPT_RE = re.compile(r'id="lx-receipt">([A-Z0-9-]+)<')


def key() -> str:
    return str(uuid.uuid4())


def receipt_in(response: Any) -> str | None:
    found = RECEIPT_RE.search(response.content.decode())
    return found.group(1) if found else None


def public_submit(client: Client, text: str = "食堂饭菜变差了", **extra: Any) -> Any:
    data = {"text": text, "idempotency_key": key(), **extra}
    return client.post(reverse("appeal_public_new"), data, REMOTE_ADDR=extra.pop("ip", "198.51.100.5"))


def jpeg_with_exif() -> bytes:
    """A tiny JPEG-shaped file with an APP1 EXIF segment naming a camera and a comment segment."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    app1 = b"Exif\x00\x00" + b"Canon EOS GPS 39.9042N 116.4074E Zhang Wei"
    com = b"owner: Zhang Wei"
    scan = b"\x00\x0c\x03\x01\x00\x02\x11\x03\x11\x00\x3f\x00" + b"\x12\x34\x56" * 20

    def segment(marker: int, body: bytes) -> bytes:
        return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body

    return (
        b"\xff\xd8"
        + segment(0xE0, app0)
        + segment(0xE1, app1)
        + segment(0xFE, com)
        + b"\xff\xda"
        + scan
        + b"\xff\xd9"
    )


def png_with_text() -> bytes:
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"tEXt", b"Author\x00Zhang Wei")
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" * 4


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)
