"""Phone contacts: logging calls on tickets, callback requests with a due time, missed calls.

Every ticket change goes through opora.tickets.services; calls and callbacks are written in the
same transaction as the ticket change they belong to, so nothing is ever half-recorded."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from opora.accounts.models import User
from opora.core import ratelimit
from opora.core.errors import Forbidden, InvalidInput, InvalidTransition
from opora.customers.models import Customer
from opora.tickets import services as tickets
from opora.tickets.access import customer_of, require_can_edit, visible_tickets
from opora.tickets.models import Channel, MessageKind, Ticket

from .conf import setting
from .models import (
    CONNECTED_OUTCOMES,
    Call,
    Callback,
    CallbackSource,
    CallbackStatus,
    Direction,
    Outcome,
)
from .phones import InvalidPhone, display_phone, normalize_phone

# Longest call we accept on a log; anything longer is a typo (seconds for minutes).
MAX_CALL_SECONDS = 12 * 3600
# Clocks of agents' machines drift; a call "starting" a little in the future is still fine.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass
class CallLog:
    direction: str
    outcome: str
    duration_seconds: int = 0
    started_at: datetime | None = None
    phone: str = ""
    notes: str = ""


@dataclass
class CallbackRequest:
    phone: str
    name: str = ""
    topic: str = ""
    preferred_at: datetime | None = None


# --- who sees what -------------------------------------------------------------------------------


def visible_calls(user: User) -> QuerySet[Call]:
    """Calls are internal records: staff see those on tickets they may see; customers none."""
    if not (user.is_authenticated and user.is_agent_like):
        return Call.objects.none()
    return Call.objects.filter(ticket__in=visible_tickets(user))


def visible_callbacks(user: User) -> QuerySet[Callback]:
    """Staff: callbacks on tickets they may see. A customer: only their own requests."""
    if not user.is_authenticated:
        return Callback.objects.none()
    if user.is_agent_like:
        return Callback.objects.filter(ticket__in=visible_tickets(user))
    customer = customer_of(user)
    if customer is None:
        return Callback.objects.none()
    return Callback.objects.filter(customer=customer)


# --- validation ----------------------------------------------------------------------------------


def clean_phone(raw: str, field: str = "phone") -> str:
    try:
        return normalize_phone(raw, setting("OPORA_PHONE_DEFAULT_REGION"))
    except InvalidPhone:
        raise InvalidInput(
            _("Enter a phone number with its area code, e.g. +7 495 123-45-67"),
            fields={field: "invalid_phone"},
        ) from None


def _clean_call(log: CallLog, now: datetime) -> tuple[datetime, datetime | None, datetime | None]:
    """(started, answered, ended) for a logged call, or InvalidInput naming the bad field."""
    if log.direction not in Direction.values:
        raise InvalidInput(_("Unknown call direction"), fields={"direction": "invalid_choice"})
    if log.outcome not in Outcome.values:
        raise InvalidInput(_("Unknown call outcome"), fields={"outcome": "invalid_choice"})
    if log.outcome == Outcome.MISSED and log.direction != Direction.INBOUND:
        raise InvalidInput(
            _("Only an inbound call can be missed"), fields={"outcome": "missed_outbound"}
        )
    if not 0 <= log.duration_seconds <= MAX_CALL_SECONDS:
        raise InvalidInput(
            _("A call lasts between 0 seconds and 12 hours"),
            fields={"duration_seconds": "out_of_range"},
        )
    connected = log.outcome in CONNECTED_OUTCOMES
    if connected and log.duration_seconds == 0:
        raise InvalidInput(
            _("An answered call needs its talk time"), fields={"duration_seconds": "required"}
        )
    if not connected and log.duration_seconds:
        raise InvalidInput(
            _("A call that was not answered has no talk time"),
            fields={"duration_seconds": "not_answered"},
        )
    started = log.started_at or now - timedelta(seconds=log.duration_seconds)
    if timezone.is_naive(started):
        raise InvalidInput(_("Give the time with its time zone"), fields={"started_at": "naive"})
    if started > now + CLOCK_SKEW:
        raise InvalidInput(
            _("The call cannot start in the future"), fields={"started_at": "future"}
        )
    if not connected:
        return started, None, started
    return started, started, started + timedelta(seconds=log.duration_seconds)


def _call_note(call: Call) -> str:
    minutes, seconds = divmod(call.duration_seconds, 60)
    summary = _("%(direction)s call %(phone)s: %(outcome)s, %(minutes)d min %(seconds)02d s") % {
        "direction": call.get_direction_display(),
        "phone": display_phone(call.phone) if call.phone else "",
        "outcome": call.get_outcome_display(),
        "minutes": minutes,
        "seconds": seconds,
    }
    return f"{summary}\n\n{call.notes}" if call.notes else summary


# --- calls ---------------------------------------------------------------------------------------


@transaction.atomic
def log_call(
    ticket: Ticket,
    agent: User,
    log: CallLog,
    *,
    via: str = "web",
    callback: Callback | None = None,
) -> Call:
    """Record a call an agent had (or tried) on a ticket the caller has already checked they see.

    The call also lands in the ticket timeline as an internal note, so colleagues see it."""
    require_can_edit(agent)
    now = timezone.now()
    started, answered, ended = _clean_call(log, now)
    phone = clean_phone(log.phone) if log.phone.strip() else ""
    call = Call.objects.create(
        ticket=ticket,
        agent=agent,
        direction=log.direction,
        phone=phone,
        started_at=started,
        answered_at=answered,
        ended_at=ended,
        duration_seconds=log.duration_seconds,
        outcome=log.outcome,
        notes=log.notes.strip(),
        callback=callback,
    )
    tickets.add_message(
        ticket,
        tickets.Actor(user=agent, via=via),
        _call_note(call),
        kind=MessageKind.NOTE,
        channel=Channel.PHONE,
    )
    return call


@transaction.atomic
def log_call_on_new_ticket(
    customer: Customer, subject: str, agent: User, log: CallLog, *, via: str = "web"
) -> Call:
    """An inbound call from someone with no open ticket: the call opens a phone ticket."""
    require_can_edit(agent)
    _clean_call(log, timezone.now())
    ticket = tickets.create_ticket(
        tickets.NewTicket(
            customer=customer,
            subject=subject,
            body=log.notes or subject,
            channel=Channel.PHONE,
            assignee=agent,
        ),
        tickets.Actor(user=agent, via=via),
    )
    return log_call(ticket, agent, log, via=via)


# --- callbacks -----------------------------------------------------------------------------------


def _due_at(preferred_at: datetime | None, now: datetime) -> datetime:
    return preferred_at or now + timedelta(minutes=setting("OPORA_CALLBACK_SLA_MINUTES"))


def _clean_preferred(preferred_at: datetime | None, now: datetime) -> datetime | None:
    if preferred_at is None:
        return None
    if timezone.is_naive(preferred_at):
        raise InvalidInput(_("Give the time with its time zone"), fields={"preferred_at": "naive"})
    if preferred_at < now - CLOCK_SKEW:
        raise InvalidInput(
            _("The preferred time has already passed"), fields={"preferred_at": "past"}
        )
    if preferred_at > now + timedelta(days=setting("OPORA_CALLBACK_MAX_DAYS_AHEAD")):
        raise InvalidInput(
            _("Choose a time within the next two weeks"), fields={"preferred_at": "too_far"}
        )
    return preferred_at


def pending_callback_for(phone: str) -> Callback | None:
    return Callback.objects.pending().filter(phone=phone).select_related("ticket").first()


def _open_callback(
    *,
    customer: Customer,
    phone: str,
    request: CallbackRequest,
    source: str,
    actor: tickets.Actor,
    ticket: Ticket | None,
    now: datetime,
) -> tuple[Callback, bool]:
    """Create the callback (and its phone ticket when none is given), or join the number's
    pending one: the partial unique index makes that hold even for two simultaneous submits."""
    existing = pending_callback_for(phone)
    if existing is not None:
        return existing, False
    topic = request.topic.strip()[:250]
    try:
        with transaction.atomic():
            if ticket is None:
                ticket = tickets.create_ticket(
                    tickets.NewTicket(
                        customer=customer,
                        subject=_("Callback request: %(topic)s")
                        % {"topic": topic or display_phone(phone)},
                        body=topic or _("Please call me back."),
                        channel=Channel.PHONE,
                    ),
                    actor,
                )
            callback = Callback.objects.create(
                customer=customer,
                ticket=ticket,
                phone=phone,
                name=request.name.strip()[:200] or customer.name,
                topic=topic,
                source=source,
                preferred_at=request.preferred_at,
                due_at=_due_at(request.preferred_at, now),
                requested_by=actor.user,
                created_at=now,
            )
    except IntegrityError:
        existing = pending_callback_for(phone)
        if existing is None:
            raise
        return existing, False
    return callback, True


def _customer_for_phone(phone: str, name: str) -> Customer:
    """The customer this number belongs to, or a new unverified one for an unknown number."""
    # Stored numbers are typed by people: match the two forms Opora itself writes.
    forms = {phone, display_phone(phone)}
    customer = Customer.objects.filter(phone__in=forms).order_by("pk").first()
    if customer is not None:
        return customer
    return Customer.objects.create(
        name=(name.strip() or _("Caller %(phone)s") % {"phone": display_phone(phone)})[:200],
        phone=phone,
    )


def check_rate(client_key: str) -> None:
    """At most N public callback requests per client address per hour."""
    ratelimit.check(
        "callback-form",
        client_key,
        setting("OPORA_CALLBACK_FORM_LIMIT_PER_HOUR"),
        3600,
        _("Too many callback requests from here; please try again later"),
    )


def request_callback_public(request: CallbackRequest) -> tuple[Callback, bool]:
    """The public web form: anyone may ask to be called; the number finds or makes the customer."""
    now = timezone.now()
    phone = clean_phone(request.phone)
    preferred = _clean_preferred(request.preferred_at, now)
    if not request.name.strip():
        raise InvalidInput(_("Tell us your name"), fields={"name": "required"})
    request = CallbackRequest(phone, request.name, request.topic, preferred)
    with transaction.atomic():
        customer = _customer_for_phone(phone, request.name)
        return _open_callback(
            customer=customer,
            phone=phone,
            request=request,
            source=CallbackSource.WEB_FORM,
            actor=tickets.Actor(customer=customer, via="web"),
            ticket=None,
            now=now,
        )


def request_callback_as_customer(user: User, request: CallbackRequest) -> tuple[Callback, bool]:
    """A logged-in customer asks for a callback from the portal."""
    customer = customer_of(user)
    if customer is None:
        raise Forbidden(_("Only customers may request a callback here"))
    now = timezone.now()
    phone = clean_phone(request.phone)
    preferred = _clean_preferred(request.preferred_at, now)
    with transaction.atomic():
        return _open_callback(
            customer=customer,
            phone=phone,
            request=CallbackRequest(phone, request.name, request.topic, preferred),
            source=CallbackSource.PORTAL,
            actor=tickets.Actor(user=user, customer=customer, via="portal"),
            ticket=None,
            now=now,
        )


@transaction.atomic
def schedule_callback(
    ticket: Ticket, agent: User, request: CallbackRequest, *, via: str = "web"
) -> tuple[Callback, bool]:
    """An agent promises to call the ticket's customer back (outbound contact from the ticket)."""
    require_can_edit(agent)
    now = timezone.now()
    phone = clean_phone(request.phone or ticket.customer.phone)
    preferred = _clean_preferred(request.preferred_at, now)
    callback, created = _open_callback(
        customer=ticket.customer,
        phone=phone,
        request=CallbackRequest(
            phone, request.name or ticket.customer.name, request.topic, preferred
        ),
        source=CallbackSource.AGENT,
        actor=tickets.Actor(user=agent, via=via),
        ticket=ticket,
        now=now,
    )
    if created:
        tickets.add_message(
            ticket,
            tickets.Actor(user=agent, via=via),
            _("Callback to %(phone)s scheduled, due %(due)s")
            % {
                "phone": display_phone(phone),
                "due": date_format(timezone.localtime(callback.due_at), "DATETIME_FORMAT"),
            },
            kind=MessageKind.NOTE,
            channel=Channel.PHONE,
        )
    return callback, created


@transaction.atomic
def record_attempt(callback: Callback, agent: User, log: CallLog, *, via: str = "web") -> Callback:
    """An agent called the customer back: the call is logged; talking closes the callback, and
    too many unanswered tries close it as "could not reach"."""
    callback = Callback.objects.select_for_update().select_related("ticket").get(pk=callback.pk)
    if not callback.is_pending:
        raise InvalidTransition(
            _("This callback is already %(status)s") % {"status": callback.get_status_display()}
        )
    if log.direction != Direction.OUTBOUND:
        raise InvalidInput(
            _("A callback attempt is an outbound call"), fields={"direction": "not_outbound"}
        )
    log_call(
        callback.ticket,
        agent,
        CallLog(
            log.direction,
            log.outcome,
            log.duration_seconds,
            log.started_at,
            log.phone or callback.phone,
            log.notes,
        ),
        via=via,
        callback=callback,
    )
    callback.attempts += 1
    if log.outcome in CONNECTED_OUTCOMES:
        callback.status = CallbackStatus.DONE
    elif callback.attempts >= setting("OPORA_CALLBACK_MAX_ATTEMPTS"):
        callback.status = CallbackStatus.FAILED
    if not callback.is_pending:
        callback.done_at = timezone.now()
    callback.save(update_fields=["attempts", "status", "done_at"])
    return callback


@transaction.atomic
def cancel_callback(callback: Callback, user: User) -> Callback:
    """Staff, or the customer who asked, may withdraw a pending callback."""
    callback = Callback.objects.select_for_update().get(pk=callback.pk)
    if user.is_agent_like:
        require_can_edit(user)
    elif customer_of(user) is None or customer_of(user).pk != callback.customer_id:
        raise Forbidden(_("You may not cancel this callback"))
    if not callback.is_pending:
        raise InvalidTransition(
            _("This callback is already %(status)s") % {"status": callback.get_status_display()}
        )
    callback.status = CallbackStatus.CANCELLED
    callback.done_at = timezone.now()
    callback.save(update_fields=["status", "done_at"])
    return callback


# --- the provider's missed-call webhook ----------------------------------------------------------


@dataclass
class MissedCall:
    provider_call_id: str
    caller: str
    started_at: datetime
    ended_at: datetime | None = None


@transaction.atomic
def record_missed_call(missed: MissedCall) -> tuple[Call, bool]:
    """A call nobody answered: log it and make sure a callback is due. Idempotent by the
    provider's call id; a second missed call from a number already waiting joins its callback."""
    existing = Call.objects.filter(provider_call_id=missed.provider_call_id).first()
    if existing is not None:
        return existing, False
    phone = clean_phone(missed.caller, "from")
    now = timezone.now()
    customer = _customer_for_phone(phone, "")
    callback, _created = _open_callback(
        customer=customer,
        phone=phone,
        request=CallbackRequest(phone, topic=_("Missed call")),
        source=CallbackSource.MISSED_CALL,
        actor=tickets.Actor(customer=customer, via="phone"),
        ticket=None,
        now=now,
    )
    try:
        with transaction.atomic():
            call = Call.objects.create(
                ticket=callback.ticket,
                direction=Direction.INBOUND,
                phone=phone,
                started_at=missed.started_at,
                ended_at=missed.ended_at or missed.started_at,
                outcome=Outcome.MISSED,
                callback=callback,
                provider_call_id=missed.provider_call_id,
            )
    except IntegrityError:
        # The same delivery raced us in another process and won: nothing more to do.
        transaction.set_rollback(True)
        return Call.objects.get(provider_call_id=missed.provider_call_id), False
    return call, True
