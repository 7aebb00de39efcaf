"""The customer portal: submit and follow one's own (and, when allowed, the organisation's) tickets."""

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from opora.core.errors import OporaError
from opora.core.web import customer_required, paginate
from opora.tickets import services
from opora.tickets.access import customer_of, get_visible_ticket, visible_tickets
from opora.tickets.attachments import IncomingFile
from opora.tickets.models import Channel, MessageKind

from . import services as portal_services
from .forms import PortalReplyForm, PortalTicketForm, SignUpForm


def _files(form) -> list[IncomingFile]:
    return [
        IncomingFile(f.name, f.read(), f.content_type or "") for f in form.cleaned_data["files"]
    ]


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, needs_verification = portal_services.sign_up(
                form.cleaned_data["name"],
                form.cleaned_data["email"],
                form.cleaned_data["password"],
                (get_language() or "ru")[:2],
            )
        except OporaError as error:
            form.add_error(next(iter(error.fields), None), error.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            if needs_verification:
                portal_services.send_verification(user, request.build_absolute_uri("/"))
                messages.info(
                    request, _("We sent a confirmation link to %(email)s") % {"email": user.email}
                )
            return redirect("portal:tickets")
    return render(request, "portal/signup.html", {"form": form})


def verify(request: HttpRequest, token: str) -> HttpResponse:
    try:
        portal_services.verify(token)
    except OporaError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your e-mail is confirmed"))
    return redirect("portal:tickets" if request.user.is_authenticated else "login")


@customer_required
def ticket_list(request: HttpRequest) -> HttpResponse:
    customer = customer_of(request.user)
    tickets = (
        visible_tickets(request.user).select_related("customer").order_by("-updated_at", "-pk")
    )
    scope = request.GET.get("scope", "mine")
    if scope == "mine" and customer:
        tickets = tickets.filter(customer=customer)
    context = {
        "page": paginate(request, tickets),
        "customer": customer,
        "scope": scope,
        "shares_organisation": bool(
            customer and customer.organisation_id and customer.organisation.shared_tickets
        ),
    }
    return render(request, "portal/ticket_list.html", context)


@customer_required
def new_ticket(request: HttpRequest) -> HttpResponse:
    customer = customer_of(request.user)
    if customer is None:
        messages.warning(request, _("Confirm your e-mail address before opening requests"))
        return redirect("portal:tickets")
    form = PortalTicketForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.create_ticket(
                services.NewTicket(
                    customer=customer,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    channel=Channel.PORTAL,
                    files=_files(form),
                ),
                services.Actor(user=request.user, customer=customer, via="portal"),
            )
        except OporaError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Request #%(number)s received. We will reply within 24 hours.")
                % {"number": ticket.pk},
            )
            return redirect("portal:ticket", pk=ticket.pk)
    return render(request, "portal/ticket_new.html", {"form": form})


@customer_required
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_visible_ticket(request.user, pk)
    public_messages = (
        ticket.messages.filter(kind=MessageKind.REPLY)
        .select_related("author_user", "author_customer")
        .prefetch_related("attachments")
    )
    return render(
        request,
        "portal/ticket_detail.html",
        {"ticket": ticket, "public_messages": public_messages, "form": PortalReplyForm()},
    )


@customer_required
@require_POST
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_visible_ticket(request.user, pk)
    customer = customer_of(request.user)
    form = PortalReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Write a reply first"))
        return redirect("portal:ticket", pk=pk)
    try:
        message = services.add_message(
            ticket,
            services.Actor(user=request.user, customer=customer, via="portal"),
            form.cleaned_data["body"],
            channel=Channel.PORTAL,
            files=_files(form),
        )
    except OporaError as error:
        messages.error(request, error.message)
        return redirect("portal:ticket", pk=pk)
    if message.ticket_id != ticket.pk:
        messages.info(
            request,
            _("That request was closed, so we opened #%(number)s for you")
            % {"number": message.ticket_id},
        )
    return redirect("portal:ticket", pk=message.ticket_id)
