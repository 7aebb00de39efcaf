"""The agent workspace: thin views over opora.tickets.services and opora.tickets.access."""

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from opora.accounts.models import Team
from opora.core.errors import OporaError
from opora.core.web import paginate, querystring_without, staff_required

from . import queries, services
from .access import get_visible_ticket, require_can_edit, visible_tickets
from .attachments import IncomingFile
from .canned import fill_placeholders, placeholder_values
from .forms import (
    BulkForm,
    EscalateForm,
    NewTicketForm,
    ReplyForm,
    TicketNumberForm,
    TicketPropertiesForm,
    staff_users,
)
from .models import (
    Attachment,
    CannedResponse,
    Channel,
    ContactReason,
    MessageKind,
    Priority,
    SavedView,
    Status,
    TicketLink,
    TicketType,
)
from .panels import ticket_panels


def _actor(request: HttpRequest) -> services.Actor:
    return services.Actor(user=request.user, via="web")


def _incoming_files(files) -> list[IncomingFile]:
    return [IncomingFile(upload.name, upload.read(), upload.content_type or "") for upload in files]


def _show_error(request: HttpRequest, error: OporaError) -> None:
    details = "; ".join(f"{field}: {problem}" for field, problem in error.fields.items())
    messages.error(request, f"{error.message}" + (f" ({details})" if details else ""))


@staff_required
def ticket_list(request: HttpRequest) -> HttpResponse:
    view = request.GET.get("view", "my_open" if request.user.can_reply_publicly else "team")
    sort = request.GET.get("sort", "-updated")
    tickets = queries.apply_view(visible_tickets(request.user), request.user, view)
    tickets = queries.apply_sort(queries.apply_filters(tickets, request.GET), sort).for_list()
    page = paginate(request, tickets)
    context = {
        "page": page,
        "view": view,
        "sort": sort,
        "views": queries.BUILT_IN_VIEWS,
        "sorts": {key: label for key, (_order, label) in queries.SORTS.items()},
        "saved_views": SavedView.objects.filter(owner=request.user),
        "statuses": Status.choices,
        "priorities": Priority.choices,
        "channels": Channel.choices,
        "types": TicketType.choices,
        "teams": Team.objects.all(),
        "agents": staff_users(),
        "filters": request.GET,
        "querystring": querystring_without(request, "page"),
        "bulk_form": BulkForm(),
    }
    template = (
        "tickets/_ticket_rows.html"
        if request.htmx and request.htmx.target == "ticket-rows"
        else "tickets/ticket_list.html"
    )
    return render(request, template, context)


@staff_required
@require_POST
def save_view(request: HttpRequest) -> HttpResponse:
    name = request.POST.get("name", "").strip()[:100]
    query = request.POST.get("query", "")[:500]
    if not name:
        messages.error(request, _("Give the view a name"))
    else:
        SavedView.objects.update_or_create(owner=request.user, name=name, defaults={"query": query})
        messages.success(request, _("View saved"))
    return redirect(f"{reverse('desk:tickets')}?{query}")


@staff_required
@require_POST
def bulk_update(request: HttpRequest) -> HttpResponse:
    require_can_edit(request.user)
    form = BulkForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "; ".join(str(e) for errors in form.errors.values() for e in errors)
        )
        return redirect(request.POST.get("next") or "desk:tickets")
    changes = {
        key: form.cleaned_data[key]
        for key in ("status", "priority", "team")
        if form.cleaned_data[key]
    }
    if form.cleaned_data["assign_to_me"]:
        changes["assignee"] = request.user
    tickets = visible_tickets(request.user).filter(pk__in=form.cleaned_data["ids"])
    done, refused = services.bulk_update(tickets, _actor(request), changes)
    messages.success(request, _("Updated %(count)d tickets") % {"count": len(done)})
    for number, reason in refused.items():
        messages.warning(request, f"#{number}: {reason}")
    return redirect(request.POST.get("next") or "desk:tickets")


def _timeline(ticket):
    """Messages and audit events in one chronological stream."""
    entries = [
        ("message", message.created_at, message)
        # "email" is the e-mail envelope (delivery state) where the message travelled by mail.
        for message in ticket.messages.select_related(
            "author_user", "author_customer", "email"
        ).prefetch_related("attachments")
    ]
    entries += [
        ("event", event.created_at, event)
        for event in ticket.audit_events.select_related("actor", "actor_customer").exclude(
            action__in=["replied", "noted"]
        )
    ]
    return sorted(entries, key=lambda entry: entry[1])


@staff_required
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_visible_ticket(request.user, pk)
    customer = ticket.customer
    past_tickets = (
        visible_tickets(request.user)
        .filter(customer=customer)
        .exclude(pk=ticket.pk)
        .order_by("-created_at")[:10]
    )
    canned = (
        CannedResponse.objects.filter(team__isnull=True, owner__isnull=True)
        | CannedResponse.objects.filter(team__members=request.user)
        | CannedResponse.objects.filter(owner=request.user)
    )
    context = {
        "ticket": ticket,
        "timeline": _timeline(ticket),
        "reply_form": ReplyForm(),
        "properties_form": TicketPropertiesForm(instance=ticket),
        "escalate_form": EscalateForm(),
        "number_form": TicketNumberForm(),
        "past_tickets": past_tickets,
        "customer_ticket_count": visible_tickets(request.user).filter(customer=customer).count(),
        "links": TicketLink.objects.filter(source=ticket).select_related("target")
        | TicketLink.objects.filter(target=ticket).select_related("source"),
        "canned_responses": canned.distinct().order_by("title"),
        "others": services.mark_viewing(ticket, request.user),
        "panels": ticket_panels(request, ticket),
    }
    return render(request, "tickets/ticket_detail.html", context)


@staff_required
def presence(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_visible_ticket(request.user, pk)
    others = services.mark_viewing(
        ticket, request.user, replying=request.GET.get("replying") == "1"
    )
    return render(request, "tickets/_presence.html", {"others": others, "ticket": ticket})


@staff_required
@require_POST
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_visible_ticket(request.user, pk)
    form = ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        return redirect("desk:ticket", pk=pk)
    try:
        services.add_message(
            ticket,
            _actor(request),
            form.cleaned_data["body"],
            kind=form.cleaned_data["kind"],
            files=_incoming_files(form.cleaned_data["files"]),
            status_after=form.cleaned_data["status_after"] or None,
        )
    except OporaError as error:
        _show_error(request, error)
    else:
        messages.success(
            request,
            _("Note added") if form.cleaned_data["kind"] == MessageKind.NOTE else _("Reply sent"),
        )
    return redirect("desk:ticket", pk=pk)


@staff_required
@require_POST
def update_properties(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_visible_ticket(request.user, pk)
    require_can_edit(request.user)
    form = TicketPropertiesForm(request.POST, instance=ticket)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        return redirect("desk:ticket", pk=pk)
    # The form must not save itself: the service checks transitions and writes the audit trail.
    ticket.refresh_from_db()
    changes = {name: form.cleaned_data[name] for name in form.Meta.fields}
    try:
        services.update_ticket(
            ticket,
            _actor(request),
            changes,
            tags=form.cleaned_data["tags"],
            custom_fields=form.custom_field_values(),
            collaborators=form.cleaned_data["collaborators"],
        )
    except OporaError as error:
        _show_error(request, error)
    else:
        messages.success(request, _("Ticket updated"))
    return redirect("desk:ticket", pk=pk)


@staff_required
@require_POST
def escalate(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_visible_ticket(request.user, pk)
    require_can_edit(request.user)
    form = EscalateForm(request.POST)
    if form.is_valid():
        try:
            services.escalate(
                ticket, _actor(request), form.cleaned_data["team"], form.cleaned_data["note"]
            )
            messages.success(
                request, _("Escalated to %(team)s") % {"team": form.cleaned_data["team"]}
            )
        except OporaError as error:
            _show_error(request, error)
    else:
        messages.error(request, _("Choose a team and say what they need to know"))
    # After escalating out of one's own teams the ticket may no longer be visible.
    if visible_tickets(request.user).filter(pk=pk).exists():
        return redirect("desk:ticket", pk=pk)
    return redirect("desk:tickets")


def _other_ticket(request: HttpRequest):
    form = TicketNumberForm(request.POST)
    if not form.is_valid():
        raise Http404(_("Enter a ticket number"))
    return get_visible_ticket(request.user, form.cleaned_data["target"])


@staff_required
@require_POST
def merge(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_visible_ticket(request.user, pk)
    require_can_edit(request.user)
    target = _other_ticket(request)
    try:
        services.merge(ticket, target, _actor(request))
    except OporaError as error:
        _show_error(request, error)
        return redirect("desk:ticket", pk=pk)
    messages.success(request, _("Merged into #%(number)s") % {"number": target.pk})
    return redirect("desk:ticket", pk=target.pk)


@staff_required
@require_POST
def link(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_visible_ticket(request.user, pk)
    require_can_edit(request.user)
    target = _other_ticket(request)
    try:
        services.link(ticket, target, _actor(request))
        messages.success(request, _("Linked to #%(number)s") % {"number": target.pk})
    except OporaError as error:
        _show_error(request, error)
    return redirect("desk:ticket", pk=pk)


@staff_required
@require_POST
def split(request: HttpRequest, pk: int, message_pk: int) -> HttpResponse:
    ticket = get_visible_ticket(request.user, pk)
    require_can_edit(request.user)
    message = get_object_or_404(ticket.messages, pk=message_pk)
    try:
        new_ticket = services.split(
            ticket, message, _actor(request), request.POST.get("subject") or ticket.subject
        )
    except OporaError as error:
        _show_error(request, error)
        return redirect("desk:ticket", pk=pk)
    messages.success(request, _("Split into #%(number)s") % {"number": new_ticket.pk})
    return redirect("desk:ticket", pk=new_ticket.pk)


@staff_required
def canned_response(request: HttpRequest, pk: int, canned_pk: int) -> HttpResponse:
    """The canned response with this ticket's placeholders filled, for the composer."""
    ticket = get_visible_ticket(request.user, pk)
    canned = get_object_or_404(CannedResponse, pk=canned_pk)
    return HttpResponse(
        fill_placeholders(canned.body, placeholder_values(ticket, request.user)),
        content_type="text/plain; charset=utf-8",
    )


@staff_required
def new_ticket(request: HttpRequest) -> HttpResponse:
    """An agent logs a contact (a call, a walk-in) as a ticket for a customer."""
    require_can_edit(request.user)
    form = NewTicketForm(
        request.POST or None,
        request.FILES or None,
        initial={"customer": request.GET.get("customer")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.create_ticket(
                services.NewTicket(
                    customer=data["customer"],
                    subject=data["subject"],
                    body=data["body"],
                    channel=data["channel"],
                    priority=data["priority"],
                    type=data["type"],
                    reason=data["reason"],
                    team=data["team"],
                    assignee=request.user,
                    files=_incoming_files(data["files"]),
                ),
                _actor(request),
            )
        except OporaError as error:
            _show_error(request, error)
        else:
            messages.success(request, _("Ticket #%(number)s created") % {"number": ticket.pk})
            return redirect("desk:ticket", pk=ticket.pk)
    return render(
        request, "tickets/ticket_new.html", {"form": form, "reasons": ContactReason.objects.all()}
    )


def download_attachment(request: HttpRequest, pk: int) -> HttpResponse:
    """Shared by the desk and the portal: the file is served only with its ticket's permission."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('login')}?next={request.path}")
    attachment = Attachment.objects.select_related("message").filter(pk=pk).first()
    if (
        attachment is None
        or not visible_tickets(request.user).filter(pk=attachment.message.ticket_id).exists()
    ):
        raise Http404
    if not request.user.is_agent_like and attachment.message.kind != MessageKind.REPLY:
        raise Http404
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
