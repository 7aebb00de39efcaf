"""Outside-voices pages for staff: mentions with their sentiment and reasons, one mention with
its actions, CSV import for leads, and the verbatim stream that merges survey comments."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from opora.core.errors import InvalidInput, NotFound
from opora.core.web import paginate, staff_required
from opora.tickets.models import ContactReason

from . import adapters, services
from .models import Mention, SentimentLabel, Source


def _mention(request: HttpRequest, pk: int) -> Mention:
    mention = services.visible_mentions(request.user).filter(pk=pk).first()
    if mention is None:
        raise NotFound(_("Mention not found"))
    return mention


@staff_required
def mentions(request: HttpRequest) -> HttpResponse:
    rows = services.visible_mentions(request.user)
    label = request.GET.get("sentiment")
    if label in SentimentLabel.values:
        rows = rows.filter(sentiment_label=label)
    source = request.GET.get("source")
    if source:
        rows = rows.filter(source__slug=source)
    context = {
        "page": paginate(request, rows),
        "labels": SentimentLabel.choices,
        "label": label,
        "sources": Source.objects.all(),
        "source": source,
        "reasons": services.reason_summary(services.visible_mentions(request.user)),
        "may_import": services.improvement_services.is_lead(request.user),
    }
    return render(request, "voices/mentions.html", context)


@staff_required
def mention(request: HttpRequest, pk: int) -> HttpResponse:
    current = _mention(request, pk)
    context = {
        "mention": current,
        "reasons": ContactReason.objects.filter(is_active=True),
        "may_improve": services.improvement_services.is_lead(request.user),
    }
    return render(request, "voices/mention.html", context)


@staff_required
@require_POST
def set_reason(request: HttpRequest, pk: int) -> HttpResponse:
    current = _mention(request, pk)
    reason_id = request.POST.get("reason") or None
    reason = ContactReason.objects.filter(pk=reason_id).first() if reason_id else None
    services.set_reason(current, request.user, reason)
    return redirect("voices:mention", pk=pk)


@staff_required
@require_POST
def create_ticket(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = services.create_ticket(_mention(request, pk), request.user)
    return redirect("desk:ticket", pk=ticket.pk)


@staff_required
@require_POST
def create_improvement(request: HttpRequest, pk: int) -> HttpResponse:
    item = services.create_improvement(_mention(request, pk), request.user)
    messages.success(request, _("Improvement item #%(id)s created") % {"id": item.pk})
    return redirect("voices:mention", pk=pk)


@staff_required
def import_csv(request: HttpRequest) -> HttpResponse:
    services.require_importer(request.user)
    problems: dict[str, str] = {}
    if request.method == "POST":
        source = Source.objects.filter(pk=request.POST.get("source") or 0, is_active=True).first()
        upload = request.FILES.get("file")
        try:
            if source is None or upload is None:
                raise InvalidInput(_("Choose a source and a CSV file"))
            result = services.import_mentions(source, adapters.parse_csv(upload.read()))
        except InvalidInput as error:
            messages.error(request, error.message)
            problems = error.fields
        else:
            messages.success(
                request,
                _("Imported %(created)s mentions; %(duplicates)s were already here")
                % {"created": result.created, "duplicates": result.duplicates},
            )
            return redirect("voices:mentions")
    context = {
        "sources": Source.objects.filter(is_active=True),
        "problems": sorted(problems.items()),
        "columns": adapters.CSV_COLUMNS,
    }
    return render(request, "voices/import.html", context)


@staff_required
def stream(request: HttpRequest) -> HttpResponse:
    page = paginate(request, services.stream_entries(request.user))
    return render(
        request,
        "voices/stream.html",
        {"page": page, "entries": services.stream_page(page.object_list)},
    )
