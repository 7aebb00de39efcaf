"""Messenger conversations as tickets, for every adapter alike: inbound updates become ticket
messages (once each), agents' public replies go back to the chat in the background."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from opora.core.errors import OporaError
from opora.customers.models import Customer
from opora.tickets import services as tickets
from opora.tickets.attachments import IncomingFile
from opora.tickets.models import Channel, Message, MessageKind, Ticket

from .adapters import adapter_for
from .adapters.base import (
    FileRef,
    Ignored,
    InboundMessage,
    MessengerAdapter,
    MessengerError,
    Sender,
)
from .conf import setting
from .models import (
    Bot,
    DeliveryStatus,
    Identity,
    InboundUpdate,
    OutboundDelivery,
    Platform,
    UpdateOutcome,
)

# The ticket channel each messenger's conversations are recorded under.
CHANNEL_OF = {Platform.TELEGRAM: Channel.TELEGRAM}
SUBJECT_LENGTH = 80


class MessengerUnavailable(OporaError):
    """The messenger's API failed for now; the delivery should be retried (nothing was written)."""

    code = "messenger_unavailable"
    status = 503


@dataclass
class Received:
    update: InboundUpdate
    duplicate: bool


def identity_for(bot: Bot, sender: Sender) -> Identity:
    """The sender's identity on this messenger, creating the customer on first contact."""
    identity = (
        Identity.objects.select_for_update()
        .select_related("customer")
        .filter(platform=bot.platform, external_user_id=sender.external_user_id)
        .first()
    )
    if identity is None:
        customer = Customer.objects.create(
            name=sender.display_name[:200],
            language="en" if sender.language.startswith("en") else "ru",
        )
        return Identity.objects.create(
            platform=bot.platform,
            external_user_id=sender.external_user_id,
            chat_id=sender.chat_id,
            bot=bot,
            customer=customer,
            username=sender.username,
            display_name=sender.display_name[:200],
        )
    changed = {
        "chat_id": sender.chat_id,
        "bot": bot,
        "username": sender.username,
        "display_name": sender.display_name[:200],
    }
    if any(getattr(identity, name) != value for name, value in changed.items()):
        for name, value in changed.items():
            setattr(identity, name, value)
        identity.save(update_fields=list(changed))
    return identity


def _download(adapter: MessengerAdapter, refs: tuple[FileRef, ...]) -> tuple[list, list[str]]:
    """Fetch attachments before any write. A passing failure aborts (the messenger redelivers);
    a permanent one keeps the message and says which file is missing."""
    files: list[IncomingFile] = []
    missing: list[str] = []
    for ref in refs:
        try:
            files.append(adapter.download(ref))
        except MessengerError as error:
            if error.retryable:
                raise MessengerUnavailable(str(error)) from error
            missing.append(ref.filename)
    return files, missing


def _body(event: InboundMessage, missing: list[str]) -> str:
    body = event.text.strip() or _("(attachment)")
    if event.edited:
        body = _("(edited) %(text)s") % {"text": body}
    if missing:
        body += "\n\n" + _("Attachments that could not be fetched: %(names)s") % {
            "names": ", ".join(missing)
        }
    return body


def add_to_conversation(
    bot: Bot, identity: Identity, body: str, files: list
) -> tuple[Message, bool]:
    """Into the customer's latest conversation on this messenger (add_message reopens a solved
    one and opens a follow-up for a closed one), or a new ticket. True when a ticket was opened."""
    channel = CHANNEL_OF[bot.platform]
    customer = identity.customer
    actor = tickets.Actor(customer=customer, via=bot.platform)
    ticket = Ticket.objects.filter(customer=customer, channel=channel).order_by("-pk").first()
    if ticket is not None:
        return tickets.add_message(ticket, actor, body, channel=channel, files=files), False
    first_line = body.strip().splitlines()[0] if body.strip() else ""
    ticket = tickets.create_ticket(
        tickets.NewTicket(
            customer=customer,
            subject=first_line[:SUBJECT_LENGTH] or _("Message from %(name)s") % {"name": customer},
            body=body,
            channel=channel,
            team=bot.team,
            files=files,
        ),
        actor,
    )
    return ticket.messages.first(), True


def receive_update(bot: Bot, payload: dict, adapter: MessengerAdapter | None = None) -> Received:
    """Handle one webhook delivery. Raises InvalidUpdate for a payload that is not an update and
    MessengerUnavailable when an attachment cannot be fetched yet; writes all or nothing."""
    adapter = adapter or adapter_for(bot)
    event = adapter.parse_update(payload)
    existing = InboundUpdate.objects.filter(bot=bot, update_id=event.update_id).first()
    if existing is not None:
        return Received(existing, duplicate=True)
    files, missing = ([], [])
    if isinstance(event, InboundMessage) and event.files:
        files, missing = _download(adapter, event.files)
    try:
        with transaction.atomic():
            update = InboundUpdate.objects.create(
                bot=bot, update_id=event.update_id, outcome=UpdateOutcome.IGNORED
            )
            _apply(bot, event, update, files, missing)
    except IntegrityError as error:
        # The same update was delivered twice at once and the other delivery won…
        existing = InboundUpdate.objects.filter(bot=bot, update_id=event.update_id).first()
        if existing is None:
            # …or a new sender's first two messages raced to create their identity: nothing was
            # written, and the messenger's redelivery will find the identity.
            raise MessengerUnavailable("Concurrent first contact; retry") from error
        return Received(existing, duplicate=True)
    return Received(update, duplicate=False)


def _apply(
    bot: Bot, event: InboundMessage | Ignored, update: InboundUpdate, files: list, missing: list
) -> None:
    if isinstance(event, Ignored):
        update.detail = event.reason
        update.save(update_fields=["detail"])
        if event.sender is not None:
            identity = identity_for(bot, event.sender)
            _notify(identity, NOTICE_UNSUPPORTED)
        return
    identity = identity_for(bot, event.sender)
    if event.command == "start" and not event.text.strip()[len("/start") :].strip():
        update.outcome = UpdateOutcome.GREETED
        update.save(update_fields=["outcome"])
        _notify(identity, NOTICE_GREETING)
        return
    message, opened = add_to_conversation(bot, identity, _body(event, missing), files)
    update.message = message
    update.outcome = UpdateOutcome.TICKET_CREATED if opened else UpdateOutcome.MESSAGE_ADDED
    update.save(update_fields=["message", "outcome"])


# --- outbound ------------------------------------------------------------------------------------

NOTICE_GREETING = "greeting"
NOTICE_UNSUPPORTED = "unsupported"


def notice_text(kind: str, language: str) -> str:
    with translation.override(language):
        if kind == NOTICE_GREETING:
            return _(
                "Hello! Write your question here and our support team will answer in this chat."
            )
        return _("Sorry, we can only read text messages, photos and files here.")


def _notify(identity: Identity, kind: str) -> None:
    from .tasks import send_notice

    transaction.on_commit(lambda: send_notice.enqueue(identity.pk, kind))


def send_notice(identity_id: int, kind: str) -> bool:
    """A greeting or an "unsupported content" notice: best effort, failures are logged only."""
    identity = Identity.objects.select_related("bot", "customer").get(pk=identity_id)
    try:
        adapter_for(identity.bot).send_text(
            identity.chat_id, notice_text(kind, identity.customer.language)
        )
    except MessengerError:
        return False
    return True


def queue_reply(message: Message) -> OutboundDelivery | None:
    """Called inside the reply's transaction: the reply leaves only after it commits."""
    identity = (
        Identity.objects.filter(customer_id=message.ticket.customer_id)
        .filter(platform__in=[p for p, c in CHANNEL_OF.items() if c == message.ticket.channel])
        .order_by("-pk")
        .first()
    )
    if identity is None:
        return None
    delivery = OutboundDelivery.objects.create(message=message, identity=identity)
    from .tasks import send_reply

    transaction.on_commit(lambda: send_reply.enqueue(delivery.pk))
    return delivery


def _reply_text(message: Message) -> str:
    names = [attachment.filename for attachment in message.attachments.all()]
    if not names:
        return message.body
    return (
        message.body
        + "\n\n"
        + _("Attached in your request: %(names)s") % {"names": ", ".join(names)}
    )


def deliver(delivery_id: int) -> str:
    """Send one queued reply. Safe to run twice: a sent or failed delivery is left alone."""
    delivery = OutboundDelivery.objects.select_related("message__ticket", "identity__bot").get(
        pk=delivery_id
    )
    if delivery.status in {DeliveryStatus.SENT, DeliveryStatus.FAILED}:
        return delivery.status
    delivery.attempts += 1
    try:
        ids = adapter_for(delivery.identity.bot).send_text(
            delivery.identity.chat_id, _reply_text(delivery.message)
        )
    except MessengerError as error:
        delivery.last_error = str(error)[:2000]
        final = not error.retryable or delivery.attempts >= setting(
            "OPORA_MESSENGER_MAX_SEND_ATTEMPTS"
        )
        delivery.status = DeliveryStatus.FAILED if final else DeliveryStatus.RETRYING
        delivery.save(update_fields=["attempts", "last_error", "status"])
        if final:
            _record_failure(delivery)
        else:
            _retry_later(delivery)
        return delivery.status
    delivery.status = DeliveryStatus.SENT
    delivery.sent_at = timezone.now()
    delivery.last_error = ""
    delivery.external_message_ids = ids
    delivery.save(
        update_fields=["attempts", "status", "sent_at", "last_error", "external_message_ids"]
    )
    return delivery.status


def _retry_later(delivery: OutboundDelivery) -> None:
    from .tasks import send_reply

    retry = send_reply
    if retry.get_backend().supports_defer:
        retry = retry.using(run_after=timezone.now() + timedelta(minutes=2**delivery.attempts))
    retry.enqueue(delivery.pk)


def _record_failure(delivery: OutboundDelivery) -> None:
    """The agent must know the customer did not get the reply: an internal note says so."""
    ticket = delivery.message.ticket
    with translation.override(settings.LANGUAGE_CODE):
        tickets.add_message(
            ticket,
            tickets.Actor(via=delivery.identity.platform),
            _("The reply of %(time)s could not be delivered to %(platform)s: %(error)s")
            % {
                "time": timezone.localtime(delivery.message.created_at).strftime("%Y-%m-%d %H:%M"),
                "platform": delivery.identity.get_platform_display(),
                "error": delivery.last_error,
            },
            kind=MessageKind.NOTE,
        )
