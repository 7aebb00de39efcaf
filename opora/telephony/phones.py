"""Phone numbers as one canonical form (E.164), so the same number always compares equal. Pure."""

import phonenumbers


class InvalidPhone(ValueError):
    """The text is not a phone number that can be dialled."""


def normalize_phone(raw: str, default_region: str = "RU") -> str:
    """ "8 (495) 123-45-67" → "+74951234567"; raises InvalidPhone for anything undiallable."""
    text = (raw or "").strip()
    if not text or len(text) > 40:
        raise InvalidPhone(raw)
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as error:
        raise InvalidPhone(raw) from error
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(raw)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    """ "+74951234567" → "+7 495 123-45-67" for people; anything unparsable is shown as stored."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
