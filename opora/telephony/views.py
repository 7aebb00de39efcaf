"""Server-rendered pages (thin: domain logic lives in services): the agents' callback queue, the
ticket panel's actions, the customer's callbacks in the portal, the public callback form and the
provider's missed-call webhook."""

import json
import time

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from opora.core import ratelimit
from opora.core.errors import InvalidInput, OporaError
from opora.core.web import customer_required, paginate, staff_required
from opora.tickets.access import customer_of, get_visible_ticket

from . import services, signing
from .conf import setting
from .forms import AgentCallbackForm, AttemptForm, CallbackForm, CallLogForm, PortalCallbackForm
from .models import CallbackStatus


def _form_errors(request: HttpRequest, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))


def _show_on_form(form, error: OporaError) -> None:
    """A domain refusal shown beside the field it names, else above the form."""
    fields = [name for name in error.fields if name in form.fields] or [None]
    for name in fields:
        form.add_error(name, error.message)


# --- agents --------------------------------------------------------------------------------------


@staff_required
def callback_queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", CallbackStatus.PENDING)
    if status not in CallbackStatus.values:
        status = CallbackStatus.PENDING
    rows = (
        services.visible_callbacks(request.user)
        .filter(status=status)
        .select_related("customer", "ticket")
        .queue_order()
    )
    if status != CallbackStatus.PENDING:
        rows = rows.order_by("-done_at", "-id")
    context = {
        "page": paginate(request, rows),
        "status": status,
        "statuses": CallbackStatus.choices,
        "now": timezone.now(),
        "overdue_count": services.visible_callbacks(request.user).overdue().count(),
        "attempt_form": AttemptForm(),
    }
    return render(request, "telephony/callback_queue.html", context)


@staff_required
@require_POST
def callback_attempt(request: HttpRequest, pk: int) -> HttpResponse:
    callback = get_object_or_404(services.visible_callbacks(request.user), pk=pk)
    form = AttemptForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            callback = services.record_attempt(callback, request.user, form.call_log())
        except OporaError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Attempt %(n)s logged; the callback is %(status)s")
                % {"n": callback.attempts, "status": callback.get_status_display()},
            )
    return redirect(request.POST.get("next") or "telephony:callbacks")


@staff_required
@require_POST
def callback_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    _cancel(request, pk, _("Callback cancelled"))
    return redirect("telephony:callbacks")


def _cancel(request: HttpRequest, pk: int, done: str):
    """Cancel a callback the user may see (staff: their teams'; customers: their own)."""
    callback = get_object_or_404(services.visible_callbacks(request.user), pk=pk)
    try:
        services.cancel_callback(callback, request.user)
    except OporaError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return callback


@staff_required
@require_POST
def ticket_log_call(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_visible_ticket(request.user, pk)
    form = CallLogForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            services.log_call(ticket, request.user, form.call_log())
        except OporaError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Call logged"))
    return redirect("desk:ticket", pk=ticket.pk)


@staff_required
@require_POST
def ticket_schedule_callback(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_visible_ticket(request.user, pk)
    form = AgentCallbackForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            callback, created = services.schedule_callback(
                ticket, request.user, form.callback_request()
            )
        except OporaError as error:
            messages.error(request, error.message)
        else:
            if created:
                messages.success(request, _("Callback scheduled"))
            else:
                messages.info(
                    request,
                    _("A callback to this number is already pending on ticket #%(number)s")
                    % {"number": callback.ticket_id},
                )
    return redirect("desk:ticket", pk=ticket.pk)


# --- customers -----------------------------------------------------------------------------------


@customer_required
def my_callbacks(request: HttpRequest) -> HttpResponse:
    customer = customer_of(request.user)
    initial = {"phone": customer.phone} if customer else {}
    form = PortalCallbackForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            callback, created = services.request_callback_as_customer(
                request.user, form.callback_request()
            )
        except OporaError as error:
            _show_on_form(form, error)
        else:
            if created:
                messages.success(request, _("Thank you: we will call you back"))
            else:
                messages.info(request, _("We already have your request and will call you back"))
            return redirect("telephony:my_callback", pk=callback.pk)
    rows = services.visible_callbacks(request.user).order_by("-created_at")[:20]
    return render(request, "telephony/my_callbacks.html", {"form": form, "callbacks": rows})


@customer_required
def my_callback(request: HttpRequest, pk: int) -> HttpResponse:
    callback = get_object_or_404(services.visible_callbacks(request.user), pk=pk)
    return render(request, "telephony/my_callback.html", {"callback": callback})


@customer_required
@require_POST
def my_callback_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    callback = _cancel(request, pk, _("Your callback request is cancelled"))
    return redirect("telephony:my_callback", pk=callback.pk)


# --- public --------------------------------------------------------------------------------------


def request_callback(request: HttpRequest) -> HttpResponse:
    """The public callback form (no IVR, no login): the number is the customer's identity."""
    form = CallbackForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.check_rate(ratelimit.client_address(request))
            _callback, created = services.request_callback_public(form.callback_request())
        except ratelimit.RateLimited as error:
            form.add_error(None, error.message)
            status = error.status
        except OporaError as error:
            _show_on_form(form, error)
        else:
            return render(request, "telephony/callback_thanks.html", {"created": created})
    return render(request, "telephony/callback_form.html", {"form": form}, status=status)


def _error(status: int, code: str, message: str, fields: dict | None = None) -> JsonResponse:
    return JsonResponse(
        {"error": {"code": code, "message": message, "fields": fields or {}}}, status=status
    )


@csrf_exempt
@require_POST
def missed_call_webhook(request: HttpRequest) -> JsonResponse:
    """POST /phone/webhooks/missed-call from the telephony provider; see docs/telephony.md."""
    secret = setting("OPORA_PHONE_WEBHOOK_SECRET")
    if not secret:
        return _error(503, "not_configured", "OPORA_PHONE_WEBHOOK_SECRET is not set")
    if not signing.verify(
        secret,
        request.headers.get(signing.TIMESTAMP_HEADER, ""),
        request.body,
        request.headers.get(signing.SIGNATURE_HEADER, ""),
        now=time.time(),
        tolerance=setting("OPORA_PHONE_WEBHOOK_TOLERANCE_SECONDS"),
    ):
        return _error(401, "bad_signature", "Missing, wrong or expired signature")
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return _error(400, "malformed_json", "The body is not JSON")
    if not isinstance(payload, dict):
        return _error(400, "malformed_json", "The body must be a JSON object")
    try:
        missed = _parse_missed_call(payload)
        call, created = services.record_missed_call(missed)
    except OporaError as error:
        return _error(
            422 if error.status == 400 else error.status, error.code, error.message, error.fields
        )
    return JsonResponse(
        {
            "call_id": call.pk,
            "ticket_id": call.ticket_id,
            "callback_id": call.callback_id,
            "duplicate": not created,
        },
        status=201 if created else 200,
    )


def _parse_missed_call(payload: dict) -> services.MissedCall:
    errors: dict[str, str] = {}
    call_id = payload.get("call_id")
    if not isinstance(call_id, str) or not 0 < len(call_id.strip()) <= 120:
        errors["call_id"] = "required"
    caller = payload.get("from")
    if not isinstance(caller, str) or not caller.strip():
        errors["from"] = "required"
    times = {}
    for name in ("started_at", "ended_at"):
        raw = payload.get(name)
        if raw is None and name == "ended_at":
            times[name] = None
            continue
        value = parse_datetime(raw) if isinstance(raw, str) else None
        if value is None or timezone.is_naive(value):
            errors[name] = "invalid_datetime"
        times[name] = value
    if errors:
        raise InvalidInput("The missed-call payload is not valid", fields=errors)
    return services.MissedCall(call_id.strip(), caller, times["started_at"], times["ended_at"])
