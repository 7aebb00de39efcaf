"""Getting mentions in: a CSV export from a review site, or a webhook call from a monitoring
service. Both produce the same drafts; nothing is stored here.

Bad input is refused whole with the row and field at fault, so a fixed file can simply be
uploaded again (duplicates are skipped on import)."""

import csv
import hashlib
import hmac
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from opora.core.errors import InvalidInput

MAX_ROWS = 5000
MAX_TEXT = 20_000
SIGNATURE_HEADER = "X-Opora-Signature"
CSV_COLUMNS = (
    "external_id",
    "published_at",
    "text",
    "author",
    "handle",
    "email",
    "url",
    "rating",
    "language",
)


@dataclass(frozen=True)
class MentionDraft:
    text: str
    published_at: datetime
    external_id: str = ""
    author_name: str = ""
    author_handle: str = ""
    author_email: str = ""
    url: str = ""
    rating: int | None = None
    language: str | None = None


def _moment(value: str) -> datetime | None:
    value = value.strip()
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        moment = datetime.combine(day, time()) if day else None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def draft_from(row: Mapping[str, object], where: str) -> tuple[MentionDraft | None, dict[str, str]]:
    """One draft from a CSV row or a JSON object, or the problems with it keyed by ``where``."""

    def text_of(name: str, limit: int) -> str:
        value = row.get(name)
        value = "" if value is None else str(value)
        if "\x00" in value:
            problems[f"{where}.{name}"] = "nul"
        return value.strip()[:limit]

    problems: dict[str, str] = {}
    body = text_of("text", MAX_TEXT + 1)
    if not body:
        problems[f"{where}.text"] = "required"
    elif len(body) > MAX_TEXT:
        problems[f"{where}.text"] = "too_long"
    published = _moment(text_of("published_at", 40))
    if published is None:
        problems[f"{where}.published_at"] = "invalid_date"
    email = text_of("email", 254)
    if email:
        try:
            EmailValidator()(email)
        except ValidationError:
            problems[f"{where}.email"] = "invalid"
    url = text_of("url", 500)
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            problems[f"{where}.url"] = "invalid"
    rating_text = text_of("rating", 3)
    rating = None
    if rating_text:
        rating = int(rating_text) if rating_text.isdigit() else None
        if rating is None or not 1 <= rating <= 5:
            problems[f"{where}.rating"] = "not_1_to_5"
    language = text_of("language", 8).lower() or None
    if language not in (None, "ru", "en"):
        problems[f"{where}.language"] = "ru_or_en"
    if problems:
        return None, problems
    return (
        MentionDraft(
            text=body,
            published_at=published,
            external_id=text_of("external_id", 200),
            author_name=text_of("author", 200),
            author_handle=text_of("handle", 200),
            author_email=email,
            url=url,
            rating=rating,
            language=language,
        ),
        {},
    )


def _collect(rows: list[tuple[str, Mapping]]) -> list[MentionDraft]:
    if not rows:
        raise InvalidInput(_("There are no mentions in this file"), fields={"file": "empty"})
    if len(rows) > MAX_ROWS:
        raise InvalidInput(
            _("At most %(n)s mentions at a time") % {"n": MAX_ROWS}, fields={"file": "too_many"}
        )
    drafts, problems = [], {}
    for where, row in rows:
        draft, wrong = draft_from(row, where)
        problems.update(wrong)
        if draft:
            drafts.append(draft)
    if problems:
        raise InvalidInput(_("Some mentions are invalid; nothing was imported"), fields=problems)
    return drafts


def parse_csv(data: bytes | str) -> list[MentionDraft]:
    """Columns: text and published_at (required), external_id, author, handle, email, url,
    rating (1–5), language (ru/en). UTF-8, comma-separated, a header row."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise InvalidInput(
                _("The file must be UTF-8 text"), fields={"file": "encoding"}
            ) from error
    reader = csv.DictReader(io.StringIO(data))
    if not reader.fieldnames or not {"text", "published_at"} <= set(reader.fieldnames):
        raise InvalidInput(
            _("The file needs a header row with at least text and published_at"),
            fields={"file": "header"},
        )
    return _collect([(f"row {number}", row) for number, row in enumerate(reader, start=2)])


def parse_webhook(payload: object) -> list[MentionDraft]:
    """The JSON body {"mentions": [{"text", "published_at", …same names as the CSV}]}."""
    mentions = payload.get("mentions") if isinstance(payload, dict) else None
    if not isinstance(mentions, list) or not all(isinstance(item, dict) for item in mentions):
        raise InvalidInput(
            _('The body must be {"mentions": [ … ]}'), fields={"mentions": "invalid"}
        )
    return _collect([(f"mentions.{index}", item) for index, item in enumerate(mentions)])


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(secret: str, body: bytes, header: str) -> bool:
    return bool(header) and hmac.compare_digest(sign(secret, body), header.strip())
