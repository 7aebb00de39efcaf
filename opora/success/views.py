"""Customer-success pages: the owner's accounts with health and signals, and one account."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from opora.core.web import paginate, staff_required

from . import services
from .models import LifecycleDelivery


def _labels(codes: list[str]) -> list[str]:
    return [str(services.REASON_LABELS.get(code, code)) for code in codes]


@staff_required
def accounts(request: HttpRequest) -> HttpResponse:
    rows = services.visible_accounts(request.user).order_by("health_score", "organisation__name")
    if request.GET.get("signal") == "churn":
        rows = rows.exclude(churn_reasons=[])
    elif request.GET.get("signal") == "expansion":
        rows = rows.exclude(expansion_reasons=[])
    page = paginate(request, rows)
    for account in page:
        account.churn_labels = _labels(account.churn_reasons)
        account.expansion_labels = _labels(account.expansion_reasons)
    return render(
        request, "success/accounts.html", {"page": page, "signal": request.GET.get("signal", "")}
    )


@staff_required
def account(request: HttpRequest, pk: int) -> HttpResponse:
    """``pk`` is the organisation's id."""
    current = services.get_visible_account(request.user, pk)
    services.refresh_health(current)
    context = {
        "account": current,
        "facts": services.health_inputs(current, current.health_updated_at),
        "churn": _labels(current.churn_reasons),
        "expansion": _labels(current.expansion_reasons),
        "people": current.organisation.customers.all()[:50],
        "deliveries": LifecycleDelivery.objects.filter(organisation=current.organisation)
        .select_related("message", "customer")
        .order_by("-created_at")[:30],
    }
    return render(request, "success/account.html", context)
