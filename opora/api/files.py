"""Files sent inside JSON bodies as base64."""

import base64
import binascii

from opora.core.errors import InvalidInput


def decode_base64(value: str, field: str, message: str) -> bytes:
    """The bytes, or InvalidInput naming ``field`` (strict: no stray characters accepted)."""
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as error:
        raise InvalidInput(message, fields={field: "invalid_base64"}) from error
