"""Pure e-mail parsing for the e-mail channel: raw RFC 5322 bytes in, a ParsedMail out.

No Django here. The ingest (threading, de-duplication, storage, customer matching) calls
parse_message() and decides what to do with the result. The parser never throws content
away: quoted history is separated from the sender's new text but kept, every MIME leaf that
is not a body becomes an attachment, and problems that leave the message usable are
recorded as defects instead of failing the message.
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import errors, policy
from email.header import decode_header
from email.headerregistry import AddressHeader, BaseHeader, HeaderRegistry
from email.message import Message
from email.parser import BytesParser
from email.policy import Compat32, EmailPolicy, Policy
from email.utils import collapse_rfc2231_value, getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

import nh3

__all__ = [
    "DEFAULT_TICKET_REFERENCE_PATTERN",
    "MAX_ATTACHMENT_BYTES",
    "Attachment",
    "MailAddress",
    "MalformedMail",
    "ParsedMail",
    "parse_message",
    "strip_subject_prefixes",
]

# The parser only reports sizes; the ingest compares them with this (or a configured) limit.
MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024

# "[#12345]" as Opora writes it into outgoing subjects; spaces inside are tolerated because
# some clients and people retype it. Group 1 is the reference.
DEFAULT_TICKET_REFERENCE_PATTERN = re.compile(r"\[\s*#\s*(\d+)\s*\]")

# Mail clients nest a few levels; far deeper MIME structures are abuse and are refused
# (serialising them back, e.g. a forwarded message, would exhaust the stack).
MAX_MIME_DEPTH = 50


class MalformedMail(ValueError):
    """The bytes are not a usable e-mail message; `reason` says why, for the operator."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class MailAddress:
    address: str  # addr-spec, lower-cased: help desks match addresses case-insensitively
    name: str = ""  # decoded display name, "" when the header has none

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>" if self.name else self.address


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str  # decoded, without any directory part; generated from the type if absent
    content_type: str
    payload: bytes = field(repr=False)
    content_id: str | None = None  # without <>, what an HTML body's "cid:" URLs refer to
    is_inline: bool = False  # shown in the body (an embedded image) rather than listed

    @property
    def size(self) -> int:
        return len(self.payload)


@dataclass(frozen=True, slots=True)
class ParsedMail:
    message_id: str | None  # without <>
    in_reply_to: str | None
    references: tuple[str, ...]  # oldest first, as in the header, duplicates removed
    subject: str
    from_address: str
    from_name: str
    to: tuple[MailAddress, ...]
    cc: tuple[MailAddress, ...]
    reply_to: tuple[MailAddress, ...]
    date: datetime | None  # timezone-aware; None when missing or unparseable
    text_body: str  # the whole plain text: from text/plain, else derived from the HTML
    html_body: str | None  # sanitised with nh3, safe to render; None for text-only mail
    visible_text: str  # what the sender wrote in this message
    quoted_text: str  # quoted history, forwarded messages and signature, collapsed in the UI
    attachments: tuple[Attachment, ...]
    content_hash: str  # sha256 hex of the normalised message, for de-duplication
    auto_submitted_reason: str | None  # why this is machine-generated; None for a person
    is_bounce: bool
    ticket_reference: str | None
    defects: tuple[str, ...]  # non-fatal problems, human-readable

    @property
    def is_auto_submitted(self) -> bool:
        return self.auto_submitted_reason is not None

    @property
    def attachments_by_content_id(self) -> dict[str, Attachment]:
        """Targets of the HTML body's cid: URLs, for rewriting them to stored files."""
        return {a.content_id: a for a in self.attachments if a.content_id is not None}

    def oversized_attachments(self, limit: int = MAX_ATTACHMENT_BYTES) -> tuple[Attachment, ...]:
        return tuple(a for a in self.attachments if a.size > limit)


def parse_message(
    raw: bytes,
    *,
    ticket_reference_pattern: re.Pattern[str] = DEFAULT_TICKET_REFERENCE_PATTERN,
) -> ParsedMail:
    """Parse one message as received (IMAP fetch or SMTP DATA).

    Raises MalformedMail when the bytes are not a usable message; any other defect is
    tolerated and listed in ParsedMail.defects.
    """
    raw = bytes(raw)
    _reject_unusable_bytes(raw)
    # Leading blank lines (left by some export tools) would make the parser read the
    # whole message as a header-less body.
    message_bytes = raw.lstrip(b"\r\n")
    defects = [] if message_bytes == raw else ["blank lines before the header block ignored"]
    try:
        message = _parse_bytes(message_bytes, _MODERN_POLICY)
        return _read_message(message_bytes, message, ticket_reference_pattern, list(defects))
    except MalformedMail:
        raise
    except _STDLIB_PARSER_FAILURES as error:
        # The modern policy parses headers eagerly and some broken headers crash it; the
        # compat32 policy keeps raw header strings and never interprets them on its own.
        defects.append(f"modern parser failed ({error!r}); parsed with compat32")
        message = _parse_bytes(message_bytes, _COMPAT32_POLICY)
        return _read_message(message_bytes, message, ticket_reference_pattern, defects)


def strip_subject_prefixes(subject: str) -> str:
    """Drop the reply/forward prefixes clients stack up: "Re: Fwd: Ответ: RE[2]: x" -> "x"."""
    return _SUBJECT_PREFIXES.sub("", subject, count=1)


_SUBJECT_PREFIXES = re.compile(
    r"^(?:\s*(?:re|fwd?|ответ|отв|пересл)(?:\s*(?:\[\d+\]|\(\d+\)|\^\d+))?\s*:)+\s*",
    re.IGNORECASE,
)

# What the stdlib e-mail package raises from inside its own header and MIME parsing code
# on broken input (IndexError, HeaderParseError, UnicodeError, LookupError, ...).
_STDLIB_PARSER_FAILURES: tuple[type[Exception], ...] = (
    errors.MessageError,
    LookupError,
    ValueError,
    TypeError,
    AttributeError,
)


# --- Accepting or refusing the input -------------------------------------------------------

_HEADER_BODY_SEPARATOR = re.compile(rb"\r?\n\r?\n")


def _reject_unusable_bytes(raw: bytes) -> None:
    if not raw:
        raise MalformedMail("empty input: the message has no bytes at all")
    if not raw.strip():
        raise MalformedMail(f"empty input: the message is {len(raw)} bytes of whitespace only")
    header_block = _HEADER_BODY_SEPARATOR.split(raw, maxsplit=1)[0]
    nul_offset = header_block.find(b"\x00")
    if nul_offset != -1:
        raise MalformedMail(
            f"binary data, not an e-mail message: NUL byte at offset {nul_offset} "
            "of the header block (RFC 5322 headers are text)"
        )


_HEADER_REGISTRY = HeaderRegistry()
_MEMOISED_HEADER_LENGTH = 1024  # MIME headers are short; long values are not worth keeping
# policy.default's header grammar takes super-linear time in the value's length (a hostile
# 1 MB header would stall a worker for minutes); longer values take the compat32 route.
_MODERN_HEADER_MAX_LENGTH = 8 * 1024


def _parse_header(name: str, value: str) -> BaseHeader:
    """policy.default's header parsing, memoised for short values. The policy re-parses a
    header on every access, and the stdlib parser plus the MIME walk ask about each part's
    Content-Type a dozen times; parsing is a pure function of (name, value)."""
    if len(value) > _MODERN_HEADER_MAX_LENGTH:
        raise errors.HeaderParseError(f"{len(value)} characters, too long for policy.default")
    if len(value) > _MEMOISED_HEADER_LENGTH:
        return _HEADER_REGISTRY(name, value)
    return _parse_short_header(name, value)


@functools.lru_cache(maxsize=256)
def _parse_short_header(name: str, value: str) -> BaseHeader:
    return _HEADER_REGISTRY(name, value)


# Longer header values are cut when parsed; no mail client writes one anywhere near this.
_HEADER_VALUE_MAX_LENGTH = 64 * 1024


class _CappedHeaderValues(Policy):
    """Cuts header values at _HEADER_VALUE_MAX_LENGTH as the parser reads them, in every MIME
    part: even compat32's parameter and encoded-word decoding take quadratic time on
    megabyte-long values, which would let one hostile message stall the ingest."""

    def header_source_parse(self, sourcelines: list[str]) -> tuple[str, str]:
        name, value = super().header_source_parse(sourcelines)
        return name, value[:_HEADER_VALUE_MAX_LENGTH]


class _ModernPolicy(_CappedHeaderValues, EmailPolicy):
    pass


class _Compat32Policy(_CappedHeaderValues, Compat32):
    pass


_MODERN_POLICY = _ModernPolicy(header_factory=_parse_header)
_COMPAT32_POLICY = _Compat32Policy()


def _parse_bytes(raw: bytes, parsing_policy: Policy) -> Message:
    try:
        return BytesParser(policy=parsing_policy).parsebytes(raw)
    except RecursionError:
        raise MalformedMail("MIME structure nested too deeply to parse") from None


def _first_line(raw: bytes) -> str:
    return raw.split(b"\n", 1)[0].rstrip(b"\r")[:60].decode("ascii", "backslashreplace")


def _read_message(
    raw: bytes, message: Message, ticket_reference_pattern: re.Pattern[str], defects: list[str]
) -> ParsedMail:
    if not message.keys():
        raise MalformedMail(
            f"no header fields: the first line {_first_line(raw)!r} is not a 'Name: value' header"
        )
    headers = _HeaderReader(message, defects)
    sender = _sender(headers)
    content = _MimeWalker(defects).collect(message)
    body = _assemble_text(content)
    visible_text, quoted_text = _split_history(body.lines, body.history_start)
    html = "".join(content.html_documents)
    subject = headers.decoded_text("Subject") or ""
    is_bounce, auto_submitted_reason = _classify_automatic(message, headers, sender.address)
    in_reply_to = _message_ids(headers.raw("In-Reply-To"))
    message_id = _message_ids(headers.raw("Message-ID"))
    return ParsedMail(
        message_id=message_id[0] if message_id else None,
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        references=tuple(dict.fromkeys(_message_ids(headers.raw("References")))),
        subject=subject,
        from_address=sender.address,
        from_name=sender.name,
        to=headers.addresses("To"),
        cc=headers.addresses("Cc"),
        reply_to=headers.addresses("Reply-To"),
        date=_parse_date(headers.raw("Date"), defects),
        text_body="\n".join(body.lines),
        html_body=_sanitise_html(html) if html else None,
        visible_text=visible_text,
        quoted_text=quoted_text,
        attachments=tuple(content.attachments),
        content_hash=_content_hash(raw, headers),
        auto_submitted_reason=auto_submitted_reason,
        is_bounce=is_bounce,
        ticket_reference=_find_ticket_reference(subject, ticket_reference_pattern),
        defects=tuple(dict.fromkeys(defects)),
    )


def _sender(headers: _HeaderReader) -> MailAddress:
    raw_from = headers.raw("From")
    if raw_from is None:
        raise MalformedMail("no From header: the message does not say who sent it")
    senders = headers.addresses("From")
    if not senders:
        raise MalformedMail(f"From header {_clean_text(raw_from)!r} contains no e-mail address")
    return senders[0]


# --- Text hygiene and charsets ---------------------------------------------------------------

_LONE_SURROGATES = re.compile("[\ud800-\udfff]")


def _clean_text(text: str) -> str:
    """Make text storable: lone surrogates (undecodable bytes) become U+FFFD and NULs go,
    because neither can be encoded to UTF-8 or stored in a PostgreSQL text column."""
    return _LONE_SURROGATES.sub("\ufffd", text.replace("\x00", ""))


def _text_codec(charset: str | None) -> str | None:
    """Python's codec name for a declared charset, or None if unknown or not a text encoding."""
    if not charset:
        return None
    try:
        codec = codecs.lookup(charset.strip()).name
        b"".decode(codec)  # "base64", "zlib" etc. are codecs too, but not text encodings
    except (LookupError, ValueError):
        return None
    return codec


def _decode_or_none(payload: bytes, codec: str, errors: str) -> str | None:
    try:
        return payload.decode(codec, errors)
    except (UnicodeError, LookupError):  # e.g. "idna" refuses bad labels and non-strict handlers
        return None


# Undeclared or mis-declared 8-bit text in Russian mail is one of these in practice.
_GUESSABLE_CODECS = ("utf-8", "cp1251", "koi8-r")
_LOWERCASE_CYRILLIC = re.compile("[а-яё]")
_CHARSET_SAMPLE_BYTES = 64 * 1024


def _guess_decoding(payload: bytes, declared_codec: str | None) -> tuple[str, str]:
    """Pick the codec under which the bytes read most like text: (codec, text).

    Valid UTF-8 wins outright: Cyrillic in the single-byte charsets is practically never
    valid UTF-8 (its letters are bytes >= 0xC0, which UTF-8 must follow by continuation
    bytes 0x80-0xBF). Otherwise every candidate is decoded with replacement characters and
    scored by lowercase Cyrillic letters minus replacement characters: cp1251 and KOI8-R
    share the byte range but swap upper and lower case, so Russian text - mostly lowercase -
    read in the wrong one of them turns into capitals, and text read as broken UTF-8 turns
    into U+FFFD. Ties go to the declared charset, then to the order of _GUESSABLE_CODECS.
    Only Russian-oriented charsets are considered, which suits the mail Opora receives.
    """
    as_utf8 = _decode_or_none(payload, "utf-8", "strict")
    if as_utf8 is not None:
        return "utf-8", as_utf8
    sample = payload[:_CHARSET_SAMPLE_BYTES]
    best_codec, best_score = "", float("-inf")
    for codec in dict.fromkeys(c for c in (declared_codec, *_GUESSABLE_CODECS) if c):
        text = _decode_or_none(sample, codec, "replace")
        if text is None:
            continue
        score = len(_LOWERCASE_CYRILLIC.findall(text)) - 2 * text.count("\ufffd")
        if score > best_score:
            best_codec, best_score = codec, score
    return best_codec, payload.decode(best_codec, "replace")


def _decode_text_bytes(payload: bytes, charset: str | None, defects: list[str], where: str) -> str:
    codec = _text_codec(charset)
    if charset and codec is None:
        defects.append(f"{where}: unknown charset {charset!r}")
    if codec is not None:
        text = _decode_or_none(payload, codec, "strict")
        if text is not None:
            return _clean_text(text)
    elif payload.isascii():
        return _clean_text(payload.decode("ascii"))
    guessed_codec, text = _guess_decoding(payload, codec)
    if codec is None:
        defects.append(f"{where}: 8-bit text without a known charset, decoded as {guessed_codec}")
    else:
        defects.append(f"{where}: text is not valid {codec}, decoded as {guessed_codec}")
    return _clean_text(text)


def _decode_encoded_words(value: str, defects: list[str], where: str) -> str:
    """Decode RFC 2047 encoded-words the compat32 way, tolerating unknown charsets."""
    try:
        chunks = decode_header(value)
    except errors.HeaderParseError:
        return value
    decoded = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            decoded.append(chunk)
        elif charset is None:
            decoded.append(chunk.decode("raw-unicode-escape"))  # how decode_header packs plain text
        else:
            decoded.append(_decode_text_bytes(chunk, charset, defects, where))
    return "".join(decoded)


def _describe_defect(defect: errors.MessageDefect) -> str:
    """The stdlib defect's message, or the first line of its class docstring if it has none."""
    description = str(defect) or (type(defect).__doc__ or "").strip().split("\n")[0]
    return f"{type(defect).__name__}: {description}"


# --- Headers ---------------------------------------------------------------------------------

_FOLDING = re.compile(r"\r?\n(?=[ \t])")
_ADDR_SPEC = re.compile(r"[^@\s]+@[^@\s]+")
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")


class _HeaderReader:
    """Decodes one message's header fields from their raw values: the modern (policy.default)
    header parser first, compat32-style decoding where it raises."""

    def __init__(self, message: Message, defects: list[str]) -> None:
        self._raw_values: dict[str, list[str]] = {}
        for name, value in message.raw_items():
            self._raw_values.setdefault(name.lower(), []).append(_FOLDING.sub("", value).strip())
        self._defects = defects

    def raw_all(self, name: str) -> list[str]:
        return self._raw_values.get(name.lower(), [])

    def raw(self, name: str) -> str | None:
        values = self.raw_all(name)
        return values[0] if values else None

    def decoded_text(self, name: str) -> str | None:
        value = self.raw(name)
        if value is None:
            return None
        value = self._recover_8bit(name, value)
        header = self._parse_modern(name, value)
        if header is None:
            return _clean_text(_decode_encoded_words(value, self._defects, f"{name} header"))
        return _clean_text(str(header))

    def addresses(self, name: str) -> tuple[MailAddress, ...]:
        found = []
        for value in self.raw_all(name):
            for display_name, addr_spec in self._address_pairs(name, value):
                address = _clean_text(addr_spec.strip()).lower()
                if _ADDR_SPEC.fullmatch(address):
                    found.append(MailAddress(address, _clean_text(display_name.strip())))
                elif address:
                    self._defects.append(f"{name} header: {address!r} is not an e-mail address")
        return tuple(found)

    def _address_pairs(self, name: str, value: str) -> list[tuple[str, str]]:
        value = self._recover_8bit(name, value)
        header = self._parse_modern(name, value)
        if isinstance(header, AddressHeader):
            return [(address.display_name, address.addr_spec) for address in header.addresses]
        return [
            (_decode_encoded_words(display_name, self._defects, f"{name} header"), addr_spec)
            for display_name, addr_spec in getaddresses([value])
        ]

    def _parse_modern(self, name: str, value: str) -> BaseHeader | None:
        """policy.default's header object (its defects noted), or None if the parser raised."""
        try:
            header = _parse_header(name, value)
        except _STDLIB_PARSER_FAILURES as error:
            self._defects.append(f"{name} header: modern parser failed ({error!r}), used compat32")
            return None
        self._defects.extend(f"{name} header: {_describe_defect(d)}" for d in header.defects)
        return header

    def _recover_8bit(self, name: str, value: str) -> str:
        """Raw 8-bit header bytes arrive as surrogate escapes; decode them (UTF-8, else the
        charset guess) instead of letting them become U+FFFD."""
        if not _LONE_SURROGATES.search(value):
            return value
        raw_bytes = value.encode("utf-8", "surrogateescape")
        as_utf8 = _decode_or_none(raw_bytes, "utf-8", "strict")
        if as_utf8 is not None:  # RFC 6532 allows raw UTF-8 in headers
            return as_utf8
        return _decode_text_bytes(raw_bytes, None, self._defects, f"{name} header")


def _message_ids(value: str | None) -> list[str]:
    """Message-IDs in a header value, without <>; bare ids are accepted from sloppy clients."""
    if value is None:
        return []
    ids = _MESSAGE_ID.findall(value) or [token.strip("<>,;") for token in value.split()]
    return [_clean_text(message_id) for message_id in ids if message_id]


def _parse_date(value: str | None, defects: list[str]) -> datetime | None:
    if value is None:
        defects.append("no Date header")
        return None
    try:
        date = parsedate_to_datetime(value)
    except (ValueError, TypeError, IndexError, OverflowError):
        defects.append(f"Date header {_clean_text(value)!r} is not a valid date")
        return None
    # RFC 5322 §3.3: "-0000" means UTC with the sender's local zone unknown.
    return date if date.tzinfo is not None else date.replace(tzinfo=UTC)


# --- MIME structure --------------------------------------------------------------------------


@dataclass
class _Content:
    """What a MIME walk found, in reading order."""

    plain_texts: list[str] = field(default_factory=list)
    html_documents: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    forwarded_summaries: list[list[str]] = field(default_factory=list)  # lines per message


_BODY_TYPES = ("text/plain", "text/html")
_FORWARDED_TYPES = ("message/rfc822", "message/global")
_FORWARD_SEPARATOR = "---------- Forwarded message ----------"
_PATH_SEPARATORS = re.compile(r"[\\/]")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


class _MimeWalker:
    def __init__(self, defects: list[str]) -> None:
        self._defects = defects

    def collect(self, message: Message) -> _Content:
        content = _Content()
        self._walk(message, content, depth=0)
        return content

    def _walk(self, part: Message, content: _Content, depth: int) -> None:
        content_type = part.get_content_type()
        self._defects.extend(f"{content_type} part: {_describe_defect(d)}" for d in part.defects)
        self._defects.extend(
            f"{content_type} part: {name} header cut at {_HEADER_VALUE_MAX_LENGTH} characters"
            for name, value in part.raw_items()
            if len(value) >= _HEADER_VALUE_MAX_LENGTH
        )
        if depth > MAX_MIME_DEPTH:
            raise MalformedMail(f"MIME structure nested deeper than {MAX_MIME_DEPTH} levels")
        children = part.get_payload() if part.is_multipart() else None
        if children and content_type == "multipart/alternative":
            self._walk_alternatives(children, content, depth)
        elif children and content_type in _FORWARDED_TYPES:
            self._add_forwarded(part, children[0], content, depth)
        elif children and content_type.startswith("multipart/"):
            for child in children:
                self._walk(child, content, depth + 1)
        else:
            self._add_leaf(part, content_type, content)

    def _walk_alternatives(
        self, alternatives: list[Message], content: _Content, depth: int
    ) -> None:
        """Keep the first text/plain rendering, the last (richest) HTML one, and the
        attachments of all of them (inline images live beside the HTML)."""
        renderings = []
        for alternative in alternatives:
            rendering = _Content()
            self._walk(alternative, rendering, depth + 1)
            renderings.append(rendering)
        content.plain_texts.extend(
            next((r.plain_texts for r in renderings if any(t.strip() for t in r.plain_texts)), [])
        )
        content.html_documents.extend(
            next((r.html_documents for r in reversed(renderings) if r.html_documents), [])
        )
        for rendering in renderings:
            content.attachments.extend(rendering.attachments)
            content.forwarded_summaries.extend(rendering.forwarded_summaries)

    def _add_leaf(self, part: Message, content_type: str, content: _Content) -> None:
        filename = part.get_filename()
        disposition = part.get_content_disposition()
        if content_type.startswith("multipart/"):
            # A multipart without a usable boundary: its raw text is all there is to read.
            content_type = "text/plain"
        if filename is None and disposition != "attachment" and content_type in _BODY_TYPES:
            text = self._decode_body(part, content_type)
            if content_type == "text/html":
                content.html_documents.append(text)
            else:
                content.plain_texts.append(text)
            return
        content_id = _clean_text(str(part.get("Content-ID", ""))).strip().strip("<>").strip()
        content.attachments.append(
            Attachment(
                filename=self._attachment_filename(filename, content_type),
                content_type=content_type,
                payload=_part_bytes(part),
                content_id=content_id or None,
                is_inline=disposition == "inline" or (disposition is None and bool(content_id)),
            )
        )

    def _decode_body(self, part: Message, content_type: str) -> str:
        payload = part.get_payload(decode=True) or b""
        text = _decode_text_bytes(
            payload, part.get_content_charset(), self._defects, f"{content_type} part"
        )
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if content_type == "text/plain" and _param(part, "format") == "flowed":
            text = _unflow(text, delete_space=_param(part, "delsp") == "yes")
        return text

    def _attachment_filename(self, filename: str | None, content_type: str) -> str:
        if filename and "=?" in filename:
            # Encoded-words in a filename are non-standard but what many clients send;
            # compat32 leaves them encoded (the modern policy has already decoded them).
            filename = _decode_encoded_words(filename, self._defects, "attachment filename")
        return _safe_filename(filename or "") or _safe_filename(_generated_filename(content_type))

    def _add_forwarded(self, part: Message, inner: Message, content: _Content, depth: int) -> None:
        """A forwarded message is kept whole as an .eml attachment, and summarised in the
        body (its headers and text) so agents can read it without opening the file."""
        headers = _HeaderReader(inner, self._defects)
        inner_content = _Content()
        self._walk(inner, inner_content, depth + 1)
        subject = headers.decoded_text("Subject") or ""
        content.attachments.append(
            Attachment(
                filename=self._attachment_filename(
                    part.get_filename()
                    or _PATH_SEPARATORS.sub("_", subject or "forwarded message") + ".eml",
                    "message/rfc822",
                ),
                content_type=part.get_content_type(),
                payload=_part_bytes(part),
            )
        )
        summary = [_FORWARD_SEPARATOR]
        for label, value in (
            ("From", ", ".join(map(str, headers.addresses("From")))),
            ("Date", _clean_text(headers.raw("Date") or "")),
            ("Subject", subject),
            ("To", ", ".join(map(str, headers.addresses("To")))),
            ("Attachments", ", ".join(a.filename for a in inner_content.attachments)),
        ):
            if value:
                summary.append(f"{label}: {value}")
        inner_text = _assemble_text(inner_content)
        if inner_text.lines:
            summary.extend(["", *inner_text.lines])
        content.forwarded_summaries.append(summary)


def _safe_filename(filename: str) -> str:
    """The name without any directory part or control characters: it may reach a file system."""
    name = _PATH_SEPARATORS.split(_clean_text(filename))[-1]
    return _CONTROL_CHARACTERS.sub("", name).strip(" .")


def _generated_filename(content_type: str) -> str:
    """A name for an unnamed part: "attachment.pdf" for well-known types, otherwise from the
    subtype, which says more to an agent (a bounce's "delivery-status.txt")."""
    extension = mimetypes.guess_extension(content_type)
    if extension is not None:
        return f"attachment{extension}"
    readable = content_type.startswith(("text/", "message/"))
    return content_type.partition("/")[2] + (".txt" if readable else ".bin")


def _param(part: Message, name: str) -> str:
    """A Content-Type parameter, lower-cased; "" when absent."""
    value = part.get_param(name)
    if isinstance(value, tuple):  # compat32 returns RFC 2231 values undecoded
        value = collapse_rfc2231_value(value)
    return str(value).strip().lower() if value else ""


# Writes header lines as received: re-folding would change the bytes of a forwarded message
# and run the header parser, which broken headers crash.
_VERBATIM_OUTPUT = policy.default.clone(refold_source="none")


def _part_bytes(part: Message) -> bytes:
    if part.is_multipart():
        # message/* parts come parsed into sub-messages; serialise them back.
        return b"".join(child.as_bytes(policy=_VERBATIM_OUTPUT) for child in part.get_payload())
    return part.get_payload(decode=True) or b""


def _unflow(text: str, *, delete_space: bool) -> str:
    """Undo RFC 3676 format=flowed: join soft-broken lines (those ending in a space) of the
    same quote depth and remove space-stuffing, so paragraphs read as written."""
    lines: list[str] = []
    paragraph: list[str] = []
    paragraph_depth = 0

    def end_paragraph() -> None:
        if paragraph:
            prefix = ">" * paragraph_depth + " " if paragraph_depth else ""
            lines.append(prefix + "".join(paragraph))
            paragraph.clear()

    for line in text.split("\n"):
        content = line.lstrip(">")
        depth = len(line) - len(content)
        content = content.removeprefix(" ")  # space-stuffing
        is_soft_break = content.endswith(" ") and content != "-- "  # "-- " opens a signature
        if is_soft_break and delete_space:
            content = content[:-1]
        if depth != paragraph_depth:
            end_paragraph()
        paragraph_depth = depth
        paragraph.append(content)
        if not is_soft_break:
            end_paragraph()
    end_paragraph()
    return "\n".join(lines)


# --- Body text and quoted history ------------------------------------------------------------


@dataclass(frozen=True)
class _BodyText:
    lines: list[str]  # right-stripped, no blank lines at either end
    history_start: int | None  # where HTML markup (e.g. Gmail's gmail_quote) says history begins


def _assemble_text(content: _Content) -> _BodyText:
    plain = "\n\n".join(text for text in content.plain_texts if text.strip())
    history_start = None
    if plain:
        lines = _trim_blank_lines([line.rstrip() for line in plain.split("\n")])
    elif content.html_documents:
        lines, history_start = _html_to_text("".join(content.html_documents))
    else:
        lines = []
    for summary in content.forwarded_summaries:
        if lines:
            lines.append("")
        lines.extend(summary)
    return _BodyText(lines, history_start)


def _trim_blank_lines(lines: list[str]) -> list[str]:
    first = next((i for i, line in enumerate(lines) if line), len(lines))
    last = next((i for i in range(len(lines) - 1, -1, -1) if lines[i]), -1)
    return lines[first : last + 1]


_ATTRIBUTION_WORDS = re.compile(
    r"""
      ^On\s.+\swrote:$                                  # Gmail, Apple Mail, Thunderbird (en)
    | \s(?:пишет|написал|написала|написал\(а\)):$       # Thunderbird, Apple Mail (ru)
    """,
    re.VERBOSE | re.IGNORECASE,
)
# Gmail (ru), Yandex and Mail.ru write "<date>, Name <address>:"; the date's digit is checked
# separately, as "\d.*<...>:$" in one regex backtracks quadratically on long lines.
_ATTRIBUTION_ADDRESS_END = re.compile(r"<[^<>\s@]+@[^<>\s]+>:$")
# Only the start is anchored: Outlook Express writes "----- Original Message ----- " with a
# trailing space, which format=flowed then joins with the following "From:" line.
_HISTORY_SEPARATOR = re.compile(
    r"""^(?:
        -{2,}\s*(?:Original\ Message|Forwarded\ message|Исходное\ сообщение
                  |Пересылаемое\ сообщение)\s*-{2,}
      | _{10,}$                                          # Outlook's rule above a reply header
      | Begin\ forwarded\ message:$                      # Apple Mail
      | Начало\ переадресованного\ сообщения:$
    )""",
    re.VERBOSE | re.IGNORECASE,
)
_SIGNATURE_DELIMITER = "--"  # "-- " (RFC 3676 §4.3); lines are right-stripped by now
_OUTLOOK_HEADER_FROM = re.compile(r"^\*?(?:From|От)\*?:\s*\S", re.IGNORECASE)
_OUTLOOK_HEADER_SENT = re.compile(r"^\*?(?:Sent|Date|Отправлено|Дата)\*?:\s*\S", re.IGNORECASE)


def _split_history(lines: list[str], structural_start: int | None) -> tuple[str, str]:
    """(visible text, quoted history) - two consecutive slices of the lines, so nothing is lost."""
    start = _history_start(lines, structural_start)
    return "\n".join(lines[:start]).strip("\n"), "\n".join(lines[start:]).strip("\n")


def _history_start(lines: list[str], structural_start: int | None) -> int:
    """Index of the first line of quoted history, signature or forwarded content.

    Separators, Outlook reply headers, the signature delimiter and attribution lines not
    followed by '>' quotes start the history outright. Before that point, the trailing run of
    '>'-quoted lines (with their attribution lines) is history too; quotes followed by more of
    the sender's own text are an interleaved answer and stay visible.
    """
    limit = len(lines) if structural_start is None else min(structural_start, len(lines))
    limit = next((i for i in range(limit) if _starts_history(lines, i)), limit)
    start = limit
    while start > 0 and _is_quote_block_line(lines, start - 1):
        start -= 1
    return start


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _is_attribution(text: str) -> bool:
    if _ATTRIBUTION_WORDS.search(text):
        return True
    address_end = _ATTRIBUTION_ADDRESS_END.search(text)
    return address_end is not None and any(c.isdigit() for c in text[: address_end.start()])


def _attribution_length(lines: list[str], index: int) -> int:
    """1 or 2 if an attribution ("On ... wrote:") starts at index (Gmail wraps long ones
    over two lines), else 0."""
    line = lines[index].strip()
    if _is_attribution(line):
        return 1
    if index + 1 < len(lines) and _is_attribution(f"{line} {lines[index + 1].strip()}"):
        return 2
    return 0


def _is_quote_block_line(lines: list[str], index: int) -> bool:
    return (
        not lines[index]
        or _is_quoted(lines[index])
        or _attribution_length(lines, index) > 0
        or (index > 0 and _attribution_length(lines, index - 1) == 2)
    )


def _starts_history(lines: list[str], index: int) -> bool:
    line = lines[index].strip()
    if line == _SIGNATURE_DELIMITER or _HISTORY_SEPARATOR.match(line):
        return True
    if _OUTLOOK_HEADER_FROM.match(line):
        return any(_OUTLOOK_HEADER_SENT.match(nxt.strip()) for nxt in lines[index + 1 : index + 5])
    attribution_length = _attribution_length(lines, index)
    if attribution_length == 0:
        return False
    following = next((nxt for nxt in lines[index + attribution_length :] if nxt.strip()), "")
    return not _is_quoted(following)


# --- HTML ------------------------------------------------------------------------------------

# Elements whose class or id mark where Gmail, Thunderbird, Yahoo and Outlook put the quoted
# history or the signature.
_HISTORY_CLASSES = frozenset(
    {"gmail_quote", "gmail_signature", "moz-cite-prefix", "moz-signature", "yahoo_quoted"}
)
_HISTORY_IDS = frozenset({"divRplyFwdMsg", "appendonsend"})
_INVISIBLE_TAGS = frozenset({"script", "style", "title", "template"})

_SAFE_TAGS = frozenset(
    {
        *("a", "abbr", "b", "blockquote", "br", "caption", "center", "cite", "code", "col"),
        *("colgroup", "dd", "del", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6"),
        *("hr", "i", "img", "ins", "kbd", "li", "ol", "p", "pre", "q", "s", "small", "span"),
        *("strike", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead"),
        *("tr", "tt", "u", "ul"),
    }
)
_TABLE_CELL_ATTRIBUTES = frozenset({"colspan", "rowspan", "align", "valign", "width"})
_SAFE_ATTRIBUTES = {
    "a": frozenset({"href", "title"}),
    "img": frozenset({"src", "alt", "title", "width", "height"}),
    "table": frozenset({"border", "cellpadding", "cellspacing", "width", "align"}),
    "td": _TABLE_CELL_ATTRIBUTES,
    "th": _TABLE_CELL_ATTRIBUTES,
    "ol": frozenset({"start"}),
    # Only the history marker classes survive (see _filter_attribute), so the UI can
    # collapse quoted history in the rendered HTML as well.
    "div": frozenset({"class"}),
    "blockquote": frozenset({"class"}),
}
_SAFE_LINK_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
# Images: cid: (the message's own parts), https: (remote images; whether to load them is the
# UI's decision, e.g. behind a proxy or a "show images" click, as they can be trackers) and
# inline raster data: URLs. No http: (mixed content) and no SVG (it can carry script).
_SAFE_IMAGE_SOURCE = re.compile(
    r"(?:cid:|https:|data:image/(?:png|gif|jpeg|webp);base64,)", re.IGNORECASE
)
_SAFE_URL_SCHEMES = _SAFE_LINK_SCHEMES | {"cid", "data"}  # nh3's first filter; see below
_URL_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """nh3 hook: None drops the attribute. Relative URLs are dropped because in a mail
    they can only point into Opora itself."""
    if attribute == "class":
        kept = [name for name in value.split() if name in _HISTORY_CLASSES]
        return " ".join(kept) or None
    if tag == "img" and attribute == "src":
        return value if _SAFE_IMAGE_SOURCE.match(value) else None
    if tag == "a" and attribute == "href":
        scheme = _URL_SCHEME.match(value)
        return value if scheme and scheme.group(1).lower() in _SAFE_LINK_SCHEMES else None
    return value


def _sanitise_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=_SAFE_TAGS,
        clean_content_tags=_INVISIBLE_TAGS,
        attributes=_SAFE_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        url_schemes=_SAFE_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()


# The layout elements kept for text conversion: each starts a new line.
_TEXT_LAYOUT_TAGS = frozenset(
    {
        *("address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt"),
        *("figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header"),
        *("hr", "li", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul"),
    }
)
_LAYOUT_ATTRIBUTES = {tag: frozenset({"class", "id"}) for tag in _TEXT_LAYOUT_TAGS}
_HTML_WHITESPACE = re.compile(r"[ \t\n\r\f]+")  # not U+00A0: &nbsp; is content


def _html_to_text(html: str) -> tuple[list[str], int | None]:
    """Plain text lines for an HTML body, and the line where its quoted history begins.

    nh3 (a browser-grade HTML5 parser) first reduces the markup to well-formed layout
    elements - dropping scripts, styles, comments and inline tags - which the stdlib
    HTMLParser then lays out line by line.
    """
    layout_html = nh3.clean(
        html,
        tags=_TEXT_LAYOUT_TAGS,
        clean_content_tags=_INVISIBLE_TAGS,
        attributes=_LAYOUT_ATTRIBUTES,
        strip_comments=True,
    )
    extractor = _HtmlTextExtractor()
    extractor.feed(layout_html)
    extractor.close()
    return extractor.lines, extractor.history_start


class _HtmlTextExtractor(HTMLParser):
    """Block elements and <br> break lines, <blockquote> becomes "> " prefixes, and the first
    history container (Gmail's gmail_quote etc.) is remembered as a line index."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.history_start: int | None = None
        self._fragments: list[str] = []
        self._quote_depth = 0
        self._preformatted_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._end_line(keep_blank=tag == "br")
        if self.history_start is None and _is_history_container(attrs):
            self.history_start = len(self.lines)
        if tag == "blockquote":
            self._quote_depth += 1
        elif tag == "pre":
            self._preformatted_depth += 1
        elif tag == "li":
            self._fragments.append("- ")

    def handle_endtag(self, tag: str) -> None:
        self._end_line()
        if tag == "blockquote":
            self._quote_depth = max(0, self._quote_depth - 1)
        elif tag == "pre":
            self._preformatted_depth = max(0, self._preformatted_depth - 1)

    def handle_data(self, data: str) -> None:
        if not self._preformatted_depth:
            self._fragments.append(_HTML_WHITESPACE.sub(" ", data))
            return
        first, *rest = data.split("\n")
        self._fragments.append(first)
        for line in rest:
            self._end_line(keep_blank=True)
            self._fragments.append(line)

    def close(self) -> None:
        super().close()
        self._end_line()
        self.lines = _trim_blank_lines(self.lines)
        if self.history_start is not None and self.history_start >= len(self.lines):
            self.history_start = None

    def _end_line(self, *, keep_blank: bool = False) -> None:
        text = "".join(self._fragments)
        self._fragments.clear()
        # Outlook writes empty lines as <p>&nbsp;</p>, Gmail as <div><br></div>.
        if not keep_blank and not text.strip(" "):
            return
        prefix = "> " * self._quote_depth
        line = (prefix + text.replace("\xa0", " ").strip()).rstrip()
        if line.strip("> ") or (self.lines and self.lines[-1] != line):
            self.lines.append(line)


def _is_history_container(attrs: list[tuple[str, str | None]]) -> bool:
    for name, value in attrs:
        if name == "class" and value and _HISTORY_CLASSES.intersection(value.split()):
            return True
        if name == "id" and value in _HISTORY_IDS:
            return True
    return False


# --- Classification --------------------------------------------------------------------------

_BULK_PRECEDENCE = frozenset({"bulk", "junk", "list"})
_SUPPRESSED_BY_AUTO_REPLIERS = frozenset({"oof", "all"})


def _keyword(value: str | None) -> str:
    """The first token of a header such as "auto-replied; owner-email=...", lower-cased."""
    return _clean_text(value or "").split(";")[0].strip().lower()


def _classify_automatic(
    message: Message, headers: _HeaderReader, from_address: str
) -> tuple[bool, str | None]:
    """(is_bounce, auto_submitted_reason). Bounces are auto-submitted too. An empty
    Return-Path only means a bounce when no auto-reply header explains it, since RFC 3834
    asks auto-responders to use the null sender as well."""
    if (
        message.get_content_type() == "multipart/report"
        and _param(message, "report-type") == "delivery-status"
    ):
        return True, "bounce: delivery status notification (multipart/report)"
    if from_address.split("@", 1)[0] == "mailer-daemon":
        return True, "bounce: sent by MAILER-DAEMON"
    auto_submitted = _keyword(headers.raw("Auto-Submitted"))
    if auto_submitted and auto_submitted != "no":
        return False, f"Auto-Submitted: {auto_submitted}"
    suppress = _clean_text(headers.raw("X-Auto-Response-Suppress") or "")
    if _SUPPRESSED_BY_AUTO_REPLIERS.intersection(re.split(r"[\s,]+", suppress.lower())):
        return False, f"X-Auto-Response-Suppress: {suppress.strip()}"
    for name in ("X-Autoreply", "X-Autorespond"):
        value = headers.raw(name)
        if value is not None and _keyword(value) != "no":
            return False, f"{name}: {_keyword(value)}"
    precedence = _keyword(headers.raw("Precedence"))
    if precedence in _BULK_PRECEDENCE:
        return False, f"Precedence: {precedence}"
    for name in ("List-Id", "List-Unsubscribe"):
        value = headers.raw(name)
        if value is not None:
            return False, f"mailing list ({name}: {_clean_text(value).strip()})"
    return_path = headers.raw("Return-Path")
    if return_path is not None and "".join(return_path.split()) == "<>":
        return True, "bounce: empty Return-Path (null sender)"
    return False, None


def _find_ticket_reference(subject: str, pattern: re.Pattern[str]) -> str | None:
    """Group 1 of the pattern (the whole match if it has no group) in the subject with its
    reply/forward prefixes removed, so that anchored patterns work too."""
    match = pattern.search(strip_subject_prefixes(subject))
    if match is None:
        return None
    return match.group(1) if pattern.groups else match.group(0)


# --- De-duplication --------------------------------------------------------------------------

# Headers the sender's client wrote. Trace headers (Received, Return-Path, Delivered-To,
# Authentication-Results, X-Spam-*, ...) differ between deliveries of one message and are
# left out, so a message that arrives twice (two mailboxes, IMAP and SMTP, a re-poll) hashes
# the same.
_ORIGIN_HEADERS = (
    *("From", "Sender", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To"),
    *("References", "MIME-Version", "Content-Type", "Content-Transfer-Encoding"),
)


def _content_hash(raw: bytes, headers: _HeaderReader) -> str:
    """sha256 of the origin headers (unfolded, whitespace collapsed) and the body with line
    endings and trailing whitespace normalised, which relays may change."""
    digest = hashlib.sha256()
    for name in _ORIGIN_HEADERS:
        for value in headers.raw_all(name):
            line = f"{name.lower()}: {' '.join(value.split())}\n"
            digest.update(line.encode("utf-8", "surrogateescape"))
    parts = _HEADER_BODY_SEPARATOR.split(raw, maxsplit=1)
    body_lines = parts[1].split(b"\n") if len(parts) == 2 else []
    digest.update(b"\n" + b"\n".join(line.rstrip(b" \t\r") for line in body_lines).rstrip(b"\n"))
    return digest.hexdigest()
