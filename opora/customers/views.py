from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from opora.core.web import paginate, staff_required
from opora.tickets.access import visible_customers, visible_tickets
from opora.tickets.models import UNSOLVED_STATUSES


@staff_required
def customer_list(request: HttpRequest) -> HttpResponse:
    customers = visible_customers(request.user).order_by("name", "pk")
    query = request.GET.get("q", "").strip()[:100]
    if query:
        customers = customers.filter(
            Q(name__icontains=query)
            | Q(email__icontains=query)
            | Q(phone__icontains=query)
            | Q(organisation__name__icontains=query)
            | Q(external_id__iexact=query)
        )
    return render(
        request, "customers/customer_list.html", {"page": paginate(request, customers), "q": query}
    )


@staff_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Screen pop: everything about the person, with all past contacts across channels."""
    customer = get_object_or_404(visible_customers(request.user).select_related("purchaser"), pk=pk)
    tickets = (
        visible_tickets(request.user).filter(customer=customer).for_list().order_by("-created_at")
    )
    by_channel = tickets.order_by().values("channel").annotate(count=Count("pk")).order_by("-count")
    context = {
        "customer": customer,
        "page": paginate(request, tickets),
        "by_channel": by_channel,
        "open_count": tickets.filter(status__in=UNSOLVED_STATUSES).count(),
        "colleagues": customer.organisation.customers.exclude(pk=customer.pk)[:20]
        if customer.organisation_id
        else [],
    }
    return render(request, "customers/customer_detail.html", context)
