"""QA and audit pages (thin: the rules live in services). Staff pages use staff_required;
the shopper pages customer_required plus the shopper's own assignments."""

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from opora.core.errors import OporaError
from opora.core.web import customer_required, paginate, staff_required
from opora.tickets.access import get_visible_ticket

from . import services
from .models import (
    AuditProgramme,
    Calibration,
    DisputeStatus,
    Evidence,
    EvidenceKind,
    Scorecard,
)

MAX_UPLOAD_READ = services.EVIDENCE_MAX_BYTES + 1


def parse_answers(data, items) -> tuple[dict[int, int | None], dict[int, str]]:
    """Form fields c_<id> ("na" or a number) and note_<id> into the services' answer sheet."""
    answers: dict[int, int | None] = {}
    notes: dict[int, str] = {}
    for item in items:
        raw = data.get(f"c_{item.pk}", "")
        if raw == "na":
            answers[item.pk] = None
        elif raw.isdigit():
            answers[item.pk] = int(raw)
        notes[item.pk] = data.get(f"note_{item.pk}", "").strip()
    return answers, notes


def answer_fields(items, data) -> list[dict]:
    """The criteria with what was posted, so a refused form comes back as it was filled."""
    return [
        {
            "item": item,
            "value": data.get(f"c_{item.pk}", ""),
            "note": data.get(f"note_{item.pk}", ""),
        }
        for item in items
    ]


def _require_manager(request: HttpRequest) -> None:
    if not services.is_manager(request.user):
        raise PermissionDenied


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    if not services.is_manager(request.user):
        return redirect("quality:reviews")
    reviews = services.visible_reviews(request.user)
    context = {
        "by_agent": services.score_trend(reviews, "agent"),
        "by_team": services.score_trend(reviews, "team"),
        "open_disputes": services.visible_disputes(request.user).filter(status=DisputeStatus.OPEN),
        "samples": services.SampleRun.objects.select_related("scorecard")[:10],
        "calibrations": Calibration.objects.select_related("ticket", "scorecard")[:10],
        "scorecards": Scorecard.objects.filter(is_active=True),
        "today": timezone.localdate(),
    }
    return render(request, "quality/home.html", context)


@staff_required
def reviews(request: HttpRequest) -> HttpResponse:
    rows = services.visible_reviews(request.user)
    if not services.is_manager(request.user):
        rows = rows.filter(agent=request.user, calibration__isnull=True)
    context = {
        "page": paginate(request, rows),
        "recognitions": services.visible_recognitions(request.user)[:5],
    }
    return render(request, "quality/reviews.html", context)


@staff_required
def review(request: HttpRequest, pk: int) -> HttpResponse:
    found = services.get_visible_review(request.user, pk)
    answers = list(found.answers.select_related("criterion"))
    strengths, to_fix = services.strengths_and_fixes(answers)
    context = {
        "review": found,
        "answers": answers,
        "strengths": strengths,
        "to_fix": to_fix,
        "comments": found.comments.select_related("author"),
        "dispute": getattr(found, "dispute", None),
        "can_dispute": found.agent_id == request.user.pk and not found.calibration_id,
        "is_manager": services.is_manager(request.user),
    }
    return render(request, "quality/review.html", context)


def _run(request: HttpRequest, action, success: str) -> bool:
    """Call a service; show its refusal as a message rather than an error page."""
    try:
        action()
    except OporaError as error:
        if error.status in {403, 404}:
            raise
        messages.error(request, error.message)
        return False
    messages.success(request, success)
    return True


@staff_required
@require_POST
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    found = services.get_visible_review(request.user, pk)
    _run(
        request,
        lambda: services.add_comment(request.user, found, request.POST.get("body", "")),
        _("Comment added."),
    )
    return redirect("quality:review", pk=pk)


@staff_required
@require_POST
def dispute(request: HttpRequest, pk: int) -> HttpResponse:
    found = services.get_visible_review(request.user, pk)
    _run(
        request,
        lambda: services.open_dispute(request.user, found, request.POST.get("reason", "")),
        _("Dispute opened; a manager will decide."),
    )
    return redirect("quality:review", pk=pk)


@staff_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    found = services.visible_disputes(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404
    _run(
        request,
        lambda: services.decide_dispute(
            request.user, found, request.POST.get("outcome", ""), request.POST.get("note", "")
        ),
        _("Dispute decided."),
    )
    return redirect("quality:review", pk=found.review_id)


@staff_required
def score(request: HttpRequest, pk: int) -> HttpResponse:
    """The scoring form for a ticket, opened from the ticket page's QA panel."""
    if not services.can_review(request.user):
        raise PermissionDenied
    ticket = get_visible_ticket(request.user, pk)
    calibration = None
    if request.GET.get("calibration", "").isdigit():
        calibration = Calibration.objects.filter(
            pk=int(request.GET["calibration"]), ticket=ticket
        ).first()
    scorecards = Scorecard.objects.filter(is_active=True).order_by("name")
    if calibration:
        scorecards = scorecards.filter(pk=calibration.scorecard_id)
    chosen_id = request.POST.get("scorecard") or request.GET.get("scorecard")
    scorecard = (
        scorecards.filter(pk=int(chosen_id)).first()
        if chosen_id and chosen_id.isdigit()
        else scorecards.filter(channel__in=("", ticket.channel)).first()
    )
    criteria = list(scorecard.criteria.all()) if scorecard else []
    if request.method == "POST" and scorecard:
        answers, notes = parse_answers(request.POST, criteria)
        done = {}

        def submit():
            done["review"] = services.submit_review(
                request.user,
                ticket,
                scorecard,
                answers,
                notes=notes,
                comment=request.POST.get("comment", ""),
                calibration=calibration,
            )

        if _run(request, submit, _("Review saved.")):
            if calibration:
                return redirect("quality:calibration", pk=calibration.pk)
            return redirect("quality:review", pk=done["review"].pk)
    context = {
        "ticket": ticket,
        "scorecards": scorecards,
        "scorecard": scorecard,
        "fields": answer_fields(criteria, request.POST),
        "calibration": calibration,
        "comment": request.POST.get("comment", ""),
    }
    return render(request, "quality/score.html", context)


def _date(value: str, default: date) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return default


@staff_required
@require_POST
def sample_new(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    scorecard = Scorecard.objects.filter(pk=request.POST.get("scorecard") or 0).first()
    if scorecard is None:
        messages.error(request, _("Choose a scorecard."))
        return redirect("quality:home")
    today = timezone.localdate()
    csat = request.POST.get("csat_at_most", "")
    result = {}

    def draw():
        result["run"] = services.draw_sample(
            request.user,
            scorecard,
            _date(request.POST.get("period_start", ""), today),
            _date(request.POST.get("period_end", ""), today),
            per_agent=int(request.POST.get("per_agent") or 5),
            seed=int(request.POST.get("seed") or 0),
            csat_at_most=int(csat) if csat.isdigit() else None,
            reopened=bool(request.POST.get("reopened")),
        )

    try:
        ok = _run(request, draw, _("Sample drawn."))
    except ValueError:
        messages.error(request, _("Numbers only for the size and the seed."))
        ok = False
    return redirect("quality:sample", pk=result["run"].pk) if ok else redirect("quality:home")


@staff_required
def sample(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    run = services.SampleRun.objects.filter(pk=pk).select_related("scorecard").first()
    if run is None:
        raise Http404
    return render(
        request, "quality/sample.html", {"run": run, "items": services.sample_progress(run)}
    )


@staff_required
@require_POST
def calibration_new(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    scorecard = Scorecard.objects.filter(pk=request.POST.get("scorecard") or 0).first()
    ticket_id = request.POST.get("ticket", "")
    if scorecard is None or not ticket_id.isdigit():
        messages.error(request, _("Choose a scorecard and a ticket."))
        return redirect("quality:home")
    ticket = get_visible_ticket(request.user, int(ticket_id))
    calibration = services.start_calibration(
        request.user, ticket, scorecard, request.POST.get("title", "")
    )
    return redirect("quality:calibration", pk=calibration.pk)


@staff_required
def calibration(request: HttpRequest, pk: int) -> HttpResponse:
    if not services.can_review(request.user):
        raise PermissionDenied
    found = Calibration.objects.filter(pk=pk).select_related("ticket", "scorecard").first()
    if found is None:
        raise Http404
    total, per_criterion = services.calibration_spread(found)
    context = {
        "calibration": found,
        "total": total,
        "per_criterion": per_criterion,
        "reviews": found.reviews.select_related("reviewer"),
        "scored": found.reviews.filter(reviewer=request.user).exists(),
    }
    return render(request, "quality/calibration.html", context)


@staff_required
def recognition(request: HttpRequest) -> HttpResponse:
    rows = services.visible_recognitions(request.user)
    return render(request, "quality/recognition.html", {"page": paginate(request, rows)})


@staff_required
def audits(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    programmes = AuditProgramme.objects.prefetch_related("waves")
    return render(request, "quality/audits.html", {"programmes": programmes})


@staff_required
def audit_report(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    programme = AuditProgramme.objects.filter(pk=pk).first()
    if programme is None:
        raise Http404
    context = {
        "programme": programme,
        "rows": services.wave_report(programme),
        "visits": paginate(
            request, services.visible_visits(request.user).filter(wave__programme=programme)
        ),
    }
    return render(request, "quality/audit_report.html", context)


def _shopper(request: HttpRequest):
    if not hasattr(request.user, "shopper"):
        raise PermissionDenied
    return request.user.shopper


@customer_required
def shopper_visits(request: HttpRequest) -> HttpResponse:
    _shopper(request)
    visits = services.visible_visits(request.user)
    return render(request, "quality/shopper_visits.html", {"visits": visits})


@customer_required
def shopper_visit(request: HttpRequest, pk: int) -> HttpResponse:
    _shopper(request)
    visit = services.get_visible_visit(request.user, pk)
    items = list(visit.wave.programme.checklist.all())
    if request.method == "POST":
        answers, notes = parse_answers(request.POST, items)
        if _run(
            request,
            lambda: services.submit_visit(
                request.user, visit, answers, notes=notes, summary=request.POST.get("summary", "")
            ),
            _("Thank you: your questionnaire is submitted."),
        ):
            return redirect("quality:shopper_visit", pk=pk)
    answers = list(visit.answers.select_related("item"))
    strengths, to_fix = services.strengths_and_fixes(answers)
    context = {
        "visit": visit,
        "fields": answer_fields(items, request.POST),
        "summary": request.POST.get("summary", ""),
        "answers": answers,
        "strengths": strengths,
        "to_fix": to_fix,
        "evidence": visit.evidence.all(),
        "evidence_kinds": EvidenceKind.choices,
        "max_bytes": services.EVIDENCE_MAX_BYTES,
    }
    return render(request, "quality/shopper_visit.html", context)


@customer_required
@require_POST
def shopper_upload(request: HttpRequest, pk: int) -> HttpResponse:
    _shopper(request)
    visit = services.get_visible_visit(request.user, pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file to upload."))
        return redirect("quality:shopper_visit", pk=pk)
    # Read one byte past the limit: enough to refuse an oversized file without holding it all.
    content = upload.read(MAX_UPLOAD_READ)
    _run(
        request,
        lambda: services.add_evidence(
            request.user,
            visit,
            request.POST.get("kind", ""),
            upload.name,
            content,
            upload.content_type or "",
        ),
        _("Evidence uploaded."),
    )
    return redirect("quality:shopper_visit", pk=pk)


def shopper_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """The evidence file, for managers and the shopper who uploaded it."""
    if not request.user.is_authenticated:
        return redirect(f"/login/?next={request.path}")
    evidence = Evidence.objects.filter(
        pk=pk, visit__in=services.visible_visits(request.user)
    ).first()
    if evidence is None:
        raise Http404
    return FileResponse(
        evidence.file.open("rb"), content_type=evidence.content_type, filename=evidence.filename
    )
