"""A QR code as PNG bytes (the check-in link for the counsellor to pass on)."""

from __future__ import annotations

import io

import qrcode


def png(text: str, *, box_size: int = 8) -> bytes:
    image = qrcode.make(text, box_size=box_size, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
