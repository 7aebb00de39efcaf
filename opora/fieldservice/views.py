"""Field-service pages: the dispatch board and work order page for staff, the technician's
mobile visit page, the customer's appointments in the portal and behind a signed mail link."""

from datetime import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from opora.core.errors import InvalidInput, InvalidTransition, NotFound, OporaError
from opora.core.web import customer_required, paginate, staff_required
from opora.tickets.access import customer_of, get_visible_ticket

from . import services
from .models import ServiceArea, Skill, Technician, WorkKind, WorkOrderStatus


@staff_required
def board(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status")
    status = status if status in WorkOrderStatus.values else None
    context = {
        "page": paginate(request, services.board(request.user, status)),
        "status": status,
        "statuses": WorkOrderStatus.choices,
        "is_technician": services.is_field_technician(request.user),
    }
    return render(request, "fieldservice/board.html", context)


@staff_required
def new(request: HttpRequest, pk: int) -> HttpResponse:
    """Create a work order for ticket ``pk``."""
    ticket = get_visible_ticket(request.user, pk)
    services.require_dispatcher(request.user)
    if request.method == "POST":
        try:
            area = ServiceArea.objects.get(pk=int(request.POST.get("area", "0")))
            data = services.NewWorkOrder(
                kind=request.POST.get("kind", ""),
                description=request.POST.get("description", ""),
                area=area,
                address=request.POST.get("address", ""),
                skills=list(Skill.objects.filter(pk__in=request.POST.getlist("skills"))),
                duration_minutes=int(request.POST.get("duration_minutes") or 0),
                serial_number=request.POST.get("serial_number", ""),
            )
            order = services.create_work_order(ticket, request.user, data)
        except (ValueError, ServiceArea.DoesNotExist):
            messages.error(request, _("Please choose an area and a whole number of minutes"))
        except InvalidInput as error:
            messages.error(request, error.message)
        else:
            return redirect("fieldservice:detail", pk=order.pk)
    context = {
        "ticket": ticket,
        "kinds": WorkKind.choices,
        "areas": ServiceArea.objects.all(),
        "skills": Skill.objects.all(),
    }
    return render(request, "fieldservice/new.html", context)


@staff_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = services.get_visible_work_order(request.user, pk)
    can_dispatch = services.may_dispatch(request.user)
    dispatchable = can_dispatch and order.status in services.REDISPATCHABLE
    context = {
        "order": order,
        "can_dispatch": can_dispatch,
        "offers": services.proposals(order) if dispatchable else [],
        "dispatchable": dispatchable,
        "technicians": Technician.objects.filter(is_active=True).select_related("user")
        if dispatchable
        else [],
        "parts": order.parts.all(),
        "skills": order.required_skills.all(),
    }
    return render(request, "fieldservice/detail.html", context)


def _aware(value: str) -> datetime:
    moment = parse_datetime(value or "")
    if moment is None:
        raise InvalidInput(_("Choose a date and time"), fields={"start": "invalid"})
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


@staff_required
@require_POST
def book(request: HttpRequest, pk: int) -> HttpResponse:
    order = services.get_visible_work_order(request.user, pk)
    services.require_dispatcher(request.user)
    try:
        technician = Technician.objects.get(pk=int(request.POST.get("technician", "0")))
        services.book(
            order,
            request.user,
            technician,
            _aware(request.POST.get("start", "")),
            override_reason=request.POST.get("override_reason", ""),
        )
        messages.success(request, _("Appointment sent to the customer"))
    except (ValueError, Technician.DoesNotExist):
        messages.error(request, _("Choose a technician"))
    except (InvalidInput, InvalidTransition) as error:
        messages.error(request, error.message)
    return redirect("fieldservice:detail", pk=order.pk)


@staff_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    order = services.get_visible_work_order(request.user, pk)
    try:
        services.cancel(order, request.user)
    except InvalidTransition as error:
        messages.error(request, error.message)
    return redirect("fieldservice:detail", pk=order.pk)


@staff_required
def visit(request: HttpRequest, pk: int) -> HttpResponse:
    """The technician's phone page: arrive, then record the work, parts and sign-off."""
    order = services.get_visible_work_order(request.user, pk)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "arrive":
                services.record_arrival(order, request.user)
            else:
                services.complete(order, request.user, _completion(request))
                messages.success(request, _("Visit completed; the ticket is updated"))
            return redirect("fieldservice:visit", pk=order.pk)
        except (InvalidInput, InvalidTransition) as error:
            messages.error(request, error.message)
    return render(
        request,
        "fieldservice/visit.html",
        {
            "order": order,
            "is_mine": order.technician and order.technician.user_id == request.user.pk,
        },
    )


def _completion(request: HttpRequest) -> services.Completion:
    parts = []
    for name, quantity, number in zip(
        request.POST.getlist("part_name"),
        request.POST.getlist("part_quantity"),
        request.POST.getlist("part_number"),
        strict=False,
    ):
        if name.strip():
            try:
                parts.append(services.PartUsed(name, int(quantity or 1), number))
            except ValueError:
                raise InvalidInput(_("Quantities are whole numbers")) from None
    return services.Completion(
        work_done=request.POST.get("work_done", ""),
        signed_by=request.POST.get("signed_by", ""),
        signature=request.POST.get("signature", ""),
        customer_confirmed=request.POST.get("customer_confirmed") == "on",
        parts=parts,
    )


def _appointment_page(request: HttpRequest, order, action_url: str) -> HttpResponse:
    if request.method == "POST":
        try:
            if request.POST.get("action") == "confirm":
                services.confirm(order)
                messages.success(request, _("Thank you, the appointment is confirmed"))
            else:
                services.request_reschedule(order, request.POST.get("note", ""))
                messages.success(request, _("We will offer you another time"))
        except OporaError as error:
            messages.error(request, error.message)
        order.refresh_from_db()
    return render(
        request, "fieldservice/appointment.html", {"order": order, "action_url": action_url}
    )


def appointment(request: HttpRequest, token: str) -> HttpResponse:
    """Opened from the appointment mail; the signed token naming this appointment is the key."""
    try:
        order = services.order_from_token(token)
    except NotFound:
        return render(request, "fieldservice/link_invalid.html", status=404)
    return _appointment_page(request, order, request.path)


@customer_required
def my_appointments(request: HttpRequest) -> HttpResponse:
    customer = customer_of(request.user)
    orders = services.customer_work_orders(customer) if customer else []
    return render(request, "fieldservice/my_appointments.html", {"orders": orders})


@customer_required
def my_appointment(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_of(request.user)
    order = services.customer_work_orders(customer).filter(pk=pk).first() if customer else None
    if order is None:
        raise NotFound(_("Appointment not found"))
    return _appointment_page(request, order, request.path)
