"""Telegram: the Bot API client (sendMessage, getFile, file download; with retries) and the
adapter that normalizes Telegram updates (https://core.telegram.org/bots/api#update)."""

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

from django.conf import settings

from opora.messengers.conf import setting
from opora.messengers.models import Bot, Platform
from opora.tickets.attachments import IncomingFile

from .base import (
    FileRef,
    Ignored,
    InboundMessage,
    InvalidUpdate,
    MessengerAdapter,
    MessengerError,
    Sender,
)

# Telegram refuses longer texts in one sendMessage.
MAX_MESSAGE_LENGTH = 4096
# Message content we cannot carry into a ticket; named in the "unsupported" reason.
UNSUPPORTED_CONTENT = (
    "sticker",
    "animation",
    "voice",
    "video_note",
    "video",
    "audio",
    "location",
    "venue",
    "contact",
    "poll",
    "dice",
    "game",
)


class TelegramClient:
    """A small Bot API client. Transient failures (429, 5xx, network) are retried a few times,
    waiting as Telegram asks (parameters.retry_after) up to a cap; others fail at once."""

    def __init__(
        self,
        token: str,
        base_url: str = "https://api.telegram.org",
        *,
        timeout: float = 10,
        attempts: int = 3,
        max_pause: float = 5,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.token = token
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.max_pause = max_pause
        self.sleep = sleep

    def call(self, method: str, params: dict[str, Any]) -> Any:
        url = f"{self.base_url}/bot{self.token}/{method}"
        body = json.dumps(params).encode()
        last: MessengerError | None = None
        for attempt in range(self.attempts):
            if attempt:
                self.sleep(self._pause(last, attempt))
            try:
                return self._result(self._post(url, body), method)
            except MessengerError as error:
                if not error.retryable:
                    raise
                last = error
        assert last is not None
        raise last

    def _pause(self, error: "MessengerError | None", attempt: int) -> float:
        wanted = (error.retry_after if error else None) or 0.5 * 2 ** (attempt - 1)
        return min(wanted, self.max_pause)

    def _post(self, url: str, body: bytes) -> tuple[int, dict]:
        request = urllib.request.Request(
            url, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, self._json(response.read())
        except urllib.error.HTTPError as error:
            return error.code, self._json(error.read())
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            raise MessengerError(f"Telegram unreachable: {error}", retryable=True) from error

    @staticmethod
    def _json(raw: bytes) -> dict:
        try:
            data = json.loads(raw)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    @staticmethod
    def _result(response: tuple[int, dict], method: str) -> Any:
        status, data = response
        if status == 200 and data.get("ok") is True:
            return data.get("result")
        description = data.get("description") or f"HTTP {status}"
        retryable = status == 429 or status >= 500
        raise MessengerError(
            f"{method}: {description}",
            retryable=retryable,
            status=status,
            retry_after=(data.get("parameters") or {}).get("retry_after"),
        )

    def send_message(self, chat_id: str, text: str) -> dict:
        return self.call("sendMessage", {"chat_id": chat_id, "text": text})

    def get_file(self, file_id: str) -> dict:
        return self.call("getFile", {"file_id": file_id})

    def download_file(self, file_path: str, limit: int) -> bytes:
        url = f"{self.base_url}/file/bot{self.token}/{urllib.parse.quote(file_path)}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:
                content = response.read(limit + 1)
        except urllib.error.HTTPError as error:
            raise MessengerError(
                f"download: HTTP {error.code}", retryable=error.code >= 500, status=error.code
            ) from error
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            raise MessengerError(f"download: {error}", retryable=True) from error
        return content


def _sender(message: dict) -> Sender:
    user = message.get("from")
    chat = message.get("chat")
    if not isinstance(user, dict) or "id" not in user:
        raise InvalidUpdate("message.from", "missing")
    if not isinstance(chat, dict) or "id" not in chat:
        raise InvalidUpdate("message.chat", "missing")
    name = " ".join(part for part in (user.get("first_name"), user.get("last_name")) if part)
    return Sender(
        external_user_id=str(user["id"]),
        chat_id=str(chat["id"]),
        display_name=name or user.get("username") or str(user["id"]),
        username=user.get("username", ""),
        language=user.get("language_code", ""),
    )


def _files(message: dict) -> tuple[FileRef, ...]:
    if message.get("photo"):
        # Telegram sends every size of the photo; the last is the largest.
        largest = message["photo"][-1]
        name = f"photo_{largest.get('file_unique_id', largest['file_id'])}.jpg"
        return (FileRef(largest["file_id"], name, "image/jpeg"),)
    document = message.get("document")
    if isinstance(document, dict) and "file_id" in document:
        return (
            FileRef(
                document["file_id"],
                document.get("file_name") or "document",
                document.get("mime_type", ""),
            ),
        )
    return ()


def _command(message: dict, text: str) -> str:
    for entity in message.get("entities") or []:
        if entity.get("type") == "bot_command" and entity.get("offset") == 0:
            word = text[1 : entity.get("length", 0)]
            return word.split("@", 1)[0].lower()
    return ""


class TelegramAdapter(MessengerAdapter):
    platform = Platform.TELEGRAM

    def __init__(self, client: TelegramClient):
        self.client = client

    @classmethod
    def for_bot(cls, bot: Bot) -> "TelegramAdapter":
        return cls(
            TelegramClient(
                bot.api_token,
                bot.api_base_url,
                timeout=setting("OPORA_MESSENGER_TIMEOUT_SECONDS"),
                attempts=setting("OPORA_MESSENGER_ATTEMPTS_PER_CALL"),
                max_pause=setting("OPORA_MESSENGER_MAX_PAUSE_SECONDS"),
            )
        )

    def parse_update(self, payload: dict) -> InboundMessage | Ignored:
        update_id = payload.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool) or update_id < 0:
            raise InvalidUpdate("update_id", "required")
        edited = "edited_message" in payload
        message = payload.get("edited_message") if edited else payload.get("message")
        if message is None:
            kind = next((key for key in payload if key != "update_id"), "empty")
            return Ignored(update_id, f"unsupported_update:{kind}")
        if not isinstance(message, dict):
            raise InvalidUpdate("message", "not_an_object")
        sender = _sender(message)
        if message.get("chat", {}).get("type") != "private":
            # Support conversations are one-to-one; a bot added to a group stays silent there.
            return Ignored(update_id, "group_chat")
        if message.get("from", {}).get("is_bot"):
            return Ignored(update_id, "from_bot")
        text = message.get("text") or message.get("caption") or ""
        if not isinstance(text, str):
            raise InvalidUpdate("message.text", "not_a_string")
        files = _files(message)
        if not text.strip() and not files:
            kind = next((key for key in UNSUPPORTED_CONTENT if key in message), "unknown")
            return Ignored(update_id, f"unsupported_content:{kind}", sender)
        return InboundMessage(
            update_id=update_id,
            sender=sender,
            text=text,
            files=files,
            edited=edited,
            command=_command(message, text),
        )

    def send_text(self, chat_id: str, text: str) -> list[str]:
        ids = []
        for start in range(0, max(len(text), 1), MAX_MESSAGE_LENGTH):
            sent = self.client.send_message(chat_id, text[start : start + MAX_MESSAGE_LENGTH])
            ids.append(str(sent.get("message_id", "")))
        return ids

    def download(self, ref: FileRef) -> IncomingFile:
        info = self.client.get_file(ref.file_id)
        path = info.get("file_path") if isinstance(info, dict) else None
        if not path:
            raise MessengerError("getFile: no file_path (file too big?)", retryable=False)
        limit = settings.OPORA_MAX_ATTACHMENT_BYTES
        content = self.client.download_file(path, limit)
        return IncomingFile(ref.filename, content, ref.content_type)
