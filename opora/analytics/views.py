"""The analytics pages (thin: every figure comes from services, every table from tables).

The dashboard adapts to the reader (services.viewer_of): an agent gets their queue and their
own figures, a team lead their teams with SLA risk and CSAT, a manager everything with trends."""

from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from opora.accounts.models import Team, User
from opora.core.errors import InvalidInput
from opora.core.spreadsheets import tabular_response
from opora.core.web import paginate, staff_required
from opora.tickets.models import Channel, ContactReason, Status

from . import schedules, services, tables
from .models import Frequency, ReportKind

CSAT_BREAKDOWNS = ("channel", "agent", "team", "reason")


def _filters(request: HttpRequest) -> services.Filters:
    """The query string's filters; bad ones are reported and replaced by the defaults."""
    try:
        return services.parse_filters(request.GET)
    except InvalidInput as error:
        messages.error(request, error.message)
        return services.parse_filters({})


def _choices(viewer: services.Viewer) -> dict:
    """What the filter bar offers: only teams and agents inside the viewer's scope."""
    if viewer.sees_all:
        teams = Team.objects.all()
    elif viewer.level == "teams":
        teams = Team.objects.filter(pk__in=viewer.team_ids)
    else:
        teams = Team.objects.none()
    agents = (
        User.objects.filter(teams__in=teams).distinct().order_by("first_name", "username")
        if viewer.level != "agent"
        else User.objects.none()
    )
    return {
        "teams": teams,
        "agents": agents,
        "channels": Channel.choices,
        "reasons": ContactReason.objects.select_related("parent").filter(is_active=True),
    }


def _base_context(request: HttpRequest, viewer: services.Viewer, filters: services.Filters) -> dict:
    params = filters.as_params()
    return {
        "viewer": viewer,
        "filters": filters,
        "query": urlencode(params),
        **_choices(viewer),
    }


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    viewer = services.viewer_of(request.user)
    filters = _filters(request)
    tickets = services.filtered_tickets(viewer, filters)
    context = _base_context(request, viewer, filters)
    report = services.period_report(viewer, filters)
    trend = report.trend()
    current = report.summary()
    context |= {
        "headlines": services.compared(current, services.summary(viewer, filters.previous())),
        "backlog": services.backlog(tickets),
        "by_channel": report.volume("channel"),
        "by_reason": report.volume("reason")[:10],
        "by_hour": report.volume("hour"),
        "by_weekday": report.volume("weekday"),
        "sla": current.sla,
        "sla_risk": services.sla_at_risk(tickets).order_by().values("ticket_id").distinct().count(),
        "chat": report.chat(),
        "phone": report.phone(),
        "frt": current.frt,
        "resolution": current.resolution,
        "trend_chart": {
            "labels": [day.isoformat() for day, _created, _solved in trend],
            "series": [
                {"label": _("New tickets"), "data": [created for _day, created, _s in trend]},
                {"label": _("Solved tickets"), "data": [solved for _day, _c, solved in trend]},
            ],
        },
    }
    if viewer.level != "agent":
        context["csat"] = [
            (by, services.csat_breakdown(viewer, filters, by))
            for by in CSAT_BREAKDOWNS
            if not (by == "team" and viewer.level == "teams" and len(viewer.team_ids) == 1)
        ]
    if viewer.sees_all:
        trends = services.score_trends(viewer, filters)
        context["score_trends"] = trends
    if viewer.level == "agent":
        waiting = dict(
            services.scoped_tickets(viewer)
            .unsolved()
            .order_by()
            .values("status")
            .annotate(count=Count("pk"))
            .values_list("status", "count")
        )
        context["my_queue"] = [
            (label, status, waiting[status])
            for status, label in Status.choices
            if status in waiting
        ]
    return render(request, "analytics/dashboard.html", context)


@staff_required
def product(request: HttpRequest) -> HttpResponse:
    """For product teams: top contact reasons, their weekly trend, and what a fix changed."""
    viewer = services.viewer_of(request.user)
    filters = _filters(request)
    context = _base_context(request, viewer, filters)
    reasons = services.top_reasons(viewer, filters)
    top_ids = [row.reason_id for row in reasons if row.reason_id][:5]
    weekly = services.reason_weekly_trend(viewer, filters, top_ids)
    weeks = sorted({week for counts in weekly.values() for week in counts})
    labels = {row.reason_id: row.label for row in reasons}
    context |= {
        "reasons": reasons,
        "reason_chart": {
            "labels": [week.isoformat() for week in weeks],
            "series": [
                {"label": labels[pk], "data": [weekly[pk].get(week, 0) for week in weeks]}
                for pk in top_ids
            ],
        },
    }
    changed_on = request.GET.get("changed_on", "").strip()
    if changed_on:
        try:
            window = int(request.GET.get("window") or 28)
            context["effect"] = services.improvement_effect(
                viewer, filters, date.fromisoformat(changed_on), window
            )
        except ValueError:
            messages.error(request, _("The change date is not a date (YYYY-MM-DD)"))
        except InvalidInput as error:
            messages.error(request, error.message)
    context["changed_on"] = changed_on
    context["window"] = request.GET.get("window") or 28
    return render(request, "analytics/product.html", context)


@staff_required
def drill_down(request: HttpRequest) -> HttpResponse:
    viewer = services.viewer_of(request.user)
    filters = _filters(request)
    metric = request.GET.get("metric", "created")
    by = request.GET.get("by") or None
    key = request.GET.get("key")
    try:
        tickets = services.drill_tickets(viewer, filters, metric, by, key)
    except InvalidInput as error:
        messages.error(request, error.message)
        metric, by, key = "created", None, None
        tickets = services.drill_tickets(viewer, filters, metric)
    context = _base_context(request, viewer, filters)
    context |= {
        "page": paginate(request, tickets, per_page=50),
        "drill_fields": [
            (name, value) for name, value in (("metric", metric), ("by", by), ("key", key)) if value
        ],
    }
    return render(request, "analytics/tickets.html", context)


@staff_required
def export(request: HttpRequest, report: str, fmt: str) -> HttpResponse:
    viewer = services.viewer_of(request.user)
    try:
        filters = services.parse_filters(request.GET)
        table = tables.build(report, viewer, filters, request.GET.get("by") or None)
        filename = f"opora-{report}-{filters.period.start}-{filters.period.end}"
        return tabular_response(table.headers, table.rows, filename, fmt)
    except InvalidInput as error:
        return HttpResponse(error.message, status=400, content_type="text/plain; charset=utf-8")


@staff_required
def schedule_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            schedules.create_schedule(
                request.user,
                name=request.POST.get("name", ""),
                kind=request.POST.get("kind", ""),
                frequency=request.POST.get("frequency", ""),
                recipients=request.POST.get("recipients", "").replace(";", ",").split(","),
                filters={key: request.POST.get(key, "") for key in schedules.FILTER_KEYS},
                period_days=int(request.POST.get("period_days") or 7),
            )
        except (InvalidInput, ValueError) as error:
            message = getattr(error, "message", _("The period must be a number of days"))
            details = "; ".join(getattr(error, "fields", {}).values())
            messages.error(request, f"{message}: {details}" if details else message)
        else:
            messages.success(request, _("Report scheduled"))
            return redirect("analytics:schedules")
    viewer = services.viewer_of(request.user)
    context = {
        "schedules": schedules.visible_schedules(request.user),
        "kinds": ReportKind.choices,
        "frequencies": Frequency.choices,
        "today": timezone.localdate(),
        **_choices(viewer),
    }
    return render(request, "analytics/schedules.html", context)


@staff_required
@require_POST
def schedule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    schedules.delete_schedule(request.user, pk)
    messages.success(request, _("Scheduled report deleted"))
    return redirect("analytics:schedules")
