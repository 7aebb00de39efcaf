"""The workforce pages: forecast and staffing for every staff member, the roster and the
budget for managers and administrators."""

import csv
from collections.abc import Iterable, Sequence

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from opora.accounts.models import Role, User
from opora.core.errors import Forbidden, InvalidInput
from opora.core.web import staff_required

from . import planning, reports, tracking
from .forms import PlanForm

# Long enough for a help desk's roster to reach a good solution; a page no one waits on
# for more than a few seconds beyond it.
ROSTER_TIME_LIMIT_SECONDS = 10.0


def can_plan(user: User) -> bool:
    """Rosters and budgets are for managers and administrators."""
    return user.role in {Role.ADMIN, Role.MANAGER}


def _require_planner(user: User) -> None:
    if not can_plan(user):
        raise Forbidden(_("Only managers and administrators plan rosters and budgets."))


def _week_forecast(form: PlanForm) -> tuple[planning.WeekForecast | None, str]:
    """The forecast for the form's settings, or None and the reason there is none."""
    if not form.is_valid():
        return None, ""
    try:
        return planning.forecast_next_week(form.plan_settings(), timezone.now()), ""
    except InvalidInput as error:
        return None, error.message


@staff_required
def overview(request: HttpRequest) -> HttpResponse:
    form = PlanForm.from_query(request.GET)
    week, problem = _week_forecast(form)
    context = {
        "form": form,
        "problem": problem,
        "can_plan": can_plan(request.user),
        "query": request.GET.urlencode(),
        "runs": tracking.recent_runs(),
    }
    if week is not None:
        requirements = planning.staffing(week)
        context.update(
            week=week,
            accuracy=reports.accuracy_rows(week),
            forecast_total=float(week.point.sum()),
            peak_paid_agents=max(r.agents_with_shrinkage for r in requirements),
            forecast_chart=reports.forecast_chart(week),
            backtest_chart=reports.backtest_chart(week),
            requirement_chart=reports.requirement_chart(week, requirements),
            requirement_rows=reports.requirement_rows(week, requirements),
        )
    return render(request, "workforce/overview.html", context)


@staff_required
def roster(request: HttpRequest) -> HttpResponse:
    _require_planner(request.user)
    form = PlanForm.from_query(request.GET)
    week, problem = _week_forecast(form)
    context = {"form": form, "problem": problem, "query": request.GET.urlencode()}
    if week is not None:
        plan = planning.plan_roster(
            week, planning.staffing(week), time_limit_seconds=ROSTER_TIME_LIMIT_SECONDS
        )
        context.update(
            week=week,
            plan=plan,
            status=reports.solve_status_label(plan.roster.status),
            coverage_percent=plan.roster.coverage * 100,
            gaps=[planning.gap_label(gap) for gap in plan.roster.gaps],
            weekdays=reports.weekday_headers(),
            roster_rows=reports.roster_rows(plan),
            coverage_chart=reports.coverage_chart(week, plan),
            coverage_rows=reports.coverage_rows(week, plan),
            budget_lines=[*plan.budget.lines, plan.budget.total],
            overtime_multiplier=planning.OVERTIME_MULTIPLIER,
        )
    return render(request, "workforce/roster.html", context)


def _bad_request(problem: str) -> HttpResponse:
    return HttpResponseBadRequest(
        problem or _("Check the planning parameters."), content_type="text/plain; charset=utf-8"
    )


def _csv_response(filename: str, rows: Iterable[Sequence[str]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    csv.writer(response).writerows(rows)
    return response


@staff_required
def requirement_csv(request: HttpRequest) -> HttpResponse:
    form = PlanForm.from_query(request.GET)
    week, problem = _week_forecast(form)
    if week is None:
        return _bad_request(problem)
    rows = reports.requirement_rows(week, planning.staffing(week))
    return _csv_response("requirement.csv", reports.requirement_csv_rows(rows))


@staff_required
def budget_csv(request: HttpRequest) -> HttpResponse:
    _require_planner(request.user)
    form = PlanForm.from_query(request.GET)
    week, problem = _week_forecast(form)
    if week is None:
        return _bad_request(problem)
    plan = planning.plan_roster(
        week, planning.staffing(week), time_limit_seconds=ROSTER_TIME_LIMIT_SECONDS
    )
    return _csv_response("budget.csv", [*plan.budget.csv_rows(), plan.requirement_cost.csv_row()])


@require_POST
@staff_required
def save_forecast(request: HttpRequest) -> HttpResponse:
    """Keep the forecast, and record the actuals of earlier runs whose intervals have ended."""
    _require_planner(request.user)
    query = request.POST.get("query", "")
    form = PlanForm.from_query(QueryDict(query))
    week, problem = _week_forecast(form)
    if week is None:
        messages.error(request, problem or _("Check the planning parameters."))
    else:
        tracking.save_forecast_run(week, request.user)
        now = timezone.now()
        for run in tracking.recent_runs(limit=20):
            tracking.fill_actuals(run, now)
        messages.success(
            request, _("Forecast saved; it will be compared with the actual contacts.")
        )
    return redirect(f"{reverse('workforce:overview')}?{query}")
