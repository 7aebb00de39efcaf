"""Files on articles: what may be stored (the tickets' limits, checked against the bytes
themselves) and which images an article's text may embed (only its own attachments)."""

import html
import re

from django.utils.translation import gettext as _

from opora.core.errors import AttachmentRejected
from opora.tickets.attachments import IncomingFile, check_file

# How files of a type begin. Images are shown inline, so an "image" must really be one; the
# others are always downloads, but a PDF that is not a PDF is still refused.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),  # and "WEBP" at offset 8, checked below
    "application/pdf": (b"%PDF-",),
    "application/zip": (b"PK\x03\x04", b"PK\x05\x06"),
    # Office Open XML files are zip archives; the old binary formats are OLE compound files.
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (b"PK\x03\x04",),
    "application/msword": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "application/vnd.ms-excel": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
}
TEXT_TYPES = {"text/plain", "text/csv"}
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def _matches(content_type: str, content: bytes) -> bool:
    if content_type in TEXT_TYPES:
        try:
            return "\x00" not in content.decode("utf-8")
        except UnicodeDecodeError:
            return False
    signatures = SIGNATURES.get(content_type)
    if signatures is None:
        return True  # an allowed type with no fixed signature (audio, mail): served as download
    if content_type == "image/webp" and content[8:12] != b"WEBP":
        return False
    return content.startswith(signatures)


def check_article_file(incoming: IncomingFile) -> str:
    """The content type to store, or AttachmentRejected: size, allowed type, then the bytes."""
    if not incoming.content:
        raise AttachmentRejected(
            _("«%(name)s» is empty") % {"name": incoming.filename},
            fields={"file": "empty"},
            code="attachment_empty",
        )
    content_type = check_file(incoming)
    if not _matches(content_type, incoming.content):
        raise AttachmentRejected(
            _("The content of «%(name)s» is not %(type)s")
            % {"name": incoming.filename, "type": content_type},
            fields={"file": "content_mismatch"},
            code="attachment_type",
        )
    return content_type


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def display_name(filename: str) -> str:
    """The uploaded name without folders or control characters (it ends up in a header)."""
    name = _CONTROL.sub("", filename.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    return name[:255] or "file"


# sanitize_html (nh3) serialises every attribute as name="value" with quotes escaped, so a tag
# and its attributes can be read exactly from its output.
_IMG = re.compile(r"<img((?:\s+[^\s=>/]+(?:=\"[^\"]*\")?)*)\s*/?>")
_ATTRIBUTE = re.compile(r"([^\s=>/]+)(?:=\"([^\"]*)\")?")


def restrict_images(sanitized_html: str, allowed_sources: set[str]) -> str:
    """Drop every <img> whose src is not one of the article's own image attachments.

    Takes sanitize_html's output (event handlers and scripts are already gone there); the rest
    of the markup is left as it is."""

    def keep_or_drop(match: re.Match) -> str:
        attributes = dict(_ATTRIBUTE.findall(match.group(1)))
        source = html.unescape(attributes.get("src", ""))
        return match.group(0) if source in allowed_sources else ""

    return _IMG.sub(keep_or_drop, sanitized_html)
