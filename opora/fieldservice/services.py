"""Field-service rules: who sees which work order, creating one from a ticket, proposing and
booking a technician's slot, the customer's confirmation, and the technician's visit.

The choice itself is made by the pure ``dispatch`` module; this module feeds it facts from the
database and records the outcome. Every state change takes the work order's row lock."""

import base64
import binascii
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from opora.accounts.models import User
from opora.core.errors import Forbidden, InvalidInput, InvalidTransition, NotFound
from opora.customers.models import Customer
from opora.entitlements.models import Asset
from opora.feedback.services import public_url
from opora.tickets import services as ticket_services
from opora.tickets.access import visible_tickets
from opora.tickets.models import (
    AuditAction,
    MessageKind,
    ResolutionCode,
    Status,
    Ticket,
    TicketType,
)

from . import dispatch
from .models import (
    HOLDING_STATUSES,
    Absence,
    ServiceArea,
    Skill,
    Technician,
    WorkKind,
    WorkOrder,
    WorkOrderPart,
    WorkOrderStatus,
    new_nonce,
)

APPOINTMENT_SALT = "opora.fieldservice.appointment"
APPOINTMENT_LINK_DAYS = 30
MAX_SIGNATURE_BYTES = 200_000
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# ---------------------------------------------------------------- who may see and do what


def technician_of(user: User) -> Technician | None:
    try:
        return user.technician if user.is_authenticated else None
    except Technician.DoesNotExist:
        return None


def is_field_technician(user: User) -> bool:
    """A technician who is not also a manager: sees only their own work orders."""
    return technician_of(user) is not None and not user.sees_every_ticket


def may_dispatch(user: User) -> bool:
    return (
        user.is_authenticated
        and user.is_agent_like
        and user.can_reply_publicly
        and not is_field_technician(user)
    )


def visible_work_orders(user: User) -> QuerySet[WorkOrder]:
    orders = WorkOrder.objects.all()
    if not user.is_authenticated or not user.is_active or not user.is_agent_like:
        return orders.none()
    if is_field_technician(user):
        return orders.filter(technician__user=user)
    if user.sees_every_ticket:
        return orders
    return orders.filter(ticket__in=visible_tickets(user))


def get_visible_work_order(user: User, pk: int) -> WorkOrder:
    order = visible_work_orders(user).filter(pk=pk).select_related(*_DETAIL).first()
    if order is None:
        raise NotFound(_("Work order not found"))
    return order


_DETAIL = ("ticket__customer", "area", "technician__user", "asset__product")


def customer_work_orders(customer: Customer) -> QuerySet[WorkOrder]:
    """A customer's appointments: their own tickets' work orders once a slot was offered."""
    return (
        WorkOrder.objects.filter(ticket__customer=customer)
        .exclude(status=WorkOrderStatus.NEW)
        .select_related("technician__user", "area", "ticket")
        .order_by("-scheduled_start", "-pk")
    )


def require_dispatcher(user: User) -> None:
    if not may_dispatch(user):
        raise Forbidden(_("Only dispatchers may do this"))


# ---------------------------------------------------------------- creating from a ticket


@dataclass
class NewWorkOrder:
    kind: str
    description: str
    area: ServiceArea
    address: str
    skills: list[Skill] = field(default_factory=list)
    duration_minutes: int = 120
    serial_number: str | None = None  # None: the ticket's


def _asset_for(serial: str, ticket: Ticket) -> Asset | None:
    """The registered asset with this serial, if it belongs to the ticket's customer."""
    if not serial:
        return None
    return Asset.objects.filter(serial=serial, customer_id=ticket.customer_id).first()


@transaction.atomic
def create_work_order(ticket: Ticket, user: User, data: NewWorkOrder) -> WorkOrder:
    require_dispatcher(user)
    errors = {}
    if data.kind not in WorkKind.values:
        errors["kind"] = "invalid"
    if not data.description.strip():
        errors["description"] = "required"
    if not data.address.strip():
        errors["address"] = "required"
    if not 15 <= data.duration_minutes <= 24 * 60:
        errors["duration_minutes"] = "out_of_range"
    if errors:
        raise InvalidInput(_("Please correct the work order"), fields=errors)
    serial = ticket.serial_number if data.serial_number is None else data.serial_number.strip()
    asset = _asset_for(serial, ticket)
    order = WorkOrder.objects.create(
        ticket=ticket,
        kind=data.kind,
        description=data.description.strip(),
        area=data.area,
        address=data.address.strip()[:300],
        serial_number=serial[:100],
        product=str(asset.product) if asset else ticket.product,
        asset=asset,
        duration_minutes=data.duration_minutes,
        created_by=user,
    )
    order.required_skills.set(data.skills)
    ticket_services.audit(
        ticket, ticket_services.Actor(user=user), AuditAction.CHANGED, "work_order", "", order
    )
    return order


# ---------------------------------------------------------------- proposals and booking


def calendar_of(technician: Technician) -> dispatch.WorkingCalendar:
    return dispatch.WorkingCalendar(
        days=frozenset(int(day) for day in technician.work_days),
        start=technician.work_start,
        end=technician.work_end,
        time_zone=technician.base_area.time_zone,
    )


def _point(area: ServiceArea) -> dispatch.GeoPoint:
    return dispatch.GeoPoint(area.latitude, area.longitude)


def job_of(order: WorkOrder, earliest: datetime) -> dispatch.Job:
    return dispatch.Job(
        required_skills=frozenset(skill.code for skill in order.required_skills.all()),
        area_id=order.area_id,
        location=_point(order.area),
        duration=timedelta(minutes=order.duration_minutes),
        earliest=earliest,
    )


def candidates_for(
    job: dispatch.Job, *, exclude_order: int | None = None
) -> dict[int, tuple[Technician, dispatch.Candidate]]:
    """Every active technician as the dispatch module sees them, in five queries."""
    technicians = list(
        Technician.objects.filter(is_active=True, user__is_active=True)
        .select_related("user", "base_area")
        .prefetch_related("skills", "areas")
    )
    busy: dict[int, list[dispatch.Interval]] = {tech.pk: [] for tech in technicians}
    held = WorkOrder.objects.filter(
        technician__in=technicians,
        status__in=HOLDING_STATUSES,
        scheduled_start__lt=job.latest,
        scheduled_end__gt=job.earliest,
    ).exclude(pk=exclude_order)
    for tech_id, start, end in held.values_list(
        "technician_id", "scheduled_start", "scheduled_end"
    ):
        busy[tech_id].append(dispatch.Interval(start, end))
    absences = Absence.objects.filter(
        technician__in=technicians, starts_at__lt=job.latest, ends_at__gt=job.earliest
    )
    for tech_id, start, end in absences.values_list("technician_id", "starts_at", "ends_at"):
        busy[tech_id].append(dispatch.Interval(start, end))
    return {
        tech.pk: (
            tech,
            dispatch.Candidate(
                technician_id=tech.pk,
                skills=frozenset(skill.code for skill in tech.skills.all()),
                areas=frozenset(area.pk for area in tech.areas.all()),
                base=_point(tech.base_area),
                calendar=calendar_of(tech),
                busy=tuple(busy[tech.pk]),
            ),
        )
        for tech in technicians
    }


@dataclass(frozen=True)
class Offer:
    technician: Technician
    proposal: dispatch.Proposal


def proposals(order: WorkOrder, now: datetime | None = None, limit: int = 3) -> list[Offer]:
    job = job_of(order, now or timezone.now())
    candidates = candidates_for(job, exclude_order=order.pk)
    chosen = dispatch.propose(job, [cand for _tech, cand in candidates.values()], limit=limit)
    return [Offer(candidates[offer.technician_id][0], offer) for offer in chosen]


REDISPATCHABLE = (
    WorkOrderStatus.NEW,
    WorkOrderStatus.RESCHEDULE,
    WorkOrderStatus.SCHEDULED,
    WorkOrderStatus.CONFIRMED,
)


@transaction.atomic
def book(
    order: WorkOrder,
    user: User,
    technician: Technician,
    start: datetime,
    *,
    override_reason: str = "",
    now: datetime | None = None,
) -> WorkOrder:
    """Give the work order to ``technician`` from ``start``. The first proposal needs no
    reason; anything else is an override and must say why. The technician's row lock makes two
    dispatchers booking the same hour take turns, so the second sees the first booking."""
    require_dispatcher(user)
    now = now or timezone.now()
    order = WorkOrder.objects.select_for_update().get(pk=order.pk)
    if order.status not in REDISPATCHABLE:
        raise InvalidTransition(_("This work order can no longer be dispatched"))
    if start < now:
        raise InvalidInput(_("The appointment must be in the future"), fields={"start": "past"})
    technician = Technician.objects.select_for_update().get(pk=technician.pk)
    if not technician.is_active:
        raise InvalidInput(_("This technician is not active"), fields={"technician": "inactive"})
    slot = dispatch.Interval(start, start + timedelta(minutes=order.duration_minutes))
    job = job_of(order, now)
    candidates = [cand for _tech, cand in candidates_for(job, exclude_order=order.pk).values()]
    chosen = next(cand for cand in candidates if cand.technician_id == technician.pk)
    if any(slot.overlaps(taken) for taken in chosen.busy):
        raise InvalidInput(
            _("The technician is already booked or away at that time"), fields={"start": "busy"}
        )
    best = dispatch.propose(job, candidates, limit=1)
    is_first_choice = bool(best) and (best[0].technician_id, best[0].slot.start) == (
        technician.pk,
        start,
    )
    reason = override_reason.strip()
    if not is_first_choice and not reason:
        raise InvalidInput(
            _("Say why you chose another technician or time than the proposal"),
            fields={"override_reason": "required"},
        )
    order.technician = technician
    order.scheduled_start, order.scheduled_end = slot.start, slot.end
    order.override_reason = "" if is_first_choice else reason[:300]
    order.dispatched_by = user
    order.status = WorkOrderStatus.SCHEDULED
    order.confirmed_at = None
    order.nonce = new_nonce()
    order.save()
    ticket_services.audit(
        order.ticket,
        ticket_services.Actor(user=user),
        AuditAction.CHANGED,
        "work_order",
        order.reference,
        f"{technician} {timezone.localtime(slot.start):%Y-%m-%d %H:%M}",
    )
    from .tasks import send_appointment

    pk = order.pk
    transaction.on_commit(lambda: send_appointment.enqueue(pk))
    return order


# ---------------------------------------------------------------- the customer's side


def appointment_token(order: WorkOrder) -> str:
    return signing.dumps({"w": order.pk, "n": order.nonce}, salt=APPOINTMENT_SALT)


def order_from_token(token: str) -> WorkOrder:
    """The work order a link names, or NotFound for forged, expired or superseded links."""
    refused = NotFound(_("This appointment link is not valid or has expired"), code="invalid_link")
    try:
        claim = signing.loads(token, salt=APPOINTMENT_SALT, max_age=APPOINTMENT_LINK_DAYS * 86400)
    except signing.BadSignature as error:
        raise refused from error
    if not isinstance(claim, dict) or not isinstance(claim.get("w"), int):
        raise refused
    order = (
        WorkOrder.objects.filter(pk=claim["w"], nonce=str(claim.get("n")))
        .select_related("technician__user", "area", "ticket__customer")
        .first()
    )
    if order is None:
        raise refused
    return order


def build_appointment_mail(order: WorkOrder) -> EmailMultiAlternatives:
    customer = order.ticket.customer
    with translation.override(customer.language or "ru"):
        link = public_url(reverse("fieldservice:appointment", args=[appointment_token(order)]))
        with timezone.override(customer.time_zone or "Europe/Moscow"):
            context = {
                "order": order,
                "customer": customer,
                "start": timezone.localtime(order.scheduled_start),
                "end": timezone.localtime(order.scheduled_end),
                "link": link,
            }
            subject = _("Your appointment %(reference)s: %(when)s") % {
                "reference": order.reference,
                "when": f"{context['start']:%d.%m.%Y %H:%M}",
            }
            text = render_to_string("fieldservice/email/appointment.txt", context)
    return EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[customer.email],
        headers={"Auto-Submitted": "auto-generated", "X-Opora-Work-Order": str(order.pk)},
    )


def deliver_appointment(order_id: int) -> bool:
    """Mail the current appointment once. A superseded or finished one sends nothing."""
    with transaction.atomic():
        order = (
            WorkOrder.objects.select_for_update(of=("self",))
            .select_related("ticket__customer", "technician__user", "area")
            .filter(pk=order_id, status=WorkOrderStatus.SCHEDULED)
            .first()
        )
        if order is None or order.mailed_nonce == order.nonce or not order.ticket.customer.email:
            return False
        build_appointment_mail(order).send()
        order.mailed_nonce = order.nonce
        order.save(update_fields=["mailed_nonce"])
    return True


@transaction.atomic
def confirm(order: WorkOrder) -> WorkOrder:
    order = WorkOrder.objects.select_for_update().get(pk=order.pk)
    if order.status == WorkOrderStatus.CONFIRMED:
        return order  # a second click changes nothing
    if order.status != WorkOrderStatus.SCHEDULED:
        raise InvalidTransition(_("This appointment can no longer be confirmed"))
    order.status = WorkOrderStatus.CONFIRMED
    order.confirmed_at = timezone.now()
    order.save(update_fields=["status", "confirmed_at"])
    return order


@transaction.atomic
def request_reschedule(order: WorkOrder, note: str) -> WorkOrder:
    """The customer cannot make it: the slot is released and dispatch offers another."""
    order = WorkOrder.objects.select_for_update().get(pk=order.pk)
    if order.status not in (WorkOrderStatus.SCHEDULED, WorkOrderStatus.CONFIRMED):
        raise InvalidTransition(_("This appointment can no longer be changed"))
    order.status = WorkOrderStatus.RESCHEDULE
    order.customer_note = note.strip()[:2000]
    order.confirmed_at = None
    order.nonce = new_nonce()  # the old links now lead nowhere
    order.save(update_fields=["status", "customer_note", "confirmed_at", "nonce"])
    return order


# ---------------------------------------------------------------- the technician's visit


def _require_assigned(order: WorkOrder, user: User) -> None:
    if order.technician is None or order.technician.user_id != user.pk:
        raise Forbidden(_("Only the assigned technician may record the visit"))


@transaction.atomic
def record_arrival(order: WorkOrder, user: User) -> WorkOrder:
    order = (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("technician")
        .get(pk=order.pk)
    )
    _require_assigned(order, user)
    if order.status == WorkOrderStatus.ON_SITE:
        return order
    if order.status not in (WorkOrderStatus.SCHEDULED, WorkOrderStatus.CONFIRMED):
        raise InvalidTransition(_("The visit cannot start from this status"))
    order.status = WorkOrderStatus.ON_SITE
    order.arrived_at = timezone.now()
    order.save(update_fields=["status", "arrived_at"])
    return order


@dataclass
class PartUsed:
    name: str
    quantity: int = 1
    part_number: str = ""


@dataclass
class Completion:
    work_done: str
    signed_by: str
    signature: str = ""  # a PNG data URL from the signature pad
    customer_confirmed: bool = False
    parts: list[PartUsed] = field(default_factory=list)


def check_signature(data_url: str) -> str:
    """A drawn signature must be a small PNG; anything else is refused, not stored."""
    if not data_url:
        return ""
    prefix = "data:image/png;base64,"
    invalid = InvalidInput(_("The signature is not a valid image"), fields={"signature": "invalid"})
    if not data_url.startswith(prefix) or len(data_url) > MAX_SIGNATURE_BYTES * 4 // 3 + 64:
        raise invalid
    try:
        raw = base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError) as error:
        raise invalid from error
    if not raw.startswith(PNG_MAGIC):
        raise invalid
    return data_url


def _check_completion(data: Completion) -> Completion:
    errors = {}
    if not data.work_done.strip():
        errors["work_done"] = "required"
    if not data.signed_by.strip():
        errors["signed_by"] = "required"
    signature = check_signature(data.signature)
    if not signature and not data.customer_confirmed:
        errors["signature"] = "sign_or_confirm"
    for index, part in enumerate(data.parts):
        if not part.name.strip() or not 1 <= part.quantity <= 10_000:
            errors[f"parts.{index}"] = "invalid"
    if errors:
        raise InvalidInput(
            _("The customer's sign-off needs the work done, their name and a signature or tick"),
            fields=errors,
        )
    return data


@transaction.atomic
def complete(order: WorkOrder, user: User, data: Completion) -> WorkOrder:
    """Record the visit, then solve the ticket through the ticket services; solving sends the
    satisfaction survey (opora.feedback listens for it)."""
    order = (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("technician", "ticket")
        .get(pk=order.pk)
    )
    _require_assigned(order, user)
    if order.status != WorkOrderStatus.ON_SITE:
        raise InvalidTransition(_("Record the arrival before completing the visit"))
    data = _check_completion(data)
    order.status = WorkOrderStatus.COMPLETED
    order.completed_at = timezone.now()
    order.work_done = data.work_done.strip()
    order.signed_by = data.signed_by.strip()[:200]
    order.signature = data.signature
    order.customer_confirmed = data.customer_confirmed
    order.save()
    WorkOrderPart.objects.bulk_create(
        WorkOrderPart(
            work_order=order,
            name=part.name.strip()[:200],
            part_number=part.part_number.strip()[:100],
            quantity=part.quantity,
        )
        for part in data.parts
    )
    actor = ticket_services.Actor(user=user, via="field")
    parts = "; ".join(f"{part.quantity} × {part.name}" for part in data.parts) or "—"
    ticket_services.add_message(
        order.ticket,
        actor,
        _(
            "%(reference)s completed on site. Work done: %(work)s. Parts: %(parts)s. Signed by %(name)s."
        )
        % {
            "reference": order.reference,
            "work": order.work_done,
            "parts": parts,
            "name": order.signed_by,
        },
        kind=MessageKind.NOTE,
    )
    ticket = Ticket.objects.get(pk=order.ticket_id)
    if ticket.is_unsolved:
        changes: dict = {"status": Status.SOLVED}
        if ticket.type == TicketType.INCIDENT and not ticket.resolution_code:
            changes["resolution_code"] = ResolutionCode.HARDWARE
        ticket_services.update_ticket(ticket, actor, changes)
    return order


@transaction.atomic
def cancel(order: WorkOrder, user: User) -> WorkOrder:
    require_dispatcher(user)
    order = WorkOrder.objects.select_for_update().get(pk=order.pk)
    if order.status in (WorkOrderStatus.COMPLETED, WorkOrderStatus.CANCELLED):
        raise InvalidTransition(_("This work order is already finished"))
    order.status = WorkOrderStatus.CANCELLED
    order.save(update_fields=["status"])
    return order


def board(user: User, status: str | None = None) -> QuerySet[WorkOrder]:
    orders = visible_work_orders(user).select_related(*_DETAIL)
    if status:
        orders = orders.filter(status=status)
    finished = Case(
        When(status__in=(WorkOrderStatus.COMPLETED, WorkOrderStatus.CANCELLED), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return orders.order_by(finished, "scheduled_start", "-pk")
