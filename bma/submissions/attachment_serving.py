"""How a submission's attachment reaches a reviewer's browser without running in their session.

The content type is whatever the device declared, so an uploaded text/html or SVG page would run as
the supervisor if served inline. Only plain image and audio types are shown inline; anything else is
a download. Every answer forbids sniffing and carries a sandboxing Content-Security-Policy.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import content_disposition_header

# Raster images and audio recordings Collect produces; SVG is an XML document that runs scripts.
INLINE_TYPES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "audio/mpeg",
        "audio/mp4",
        "audio/aac",
        "audio/ogg",
        "audio/wav",
        "audio/x-wav",
        "audio/amr",
        "audio/3gpp",
    }
)
SANDBOX_POLICY = "sandbox; default-src 'none'; img-src 'self'; media-src 'self'"


def attachment_response(content: bytes, filename: str, declared_type: str) -> HttpResponse:
    media_type = (declared_type or "").split(";", 1)[0].strip().lower()
    inline = media_type in INLINE_TYPES
    response = HttpResponse(content, content_type=media_type if inline else "application/octet-stream")
    # content_disposition_header quotes and encodes the device's file name (no header injection).
    response["Content-Disposition"] = content_disposition_header(not inline, filename or "attachment")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_POLICY
    return response
