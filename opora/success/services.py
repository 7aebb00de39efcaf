"""Customer-success rules: who owns and sees which account, account health from the facts we
hold, usage signals from the product, and lifecycle messages sent once per occasion.

Once per occasion: each send is a LifecycleDelivery row under a unique constraint on
(message, customer, occasion); the mail is queued only when the row is new, and the task sends
only a row not yet sent. Replaying an event or re-running the daily pass sends nothing twice."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opora.accounts.models import Role, User
from opora.core.errors import Forbidden, InvalidInput, NotFound
from opora.customers.models import Customer, Organisation
from opora.feedback import reports as feedback_reports
from opora.feedback.models import Response
from opora.incidents.models import Incident, IncidentStatus
from opora.tickets.models import Ticket

from .health import Health, HealthInputs, account_health
from .models import (
    Account,
    CustomerDates,
    LifecycleDelivery,
    LifecycleEvent,
    LifecycleMessage,
    UsageSignal,
)

# A day the scheduler missed is caught up on the next run, up to this many days back.
CATCH_UP_DAYS = 3
SCORE_DAYS = 180
CONTACT_DAYS = 90

REASON_LABELS = {
    "low_csat": gettext_lazy("CSAT below 70 %"),
    "detractors": gettext_lazy("NPS below zero"),
    "open_incidents": gettext_lazy("Open incidents affect the account"),
    "many_contacts": gettext_lazy(
        "More than 5 contacts per person in 90 days, and twice the usual rate"
    ),
    "usage_falling": gettext_lazy("Usage fell by more than 20 % in a month"),
    "silent": gettext_lazy("No contact, survey answer or usage in 90 days"),
    "renewal_at_risk": gettext_lazy("Renewal within 60 days while health is below 70"),
    "promoters": gettext_lazy("NPS of 50 or more"),
    "usage_growing": gettext_lazy("Usage grew by 20 % or more in a month"),
    "seats_nearly_full": gettext_lazy("90 % or more of licensed seats in use"),
}

# ---------------------------------------------------------------- who sees what


def is_manager(user: User) -> bool:
    return user.is_authenticated and user.role in {Role.ADMIN, Role.MANAGER}


def visible_accounts(user: User) -> QuerySet[Account]:
    accounts = Account.objects.select_related("organisation", "owner")
    if not user.is_authenticated or not user.is_active or not user.is_agent_like:
        return accounts.none()
    if is_manager(user) or user.sees_every_ticket:
        return accounts
    return accounts.filter(owner=user)


def get_visible_account(user: User, organisation_id: int) -> Account:
    account = visible_accounts(user).filter(organisation_id=organisation_id).first()
    if account is None:
        raise NotFound(_("Account not found"))
    return account


def account_of(organisation: Organisation) -> Account:
    account, _created = Account.objects.get_or_create(organisation=organisation)
    return account


@transaction.atomic
def assign_owner(account: Account, user: User, owner: User | None) -> Account:
    if not is_manager(user):
        raise Forbidden(_("Only managers assign account owners"))
    if owner is not None and not owner.is_agent_like:
        raise InvalidInput(_("The owner must be a member of staff"), fields={"owner": "not_staff"})
    account.owner = owner
    account.save(update_fields=["owner"])
    return account


# ---------------------------------------------------------------- health


@dataclass(frozen=True)
class UsageFacts:
    trend: float | None
    seat_utilisation: float | None


def _latest(signals: list[UsageSignal], metric: str, on_or_before: date) -> UsageSignal | None:
    return next((s for s in signals if s.metric == metric and s.recorded_on <= on_or_before), None)


def usage_facts(organisation: Organisation, today: date) -> UsageFacts:
    signals = list(
        UsageSignal.objects.filter(
            organisation=organisation, recorded_on__gte=today - timedelta(days=75)
        ).order_by("-recorded_on")
    )
    now_users = _latest(signals, "active_users", today)
    before = now_users and _latest(
        signals, "active_users", now_users.recorded_on - timedelta(days=28)
    )
    trend = now_users.value / before.value if now_users and before and before.value > 0 else None
    used, licensed = (
        _latest(signals, "seats_used", today),
        _latest(signals, "seats_licensed", today),
    )
    utilisation = used.value / licensed.value if used and licensed and licensed.value > 0 else None
    return UsageFacts(trend, utilisation)


def health_inputs(account: Account, now: datetime) -> HealthInputs:
    organisation = account.organisation
    today = timezone.localdate(now)
    responses = Response.objects.filter(
        invitation__customer__organisation=organisation,
        created_at__gte=now - timedelta(days=SCORE_DAYS),
    )
    scores = feedback_reports.scores(responses)
    usage = usage_facts(organisation, today)
    return HealthInputs(
        people=organisation.customers.count(),
        contacts_90d=Ticket.objects.filter(
            organisation=organisation, created_at__gte=now - timedelta(days=CONTACT_DAYS)
        ).count(),
        open_incidents=Incident.objects.filter(
            status=IncidentStatus.OPEN, tickets__organisation=organisation
        )
        .distinct()
        .count(),
        csat_percent=scores.csat.csat_percent if scores.csat.responses else None,
        nps=scores.nps.nps,
        usage_trend=usage.trend,
        seat_utilisation=usage.seat_utilisation,
        days_to_renewal=(account.renewal_on - today).days if account.renewal_on else None,
        typical_contacts_per_person=typical_contacts_per_person(now),
    )


def typical_contacts_per_person(now: datetime) -> float:
    """Contacts per organisation contact over the last 90 days, across every organisation."""
    people = Customer.objects.filter(organisation__isnull=False).count()
    contacts = Ticket.objects.filter(
        organisation__isnull=False, created_at__gte=now - timedelta(days=CONTACT_DAYS)
    ).count()
    return contacts / people if people else 0.0


def refresh_health(account: Account, now: datetime | None = None) -> Health:
    now = now or timezone.now()
    health = account_health(health_inputs(account, now))
    account.health_score = health.score
    account.health_band = health.band
    account.churn_reasons = list(health.churn_reasons)
    account.expansion_reasons = list(health.expansion_reasons)
    account.health_updated_at = now
    account.save(
        update_fields=[
            "health_score",
            "health_band",
            "churn_reasons",
            "expansion_reasons",
            "health_updated_at",
        ]
    )
    return health


@dataclass(frozen=True)
class NewSignal:
    metric: str
    value: float
    day: date


def may_post_usage(user: User, account: Account) -> bool:
    return is_manager(user) or (user.is_authenticated and account.owner_id == user.pk)


@transaction.atomic
def record_usage(user: User, organisation: Organisation, signals: list[NewSignal]) -> Account:
    """Store the figures (the same metric and day again replaces the value) and re-assess."""
    account = account_of(organisation)
    if not may_post_usage(user, account):
        raise Forbidden(_("Only managers and the account owner may post usage"))
    for signal in signals:
        UsageSignal.objects.update_or_create(
            organisation=organisation,
            metric=signal.metric,
            recorded_on=signal.day,
            defaults={"value": signal.value},
        )
    refresh_health(account)
    return account


# ---------------------------------------------------------------- lifecycle messages


def queue_message(
    message: LifecycleMessage, customer: Customer, occasion: str
) -> LifecycleDelivery | None:
    """Record and queue one send; None when this occasion was already recorded."""
    try:
        with transaction.atomic():
            delivery = LifecycleDelivery.objects.create(
                message=message,
                customer=customer,
                organisation_id=customer.organisation_id,
                occasion=occasion,
            )
    except IntegrityError:
        return None
    from .tasks import send_lifecycle_message

    pk = delivery.pk
    transaction.on_commit(lambda: send_lifecycle_message.enqueue(pk))
    return delivery


def _definitions(event: str) -> list[LifecycleMessage]:
    return list(LifecycleMessage.objects.filter(event=event, is_active=True))


def on_signup(customer: Customer) -> list[LifecycleDelivery]:
    """The welcome mail(s) for a customer who just got a portal login."""
    queued = (queue_message(m, customer, "signup") for m in _definitions(LifecycleEvent.WELCOME))
    return [delivery for delivery in queued if delivery]


def build_mail(delivery: LifecycleDelivery) -> EmailMultiAlternatives:
    customer, message = delivery.customer, delivery.message
    language = "en" if (customer.language or "ru").startswith("en") else "ru"
    with translation.override(language):
        context = {
            "customer": customer,
            "body": message.text(language, "body"),
            "links": [
                {
                    "title": link.get(f"title_{language}") or link.get("title", ""),
                    "url": link.get("url", ""),
                }
                for link in message.links
                if isinstance(link, dict)
            ],
            "checklist": message.text(language, "checklist"),
            "offer": message.text(language, "offer"),
        }
        text = render_to_string("success/email/lifecycle.txt", context)
    return EmailMultiAlternatives(
        subject=message.text(language, "subject"),
        body=text,
        to=[customer.email],
        headers={"Auto-Submitted": "auto-generated", "X-Opora-Lifecycle": str(delivery.pk)},
    )


def deliver(delivery_id: int) -> bool:
    """Send one recorded message; a second run of the task sends nothing."""
    with transaction.atomic():
        delivery = (
            LifecycleDelivery.objects.select_for_update(of=("self",))
            .select_related("customer", "message")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.sent_at or not delivery.customer.email:
            return False
        build_mail(delivery).send()
        delivery.sent_at = timezone.now()
        delivery.save(update_fields=["sent_at"])
    return True


def _recent_days(today: date) -> list[date]:
    return [today - timedelta(days=back) for back in range(CATCH_UP_DAYS + 1)]


def _same_day_of_year(field: str, day: date) -> dict:
    return {f"{field}__month": day.month, f"{field}__day": day.day}


def run_due_lifecycle_messages(now: datetime | None = None) -> int:
    """The daily pass: onboarding checks, renewal reminders, anniversaries and birthdays that
    fall due (catching up a few missed days), then every account's health. Returns how many
    messages were queued; run it again and it queues none."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    queued = 0
    for message in _definitions(LifecycleEvent.ONBOARDING):
        signed_up = Customer.objects.filter(
            user__isnull=False,
            created_at__date__gte=today - timedelta(days=message.days + CATCH_UP_DAYS),
            created_at__date__lte=today - timedelta(days=message.days),
        )
        queued += sum(bool(queue_message(message, c, "onboarding")) for c in signed_up)
    for message in _definitions(LifecycleEvent.RENEWAL):
        accounts = Account.objects.filter(
            renewal_on__gte=today, renewal_on__lte=today + timedelta(days=message.days)
        )
        for account in accounts:
            for customer in account.organisation.customers.exclude(email=""):
                queued += bool(queue_message(message, customer, f"renewal:{account.renewal_on}"))
    for day in _recent_days(today):
        for message in _definitions(LifecycleEvent.ANNIVERSARY):
            customers = Customer.objects.filter(
                created_at__year__lt=day.year, **_same_day_of_year("created_at", day)
            ).exclude(email="")
            queued += sum(
                bool(queue_message(message, c, f"anniversary:{day.year}")) for c in customers
            )
        for message in _definitions(LifecycleEvent.BIRTHDAY):
            dates = CustomerDates.objects.filter(
                **_same_day_of_year("birthday", day)
            ).select_related("customer")
            queued += sum(
                bool(queue_message(message, d.customer, f"birthday:{day.year}")) for d in dates
            )
    for account in Account.objects.select_related("organisation"):
        refresh_health(account, now)
    return queued
