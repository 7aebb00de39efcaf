"""The interface every messenger adapter implements, and the normalized shapes it returns.

An adapter knows one messenger's wire format and API; everything about tickets and customers
lives in opora.messengers.services and is shared by all messengers."""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from opora.tickets.attachments import IncomingFile


@dataclass(frozen=True)
class Sender:
    external_user_id: str
    chat_id: str
    display_name: str
    username: str = ""
    language: str = ""


@dataclass(frozen=True)
class FileRef:
    """An attachment as the messenger names it; downloaded by the adapter on demand."""

    file_id: str
    filename: str
    content_type: str


@dataclass(frozen=True)
class InboundMessage:
    update_id: int
    sender: Sender
    text: str
    files: tuple[FileRef, ...] = field(default_factory=tuple)
    edited: bool = False
    # A bot command without the slash ("start"), or "" for ordinary text.
    command: str = ""


@dataclass(frozen=True)
class Ignored:
    """An update we deliberately do not turn into a ticket message, and why."""

    update_id: int
    reason: str
    # Set when the sender should be told (e.g. a sticker in a private chat); None for groups.
    sender: Sender | None = None


class InvalidUpdate(ValueError):
    """The payload is JSON but not an update of this messenger: `field` names what is wrong."""

    def __init__(self, field_name: str, problem: str):
        super().__init__(f"{field_name}: {problem}")
        self.field = field_name
        self.problem = problem


class MessengerError(Exception):
    """A call to the messenger's API failed. `retryable`: worth trying again later."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        status: int | None = None,
        retry_after: float | None = None,
    ):
        super().__init__(message)
        self.retryable = retryable
        self.status = status
        # Seconds the messenger asked us to wait before the next try (rate limiting).
        self.retry_after = retry_after


class MessengerAdapter(ABC):
    platform: str

    @abstractmethod
    def parse_update(self, payload: dict) -> InboundMessage | Ignored:
        """Normalize one webhook delivery; raise InvalidUpdate if it is not one."""

    @abstractmethod
    def send_text(self, chat_id: str, text: str) -> list[str]:
        """Send text to a chat (split as the messenger requires); returns the sent message ids."""

    @abstractmethod
    def download(self, ref: FileRef) -> IncomingFile:
        """Fetch an attachment's bytes."""
