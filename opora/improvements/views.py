"""The backlog pages: the prioritised list, an item with its before/after effect, proposing
from tickets, contact-reason trends and survey comments, and the ideas box. Thin: rules live
in services."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from opora.accounts.models import STAFF_ROLES, User
from opora.core.errors import OporaError
from opora.core.web import paginate, staff_required
from opora.feedback.models import SurveyKind
from opora.feedback.services import visible_responses
from opora.tickets.access import get_visible_ticket, visible_tickets
from opora.tickets.models import ContactReason

from . import scoring, services
from .models import OPEN_STATUSES, Factor, IdeaVote, ItemStatus

STATUS_FILTERS = {
    "open": OPEN_STATUSES,
    "done": (ItemStatus.DONE,),
    "rejected": (ItemStatus.REJECTED,),
}
EFFECT_WINDOWS = (14, 28, 56, 91)


def _show_error(request: HttpRequest, error: OporaError) -> None:
    messages.error(request, error.message)


def _item_or_404(request: HttpRequest, pk: int):
    item = services.visible_items(request.user).filter(pk=pk).first()
    if item is None:
        raise Http404
    return item


@staff_required
def backlog(request: HttpRequest) -> HttpResponse:
    shown = request.GET.get("status", "open")
    items = services.visible_items(request.user).annotate(linked=Count("ticket_links"))
    if shown in STATUS_FILTERS:
        items = items.filter(status__in=STATUS_FILTERS[shown])
    return render(
        request,
        "improvements/backlog.html",
        {
            "page": paginate(request, items.order_by("-is_safety", "-score", "created_at", "pk")),
            "shown": shown,
            "is_lead": services.is_lead(request.user),
        },
    )


def _ratings_from(request: HttpRequest) -> dict:
    ratings: dict = {}
    for factor in scoring.FACTORS:
        raw = request.POST.get(factor, "").strip()
        if raw == "" and factor == "frequency":
            ratings[factor] = None
        elif raw.isdigit():
            ratings[factor] = int(raw)
        elif raw:
            ratings[factor] = raw  # refused by the service with a clear message
    return ratings


@staff_required
def item_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            item = services.create_item(
                "manual",
                "",
                request.POST.get("title", ""),
                description=request.POST.get("description", ""),
                created_by=request.user,
                ratings=_ratings_from(request) if services.is_lead(request.user) else None,
            )
        except OporaError as error:
            _show_error(request, error)
        else:
            messages.success(request, _("Improvement proposed"))
            return redirect("improvements:item", pk=item.pk)
    return render(
        request,
        "improvements/item_new.html",
        {"factors": Factor.choices, "is_lead": services.is_lead(request.user)},
    )


@staff_required
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item_or_404(request, pk)
    try:
        days = int(request.GET.get("days", services.DEFAULT_EFFECT_DAYS))
    except ValueError:
        days = services.DEFAULT_EFFECT_DAYS
    days = days if days in EFFECT_WINDOWS else services.DEFAULT_EFFECT_DAYS
    linked = visible_tickets(request.user).filter(improvement_links__item=item)
    context = {
        "item": item,
        "ratings": [(label, getattr(item, factor), factor) for factor, label in Factor.choices],
        "derived_frequency": scoring.frequency_from_tickets(item.ticket_links.count()),
        "tickets": linked.select_related("reason", "reason__parent").order_by("-created_at")[:50],
        "reasons": item.reasons.select_related("parent"),
        "effect": services.effect(request.user, item, days),
        "days": days,
        "windows": EFFECT_WINDOWS,
        "is_lead": services.is_lead(request.user),
        "statuses": ItemStatus.choices,
        "staff": User.objects.filter(role__in=STAFF_ROLES, is_active=True).order_by("username"),
        "all_reasons": ContactReason.objects.filter(is_active=True).select_related("parent"),
        "rating_values": range(scoring.MAX_RATING + 1),
    }
    return render(request, "improvements/item_detail.html", context)


@staff_required
@require_POST
def item_update(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item_or_404(request, pk)
    if not services.is_lead(request.user):
        raise PermissionDenied
    owner_id = request.POST.get("owner", "")
    reason_ids = [raw for raw in request.POST.getlist("reasons") if raw.isdigit()]
    changes = {
        "title": request.POST.get("title", item.title),
        "description": request.POST.get("description", ""),
        "status": request.POST.get("status", item.status),
        "owner": User.objects.filter(pk=int(owner_id)).first() if owner_id.isdigit() else None,
        "owner_name": request.POST.get("owner_name", ""),
        "owner_department": request.POST.get("owner_department", ""),
        "reasons": list(ContactReason.objects.filter(pk__in=reason_ids)),
    }
    try:
        services.update_item(request.user, item, changes, _ratings_from(request))
    except OporaError as error:
        _show_error(request, error)
    else:
        messages.success(request, _("Improvement updated"))
    return redirect("improvements:item", pk=pk)


@staff_required
@require_POST
def propose_from_ticket(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_visible_ticket(request.user, pk)
    try:
        item = services.propose_from_ticket(
            request.user, ticket, request.POST.get("title", ""), request.POST.get("description", "")
        )
    except OporaError as error:
        _show_error(request, error)
    else:
        messages.success(request, _("Improvement proposed: %(title)s") % {"title": item.title})
    return redirect("desk:ticket", pk=pk)


@staff_required
@require_POST
def link_ticket(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_visible_ticket(request.user, pk)
    raw = request.POST.get("item", "")
    item = _item_or_404(request, int(raw)) if raw.isdigit() else None
    if item is None:
        raise Http404
    try:
        services.link_ticket(request.user, item, ticket)
    except OporaError as error:
        _show_error(request, error)
    else:
        messages.success(request, _("Linked to %(title)s") % {"title": item.title})
    return redirect("desk:ticket", pk=pk)


@staff_required
def reasons(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "improvements/reasons.html",
        {"trends": services.reason_trends(request.user, days=30)},
    )


@staff_required
@require_POST
def propose_from_reason(request: HttpRequest, pk: int) -> HttpResponse:
    reason = ContactReason.objects.filter(pk=pk).select_related("parent").first()
    if reason is None:
        raise Http404
    try:
        item = services.propose_from_reason(request.user, reason, request.POST.get("title", ""))
    except OporaError as error:
        _show_error(request, error)
        return redirect("improvements:reasons")
    messages.success(request, _("Improvement proposed: %(title)s") % {"title": item.title})
    return redirect("improvements:item", pk=item.pk)


@staff_required
def survey_comments(request: HttpRequest) -> HttpResponse:
    rows = (
        visible_responses(request.user)
        .filter(kind=SurveyKind.CSAT, score__lte=3)
        .exclude(comment="")
        .select_related("invitation__ticket")
        .order_by("-created_at")
    )
    return render(request, "improvements/survey_comments.html", {"page": paginate(request, rows)})


@staff_required
@require_POST
def propose_from_response(request: HttpRequest, pk: int) -> HttpResponse:
    response = visible_responses(request.user).filter(pk=pk).first()
    if response is None:
        raise Http404
    try:
        item = services.propose_from_response(request.user, response, request.POST.get("title", ""))
    except OporaError as error:
        _show_error(request, error)
        return redirect("improvements:survey_comments")
    messages.success(request, _("Improvement proposed: %(title)s") % {"title": item.title})
    return redirect("improvements:item", pk=item.pk)


@staff_required
def ideas(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            services.submit_idea(
                request.user, request.POST.get("title", ""), request.POST.get("description", "")
            )
        except OporaError as error:
            _show_error(request, error)
        else:
            messages.success(request, _("Thank you: your idea is on the board"))
            return redirect("improvements:ideas")
    rows = (
        services.visible_ideas(request.user)
        .annotate(voted=Exists(IdeaVote.objects.filter(idea=OuterRef("pk"), voter=request.user)))
        .order_by("status", "-vote_count", "-created_at")
    )
    return render(
        request,
        "improvements/ideas.html",
        {"page": paginate(request, rows), "is_lead": services.is_lead(request.user)},
    )


def _idea_action(request: HttpRequest, pk: int, action, success: str) -> HttpResponse:
    idea = services.visible_ideas(request.user).filter(pk=pk).first()
    if idea is None:
        raise Http404
    try:
        action(idea)
    except OporaError as error:
        _show_error(request, error)
    else:
        messages.success(request, success)
    return redirect("improvements:ideas")


@staff_required
@require_POST
def idea_vote(request: HttpRequest, pk: int) -> HttpResponse:
    def toggle(idea):
        if not services.unvote(request.user, idea):
            services.vote(request.user, idea)

    return _idea_action(request, pk, toggle, _("Vote recorded"))


@staff_required
@require_POST
def idea_accept(request: HttpRequest, pk: int) -> HttpResponse:
    if not services.is_lead(request.user):
        raise PermissionDenied
    return _idea_action(
        request,
        pk,
        lambda idea: services.accept_idea(request.user, idea, request.POST.get("note", "")),
        _("Idea accepted into the backlog"),
    )


@staff_required
@require_POST
def idea_decline(request: HttpRequest, pk: int) -> HttpResponse:
    if not services.is_lead(request.user):
        raise PermissionDenied
    return _idea_action(
        request,
        pk,
        lambda idea: services.decline_idea(request.user, idea, request.POST.get("note", "")),
        _("Idea declined"),
    )
