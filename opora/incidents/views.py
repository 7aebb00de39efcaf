"""Server-rendered pages (thin: domain logic lives in services): the incident list and page,
bulk linking, broadcast, resolution, and linking from the ticket page."""

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from opora.core.errors import InvalidInput, InvalidTransition
from opora.core.web import paginate, staff_required
from opora.tickets.access import get_visible_ticket, visible_tickets

from . import services
from .forms import IncidentForm, ResolveForm
from .models import Incident, IncidentStatus


def _incident(request: HttpRequest, pk: int) -> Incident:
    incident = services.visible_incidents(request.user).filter(pk=pk).first()
    if incident is None:
        raise Http404
    return incident


def _report(request: HttpRequest, result: services.LinkResult) -> None:
    if result.linked:
        messages.success(
            request,
            ngettext("Linked %(count)s ticket", "Linked %(count)s tickets", len(result.linked))
            % {"count": len(result.linked)},
        )
    if result.already_linked:
        messages.info(
            request,
            _("Already linked: %(numbers)s")
            % {"numbers": ", ".join(f"#{pk}" for pk in result.already_linked)},
        )
    if result.not_found:
        messages.warning(
            request,
            _("Not found: %(numbers)s")
            % {"numbers": ", ".join(f"#{pk}" for pk in result.not_found)},
        )


@staff_required
def incident_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", IncidentStatus.OPEN)
    incidents = (
        services.visible_incidents(request.user)
        .annotate(ticket_count=Count("links"))
        .order_by("-created_at", "-pk")
    )
    if status in IncidentStatus.values:
        incidents = incidents.filter(status=status)
    return render(
        request,
        "incidents/incident_list.html",
        {
            "page": paginate(request, incidents),
            "status": status,
            "statuses": IncidentStatus.choices,
        },
    )


@staff_required
def new_incident(request: HttpRequest) -> HttpResponse:
    form = IncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.create_incident(request.user, **form.cleaned_data)
        except InvalidInput as error:
            form.add_error(None, error.message)
        else:
            return redirect("incidents:detail", pk=incident.pk)
    return render(request, "incidents/incident_form.html", {"form": form})


@staff_required
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    linked = (
        visible_tickets(request.user)
        .filter(incident_links__incident=incident)
        .select_related("customer")
        .order_by("-created_at")
    )
    page = paginate(request, linked, per_page=50)
    total = incident.links.count()
    context = {
        "incident": incident,
        "page": page,
        "total": total,
        "hidden": total - page.paginator.count,
        "events": incident.events.select_related("actor"),
        "deliveries": services.delivery_counts(incident),
        "form": IncidentForm(instance=incident),
        "resolve_form": ResolveForm(),
    }
    return render(request, "incidents/incident_detail.html", context)


def _post_action(request: HttpRequest, pk: int, action) -> HttpResponse:
    """Run one change; a refusal is shown as a message on the incident page."""
    incident = _incident(request, pk)
    try:
        action(incident)
    except (InvalidInput, InvalidTransition) as error:
        messages.error(request, error.message)
    return redirect("incidents:detail", pk=incident.pk)


@staff_required
@require_POST
def edit_incident(request: HttpRequest, pk: int) -> HttpResponse:
    def save(incident: Incident) -> None:
        form = IncidentForm(request.POST, instance=Incident.objects.get(pk=incident.pk))
        if not form.is_valid():
            raise InvalidInput(" ".join(str(e) for errors in form.errors.values() for e in errors))
        services.update_incident(incident, request.user, **form.cleaned_data)
        messages.success(request, _("Incident saved"))

    return _post_action(request, pk, save)


@staff_required
@require_POST
def link_tickets(request: HttpRequest, pk: int) -> HttpResponse:
    def link(incident: Incident) -> None:
        if request.POST.get("subject", "").strip():
            result = services.link_matching(incident, request.user, request.POST["subject"])
        else:
            numbers = services.parse_ticket_numbers(request.POST.get("numbers", ""))
            result = services.link_tickets(incident, request.user, numbers)
        _report(request, result)

    return _post_action(request, pk, link)


@staff_required
@require_POST
def unlink_ticket(request: HttpRequest, pk: int, ticket_pk: int) -> HttpResponse:
    return _post_action(
        request, pk, lambda incident: services.unlink_ticket(incident, request.user, ticket_pk)
    )


@staff_required
@require_POST
def broadcast(request: HttpRequest, pk: int) -> HttpResponse:
    def send(incident: Incident) -> None:
        sent = services.broadcast(incident, request.user, request.POST.get("body", ""))
        recipients = sent.deliveries.count()
        messages.success(
            request,
            ngettext(
                "The message goes to %(count)s ticket",
                "The message goes to %(count)s tickets",
                recipients,
            )
            % {"count": recipients},
        )

    return _post_action(request, pk, send)


@staff_required
@require_POST
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    def close(incident: Incident) -> None:
        form = ResolveForm(request.POST)
        if not form.is_valid():
            raise InvalidInput(" ".join(str(e) for errors in form.errors.values() for e in errors))
        services.resolve_incident(incident, request.user, **form.cleaned_data)
        messages.success(request, _("Incident resolved"))

    return _post_action(request, pk, close)


@staff_required
@require_POST
def post_incident_note(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_action(
        request,
        pk,
        lambda incident: services.update_incident(
            incident, request.user, post_incident_note=request.POST.get("note", "")
        ),
    )


@staff_required
@require_POST
def link_from_ticket(request: HttpRequest, pk: int) -> HttpResponse:
    """The ticket page's incident panel: link this ticket to an open incident."""
    ticket = get_visible_ticket(request.user, pk)
    try:
        incident = _incident(request, int(request.POST.get("incident", "0")))
    except ValueError:
        raise Http404 from None
    try:
        result = services.link_tickets(incident, request.user, [ticket.pk])
    except (InvalidInput, InvalidTransition) as error:
        messages.error(request, error.message)
    else:
        _report(request, result)
    return redirect("desk:ticket", pk=ticket.pk)
