"""Pulse surveys for staff (answer anonymously) and engagement pages for managers."""

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from opora.core.errors import InvalidInput, InvalidTransition
from opora.core.web import staff_required

from . import services
from .models import PulseSurvey


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "open_surveys": services.open_surveys(request.user),
        "is_manager": services.is_manager(request.user),
        "surveys": PulseSurvey.objects.all()[:20] if services.is_manager(request.user) else [],
    }
    return render(request, "people/home.html", context)


@staff_required
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    survey = services.get_open_survey(request.user, pk)
    teams = services.survey_teams(survey, request.user)
    if not teams:
        raise PermissionDenied
    questions = list(survey.questions.all())
    if request.method == "POST":
        team = next((t for t in teams if str(t.pk) == request.POST.get("team")), teams[0])
        values = {
            q.pk: int(raw)
            for q in questions
            if (raw := request.POST.get(f"q_{q.pk}", "")).isdigit()
        }
        try:
            services.answer(request.user, survey, team, values, request.POST.get("comment", ""))
        except (InvalidInput, InvalidTransition) as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Thank you. Your answers are anonymous."))
            return redirect("people:home")
    context = {"survey": survey, "questions": questions, "teams": teams, "scale": range(1, 6)}
    return render(request, "people/answer.html", context)


@staff_required
def results(request: HttpRequest, pk: int) -> HttpResponse:
    survey = services.get_survey(request.user, pk)
    overall, groups = services.pulse_results(request.user, survey)
    context = {
        "survey": survey,
        "overall": overall,
        "groups": groups,
        "min_group": services.MIN_GROUP,
    }
    return render(request, "people/results.html", context)


def _date(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return default


@staff_required
def turnover(request: HttpRequest) -> HttpResponse:
    default_start, default_end = services.last_quarter()
    start = _date(request.GET.get("start"), default_start)
    end = _date(request.GET.get("end"), default_end)
    try:
        rows = services.turnover(request.user, start, end)
    except InvalidInput as error:
        messages.error(request, error.message)
        rows = []
    return render(request, "people/turnover.html", {"rows": rows, "start": start, "end": end})
