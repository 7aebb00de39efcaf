"""Messenger adapters behind one interface; see docs/messengers.md to add another messenger."""

from opora.messengers.models import Bot, Platform

from .base import MessengerAdapter


def adapter_for(bot: Bot) -> MessengerAdapter:
    """The adapter that speaks `bot`'s messenger. Register a new platform here."""
    if bot.platform == Platform.TELEGRAM:
        from .telegram import TelegramAdapter

        return TelegramAdapter.for_bot(bot)
    raise LookupError(f"No adapter for platform {bot.platform!r}")
