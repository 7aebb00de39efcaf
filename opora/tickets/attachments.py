"""Accepting files onto tickets: size and type checked before anything is stored."""

import hashlib
import mimetypes
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from opora.core.errors import AttachmentRejected

from .models import Attachment, Message


@dataclass(frozen=True)
class IncomingFile:
    filename: str
    content: bytes
    content_type: str = ""


def check_file(incoming: IncomingFile) -> str:
    """Return the content type to store, or raise with the reason the file is refused."""
    limit = settings.OPORA_MAX_ATTACHMENT_BYTES
    if len(incoming.content) > limit:
        raise AttachmentRejected(
            _("«%(name)s» is %(size)s; the limit is %(limit)s")
            % {
                "name": incoming.filename,
                "size": filesizeformat(len(incoming.content)),
                "limit": filesizeformat(limit),
            },
            fields={"attachments": "too_large"},
        )
    guessed, _encoding = mimetypes.guess_type(incoming.filename)
    content_type = (
        (incoming.content_type or guessed or "application/octet-stream")
        .split(";")[0]
        .strip()
        .lower()
    )
    allowed = settings.OPORA_ALLOWED_ATTACHMENT_TYPES
    if content_type not in allowed or (guessed and guessed not in allowed):
        raise AttachmentRejected(
            _("«%(name)s» has type %(type)s, which is not accepted")
            % {"name": incoming.filename, "type": guessed or content_type},
            fields={"attachments": "type_not_allowed"},
            code="attachment_type",
        )
    return content_type


def store_files(message: Message, files: list[IncomingFile]) -> list[Attachment]:
    stored = []
    for incoming in files:
        content_type = check_file(incoming)
        checksum = hashlib.sha256(incoming.content).hexdigest()
        attachment = Attachment(
            message=message,
            filename=get_valid_filename(incoming.filename)[:255] or "file",
            content_type=content_type,
            size=len(incoming.content),
            checksum=checksum,
        )
        attachment.file.save(checksum[:16], ContentFile(incoming.content), save=False)
        attachment.save()
        stored.append(attachment)
    return stored
