"""Server-rendered pages (thin: domain logic lives in services): the agents' coverage lookup and
CSV import, linking a serial from the ticket page, and the customer's own assets."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from opora.core.errors import InvalidInput
from opora.core.web import customer_required, staff_required
from opora.tickets.access import get_visible_ticket

from . import services


@staff_required
def lookup(request: HttpRequest) -> HttpResponse:
    serial = request.GET.get("serial", "").strip()
    context: dict = {"serial": serial}
    if serial:
        report = services.check_serial(request.user, serial)
        context["report"] = report
        if report.asset is not None:
            context["tickets"] = report.asset.ticket_checks.select_related("ticket")[:20]
    return render(request, "entitlements/lookup.html", context)


@staff_required
def import_assets(request: HttpRequest) -> HttpResponse:
    if not request.user.can_reply_publicly:
        raise PermissionDenied
    context: dict = {"columns": services.CSV_COLUMNS}
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise InvalidInput(_("Choose a CSV file"), fields={"file": "required"})
            if upload.size > services.MAX_IMPORT_BYTES:
                raise InvalidInput(_("The file is larger than 10 MB"), fields={"file": "too_large"})
            result = services.import_asset_csv(upload.read())
        except services.ImportRejected as rejected:
            context["error"] = rejected.message
            context["row_errors"] = rejected.errors
        except InvalidInput as error:
            context["error"] = error.message
        else:
            messages.success(
                request,
                _(
                    "Imported rows: %(rows)s (new: %(created)s, updated: %(updated)s, "
                    "unchanged: %(unchanged)s; paid plans added: %(plans)s)"
                )
                % {
                    "rows": result.rows,
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                    "plans": result.plans_added,
                },
            )
            return redirect("entitlements:import")
    return render(
        request, "entitlements/import.html", context, status=400 if "error" in context else 200
    )


@staff_required
@require_POST
def link_serial(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_visible_ticket(request.user, pk)
    try:
        flag = services.link_asset(ticket, request.POST.get("serial", ""), request.user)
    except InvalidInput as error:
        messages.error(request, error.message)
    else:
        if flag is not None and flag.is_flagged:
            messages.warning(
                request, _("Outside coverage: %(reason)s") % {"reason": flag.get_reason_display()}
            )
        else:
            messages.success(request, _("Serial number linked; the ticket is covered"))
    return redirect("desk:ticket", pk=ticket.pk)


@customer_required
def my_assets(request: HttpRequest) -> HttpResponse:
    assets = services.visible_assets(request.user).order_by("product__name", "serial")
    rows = services.assets_with_coverage(assets)
    return render(request, "entitlements/my_assets.html", {"rows": rows})
