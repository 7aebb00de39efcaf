"""Compensation and hand-off pages: the ticket panel's body and its forms, the lead's approvals,
the grants report (and CSV), and the hand-off inbox. Thin: rules live in services."""

import csv
import secrets

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from opora.accounts.models import Role, Team, User
from opora.core.errors import OporaError
from opora.core.web import paginate, staff_required
from opora.tickets.access import get_visible_ticket, require_can_edit, visible_tickets

from . import services
from .models import Compensation, CompensationKind, CompensationStatus, Currency, HandOffStatus


def _show_error(request: HttpRequest, error: OporaError) -> None:
    details = "; ".join(f"{field}: {problem}" for field, problem in error.fields.items())
    messages.error(request, error.message + (f" ({details})" if details else ""))


def _back_to_ticket(request: HttpRequest, pk: int) -> HttpResponse:
    # After a hand-off the ticket may have left the user's sight.
    if visible_tickets(request.user).filter(pk=pk).exists():
        return redirect("desk:ticket", pk=pk)
    return redirect("desk:tickets")


@staff_required
def ticket_panel(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_visible_ticket(request.user, pk)
    require_can_edit(request.user)
    context = {
        "ticket": ticket,
        "limits": services.limits_for(request.user, ticket.team),
        "compensations": ticket.compensations.select_related("requested_by")[:20],
        "open_hand_off": ticket.hand_offs.filter(status=HandOffStatus.OPEN)
        .select_related("to_team", "from_user")
        .first(),
        "teams": Team.objects.exclude(pk=ticket.team_id),
        "kinds": CompensationKind.choices,
        "currencies": Currency.choices,
        # One key per rendered form: a double click grants once.
        "request_key": secrets.token_urlsafe(16),
    }
    return render(request, "authority/ticket_panel_body.html", context)


@staff_required
@require_POST
def grant(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_visible_ticket(request.user, pk)
    try:
        compensation = services.grant(
            ticket,
            request.user,
            kind=request.POST.get("kind", ""),
            amount=request.POST.get("amount", ""),
            currency=request.POST.get("currency", Currency.RUB),
            reason=request.POST.get("reason", ""),
            request_key=request.POST.get("request_key", ""),
        )
    except OporaError as error:
        _show_error(request, error)
    else:
        if compensation.status == CompensationStatus.GRANTED:
            messages.success(
                request, _("Granted: %(what)s") % {"what": services.describe(compensation)}
            )
        else:
            messages.warning(
                request,
                _("Above your authority (%(why)s): sent to the team lead for approval")
                % {"why": services.over_limit_reason(compensation.over_limit)},
            )
    return redirect("desk:ticket", pk=pk)


@staff_required
@require_POST
def hand_off(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_visible_ticket(request.user, pk)
    raw_team = request.POST.get("to_team", "")
    team = Team.objects.filter(pk=int(raw_team)).first() if raw_team.isdigit() else None
    if team is None:
        messages.error(request, _("Choose the team to hand off to"))
        return redirect("desk:ticket", pk=pk)
    try:
        services.hand_off(ticket, request.user, team, request.POST.get("question", ""))
    except OporaError as error:
        _show_error(request, error)
    else:
        messages.success(request, _("Handed off to %(team)s") % {"team": team})
    return _back_to_ticket(request, pk)


def _may_approve_anything(user: User) -> bool:
    return user.role in {Role.ADMIN, Role.MANAGER} or user.led_teams.exists()


@staff_required
def approvals(request: HttpRequest) -> HttpResponse:
    if not _may_approve_anything(request.user):
        raise PermissionDenied
    pending = services.decidable_by(request.user).select_related("ticket", "requested_by", "team")
    decided = Compensation.objects.filter(decided_by=request.user).select_related(
        "ticket", "requested_by"
    )[:20]
    return render(
        request,
        "authority/approvals.html",
        {"page": paginate(request, pending.order_by("created_at")), "decided": decided},
    )


def _decide(request: HttpRequest, pk: int, action) -> HttpResponse:
    compensation = services.decidable_by(request.user).filter(pk=pk).first()
    if compensation is None:
        raise Http404
    try:
        action(compensation, request.user, request.POST.get("note", ""))
    except OporaError as error:
        _show_error(request, error)
    else:
        messages.success(request, _("Decision recorded"))
    return redirect("authority:approvals")


@staff_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, services.approve)


@staff_required
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, services.reject)


def _report_rows(request: HttpRequest):
    agent = request.GET.get("agent", "")
    filters = services.report_filters(
        since=request.GET.get("since") or None,
        until=request.GET.get("until") or None,
        agent_id=int(agent) if agent.isdigit() else None,
        kind=request.GET.get("kind") or None,
        status=request.GET.get("status") or None,
    )
    return services.filtered(services.visible_compensations(request.user), filters)


@staff_required
def report(request: HttpRequest) -> HttpResponse:
    try:
        rows = _report_rows(request)
    except OporaError as error:
        _show_error(request, error)
        rows = services.visible_compensations(request.user).none()
    agents = {user.pk: user for user in User.objects.filter(pk__in=rows.values("requested_by"))}
    by_agent = [
        {**row, "agent": agents.get(row["requested_by"])} for row in services.totals(rows, "agent")
    ]
    by_kind = [
        {**row, "label": CompensationKind(row["kind"]).label}
        for row in services.totals(rows, "kind")
    ]
    context = {
        "page": paginate(
            request, rows.select_related("ticket", "requested_by", "authorised_by").order_by("-pk")
        ),
        "by_kind": by_kind,
        "by_agent": by_agent,
        "kinds": CompensationKind.choices,
        "statuses": CompensationStatus.choices,
        "agents": User.objects.filter(role__in=[Role.AGENT, Role.MANAGER, Role.ADMIN]).order_by(
            "username"
        ),
        "query": request.GET.urlencode(),
    }
    return render(request, "authority/report.html", context)


@staff_required
def report_csv(request: HttpRequest) -> HttpResponse:
    rows = _report_rows(request).select_related("requested_by", "authorised_by")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="compensations.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Requested"),
            _("Granted"),
            _("Ticket"),
            _("Kind"),
            _("Amount"),
            _("Currency"),
            _("Status"),
            _("Requested by"),
            _("Authorised by"),
            _("Reason"),
        ]
    )
    for row in rows.order_by("created_at", "pk").iterator(chunk_size=2000):
        writer.writerow(
            [
                timezone.localtime(row.created_at).isoformat(timespec="minutes"),
                timezone.localtime(row.granted_at).isoformat(timespec="minutes")
                if row.granted_at
                else "",
                row.ticket_id,
                row.kind,
                f"{row.amount:.2f}",
                row.currency,
                row.status,
                row.requested_by.username,
                row.authorised_by.username if row.authorised_by else "",
                row.reason,
            ]
        )
    return response


@staff_required
def hand_offs(request: HttpRequest) -> HttpResponse:
    rows = services.visible_hand_offs(request.user)
    return render(
        request,
        "authority/hand_offs.html",
        {
            "incoming": rows.filter(status=HandOffStatus.OPEN).exclude(from_user=request.user),
            "page": paginate(request, rows.filter(from_user=request.user).order_by("-created_at")),
        },
    )


@staff_required
@require_POST
def answer_hand_off(request: HttpRequest, pk: int) -> HttpResponse:
    record = services.visible_hand_offs(request.user).filter(pk=pk).first()
    if record is None:
        raise Http404
    try:
        services.answer_hand_off(record, request.user, request.POST.get("answer", ""))
    except OporaError as error:
        _show_error(request, error)
    else:
        messages.success(
            request,
            _("Answer sent; the ticket went back to %(person)s") % {"person": record.from_user},
        )
    return redirect("authority:hand_offs")
