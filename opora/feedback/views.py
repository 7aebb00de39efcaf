"""The feedback pages: the staff dashboard, verbatims, kudos, follow-ups and loyalty; the public
survey pages opened from signed links; the customer's open surveys in the portal."""

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from opora.core.errors import InvalidInput, InvalidTransition, NotFound
from opora.core.web import customer_required, paginate, staff_required
from opora.tickets.access import customer_of

from . import reports, services, signing
from .loyalty import LoyaltyStage
from .models import SurveyKind
from .questions import localised, visible_question_ids

PERIOD_CHOICES = (30, 90, 365)


def _period(request: HttpRequest) -> tuple[int, reports.DateRange]:
    try:
        days = int(request.GET.get("days", 90))
    except ValueError:
        days = 90
    days = days if days in PERIOD_CHOICES else 90
    return days, reports.DateRange.last_days(days)


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    days, period = _period(request)
    visible = services.visible_responses(request.user)
    responses = reports.answered_in(visible, period)
    context = {
        "days": days,
        "period_choices": PERIOD_CHOICES,
        "scores": reports.scores(responses),
        "rate": reports.response_rate(services.visible_invitations(request.user), period),
        "breakdowns": [
            (_("By channel"), reports.csat_breakdown(responses, "channel")),
            (_("By agent"), reports.csat_breakdown(responses, "agent")),
            (_("By team"), reports.csat_breakdown(responses, "team")),
            (_("By contact reason"), reports.csat_breakdown(responses, "reason")),
        ],
        "trends": [
            (_("CSAT by week"), SurveyKind.CSAT, reports.weekly(responses, SurveyKind.CSAT)),
            (_("NPS by week"), SurveyKind.NPS, reports.weekly(responses, SurveyKind.NPS)),
            (_("CES by week"), SurveyKind.CES, reports.weekly(responses, SurveyKind.CES)),
        ],
        "open_follow_ups": services.visible_follow_ups(request.user).filter(status="open").count(),
    }
    return render(request, "feedback/dashboard.html", context)


@staff_required
def verbatims(request: HttpRequest) -> HttpResponse:
    rows = reports.verbatims(services.visible_responses(request.user))
    return render(request, "feedback/verbatims.html", {"page": paginate(request, rows)})


@staff_required
def responses_csv(request: HttpRequest) -> HttpResponse:
    _days, period = _period(request)
    rows = (
        reports.answered_in(services.visible_responses(request.user), period)
        .select_related("invitation__ticket", "invitation__customer")
        .order_by("created_at")
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="survey-responses.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [_("Answered"), _("Kind"), _("Score"), _("Ticket"), _("Customer"), _("Comment")]
    )
    for row in rows.iterator(chunk_size=2000):
        writer.writerow(
            [
                timezone.localtime(row.created_at).isoformat(timespec="minutes"),
                row.kind,
                row.score,
                row.invitation.ticket_id or "",
                row.invitation.customer.name,
                row.comment,
            ]
        )
    return response


@staff_required
def kudos(request: HttpRequest) -> HttpResponse:
    responses = services.visible_responses(request.user)
    context = {
        "page": paginate(request, reports.kudos(responses)),
        "by_agent": reports.kudos_counts(responses, "invitation__ticket__assignee"),
        "by_team": reports.kudos_counts(responses, "invitation__ticket__team"),
    }
    return render(request, "feedback/kudos.html", context)


@staff_required
def follow_ups(request: HttpRequest) -> HttpResponse:
    rows = services.visible_follow_ups(request.user).order_by("status", "due_at")
    return render(
        request,
        "feedback/follow_ups.html",
        {"page": paginate(request, rows), "now": timezone.now()},
    )


@staff_required
@require_POST
def close_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = services.visible_follow_ups(request.user).filter(pk=pk).first()
    if follow_up is None:
        raise Http404
    try:
        services.close_follow_up(follow_up, request.user, request.POST.get("outcome", ""))
    except (InvalidInput, InvalidTransition) as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Follow-up closed"))
    return redirect("feedback:follow_ups")


@staff_required
def loyalty(request: HttpRequest) -> HttpResponse:
    if not request.user.sees_every_ticket:
        # Stages and revenue span every customer's history, beyond one team's tickets.
        raise PermissionDenied
    context = {
        "stages": reports.loyalty_distribution(),
        "advocates": [
            (customer, LoyaltyStage(customer.stage).label) for customer in reports.advocates()
        ],
        "quadrants": reports.quadrant_counts(),
        "at_risk": reports.customers_by_quadrant()
        .filter(quadrant="at_risk")
        .order_by("-revenue")[:20],
    }
    return render(request, "feedback/loyalty.html", context)


# ---------------------------------------------------------------- public survey pages


def answer(request: HttpRequest, token: str) -> HttpResponse:
    """The one-click link from the mail: record the score, then show the rest of the survey."""
    try:
        invitation, score = services.claimed_invitation(token, with_score=True)
        services.record_score(invitation, score)
    except (NotFound, InvalidInput):
        return render(request, "feedback/link_invalid.html", status=404)
    return redirect("feedback:survey", token=signing.survey_token(invitation))


def survey(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation, _score = services.claimed_invitation(token, with_score=False)
    except NotFound:
        return render(request, "feedback/link_invalid.html", status=404)
    version = invitation.version
    response = getattr(invitation, "response", None)
    error = ""
    if request.method == "POST" and not (response and response.completed_at):
        try:
            response = services.complete_survey(invitation, _answers_from(request, version))
        except (InvalidInput, InvalidTransition) as problem:
            error = problem.message
    answers = response.answers if response else {}
    shown = set(visible_question_ids(version.questions, version.rules, answers))
    score_id = version.score_question["id"]
    context = {
        "invitation": invitation,
        "response": response,
        "error": error,
        "score_question": _question_view(version.score_question, answers),
        "score_paths": services.score_paths(invitation),
        # Branching is decided by the score already given; the page shows what follows from it.
        "questions": [
            _question_view(question, answers)
            for question in version.questions
            if question["id"] != score_id and question["id"] in shown
        ],
    }
    return render(request, "feedback/survey.html", context)


def _answers_from(request: HttpRequest, version) -> dict:
    answers: dict = {}
    for question in version.questions:
        raw = request.POST.get(f"q_{question['id']}", "").strip()
        if not raw:
            continue
        if question["type"] == "rating":
            try:
                answers[question["id"]] = int(raw)
            except ValueError:
                raise InvalidInput(
                    _("Choose a score"), fields={question["id"]: "invalid"}
                ) from None
        else:
            answers[question["id"]] = raw
    return answers


def _question_view(question: dict, answers: dict) -> dict:
    return {
        "id": question["id"],
        "type": question["type"],
        "text": localised(question["text"]),
        "points": list(range(question["min"], question["max"] + 1))
        if question["type"] == "rating"
        else [],
        "options": [
            (option["value"], localised(option["text"])) for option in question.get("options", [])
        ],
        "answer": answers.get(question["id"]),
    }


@customer_required
def my_surveys(request: HttpRequest) -> HttpResponse:
    customer = customer_of(request.user)
    invitations = services.portal_invitations(customer) if customer else []
    rows = [
        (
            invitation,
            localised(invitation.version.score_question["text"]),
            services.score_paths(invitation),
        )
        for invitation in invitations
    ]
    return render(request, "feedback/my_surveys.html", {"rows": rows})
