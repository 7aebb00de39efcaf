"""Review requests: some weeks after a purchase, ask the customer for a public review — once per
purchase, and never while they have a complaint open or have told us they were unhappy (a review
request to an angry customer is a request for a bad review; fix the problem first).

Purchases are the assets of opora.entitlements (serial number, purchase date)."""

from datetime import date, datetime, timedelta
from urllib.parse import quote

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from opora.entitlements.models import Asset
from opora.tickets.models import UNSOLVED_STATUSES, Ticket

from .conf import setting
from .models import ReviewRequest, ReviewRequestStatus, SurveyExclusion, SurveyKind

UNHAPPY_CSAT_AT_OR_BELOW = 2


def due_purchases(today: date) -> QuerySet[Asset]:
    """Purchases old enough to review and not yet asked about."""
    after = setting("OPORA_REVIEW_REQUEST_AFTER_DAYS")
    window = setting("OPORA_REVIEW_REQUEST_WINDOW_DAYS")
    return Asset.objects.filter(
        purchased_on__lte=today - timedelta(days=after),
        purchased_on__gt=today - timedelta(days=after + window),
        review_request__isnull=True,
    ).select_related("customer", "product")


def reason_not_to_ask(asset: Asset, since: date) -> str:
    customer = asset.customer
    if not customer.email:
        return _("no e-mail address")
    if SurveyExclusion.objects.filter(customer=customer).exists():
        return _("excluded from surveys")
    if Ticket.objects.filter(customer=customer, status__in=UNSOLVED_STATUSES).exists():
        return _("a ticket is still open")
    if customer.invitations.filter(
        response__kind=SurveyKind.CSAT,
        response__score__lte=UNHAPPY_CSAT_AT_OR_BELOW,
        response__created_at__date__gte=since,
    ).exists():
        return _("unhappy with support since the purchase")
    return ""


def request_reviews(now: datetime | None = None) -> int:
    """Periodic job: decide about every due purchase; the e-mails leave through the task queue.
    Safe to run any number of times: each purchase gets one decision, ever."""
    if not setting("OPORA_REVIEW_URL"):
        return 0
    from .tasks import send_review_request

    now = now or timezone.now()
    queued = 0
    for asset in due_purchases(timezone.localdate(now)):
        with transaction.atomic():
            request, created = ReviewRequest.objects.get_or_create(
                asset=asset, defaults={"customer": asset.customer, "created_at": now}
            )
            if not created:
                continue
            reason = reason_not_to_ask(asset, since=asset.purchased_on)
            if reason:
                request.status, request.skipped_because = ReviewRequestStatus.SKIPPED, reason
                request.save(update_fields=["status", "skipped_because"])
                continue
            transaction.on_commit(lambda pk=request.pk: send_review_request.enqueue(pk))
            queued += 1
    return queued


def review_url(asset: Asset) -> str:
    return setting("OPORA_REVIEW_URL").format(
        sku=quote(asset.product.sku), product=quote(asset.product.name)
    )


def build_review_mail(request: ReviewRequest) -> EmailMultiAlternatives:
    asset, customer = request.asset, request.customer
    with translation.override(customer.language or "ru"):
        context = {
            "customer": customer,
            "product": asset.product.label,
            "purchased_on": asset.purchased_on,
            "review_url": review_url(asset),
        }
        subject = _("How is your %(product)s?") % {"product": asset.product.label}
        text = render_to_string("feedback/email/review_request.txt", context)
        html = render_to_string("feedback/email/review_request.html", context)
    mail = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[customer.email],
        headers={"Auto-Submitted": "auto-generated", "X-Opora-Review-Request": str(request.pk)},
    )
    mail.attach_alternative(html, "text/html")
    return mail


def deliver_review_request(request_id: int) -> bool:
    """Send one review request. Safe to run twice (a retried task): it sends once."""
    with transaction.atomic():
        request = (
            ReviewRequest.objects.select_for_update(of=("self",))
            .select_related("asset__product", "customer")
            .get(pk=request_id)
        )
        if request.status != ReviewRequestStatus.PENDING:
            return False
        build_review_mail(request).send()
        request.status, request.sent_at = ReviewRequestStatus.SENT, timezone.now()
        request.save(update_fields=["status", "sent_at"])
    return True
