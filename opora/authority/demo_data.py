"""Demo authority: limits (an agent may refund up to 3 000 ₽, five times a week; the lead up to
20 000 ₽), a dozen grants over the last weeks recorded on their tickets, one request above the
agent's limit waiting for the lead, and one hand-off waiting for the second line."""

import random
from datetime import datetime, timedelta
from decimal import Decimal

from opora.accounts.models import Role, SupportLine, Team, User
from opora.tickets.models import Status, Ticket

from . import services
from .models import AuthorityLimit, Compensation, CompensationKind, LimitPeriod

LIMITS = [
    # role, kind, max amount, grants per period, period
    (Role.AGENT, CompensationKind.REFUND, "3000", 5, LimitPeriod.WEEK),
    (Role.AGENT, CompensationKind.CREDIT, "3000", 5, LimitPeriod.WEEK),
    (Role.AGENT, CompensationKind.GOODWILL, "1500", 10, LimitPeriod.WEEK),
    (Role.AGENT, CompensationKind.REPLACEMENT, "5000", 3, LimitPeriod.WEEK),
    (Role.MANAGER, "", "20000", None, LimitPeriod.MONTH),
    (Role.ADMIN, "", "100000", None, LimitPeriod.MONTH),
]
REASONS = [
    "Двойное списание за подписку",
    "Курьер опоздал на два дня",
    "Сбой оплаты в приложении, клиент потерял время",
    "Товар пришёл с царапиной",
    "Неверно выставлен счёт",
]
GRANTS = 12


def seed(now: datetime) -> str:
    rng = random.Random(42)
    for role, kind, amount, count, period in LIMITS:
        AuthorityLimit.objects.get_or_create(
            role=role,
            team=None,
            kind=kind,
            defaults={"max_amount": Decimal(amount), "max_count": count, "period": period},
        )
    first_line = Team.objects.filter(line=SupportLine.FIRST).first()
    tickets = list(
        Ticket.objects.filter(
            team=first_line,
            assignee__role=Role.AGENT,
            status__in=[Status.OPEN, Status.PENDING, Status.SOLVED],
        )
        .select_related("assignee", "team")
        .order_by("pk")[: GRANTS + 1]
    )
    if len(tickets) < 2:
        return ""
    granted = 0
    for index, ticket in enumerate(tickets[:-1]):
        kind = rng.choice(
            [CompensationKind.REFUND, CompensationKind.CREDIT, CompensationKind.GOODWILL]
        )
        amount = (
            Decimal(rng.randrange(3, 29) * 50)
            if kind != CompensationKind.GOODWILL
            else Decimal(500)
        )
        compensation = services.grant(
            ticket,
            ticket.assignee,
            kind=kind,
            amount=amount,
            reason=rng.choice(REASONS),
            via="demo",
        )
        # Spread over the last weeks, as they happened.
        moment = now - timedelta(days=index * 2 + 1, hours=rng.randrange(1, 8))
        Compensation.objects.filter(pk=compensation.pk).update(
            created_at=moment, granted_at=moment if compensation.granted_at else None
        )
        granted += compensation.granted_at is not None
    pending_ticket = tickets[-1]
    services.grant(
        pending_ticket,
        pending_ticket.assignee,
        kind=CompensationKind.REFUND,
        amount=Decimal("7500"),
        reason="Клиент дважды получил неработающий терминал; просит вернуть стоимость",
        via="demo",
    )
    second_line = Team.objects.filter(line=SupportLine.SECOND).first()
    hand_off_ticket = (
        Ticket.objects.filter(team=first_line, assignee__role=Role.AGENT, status=Status.OPEN)
        .exclude(pk__in=[ticket.pk for ticket in tickets])
        .select_related("assignee", "team")
        .order_by("pk")
        .first()
    )
    if second_line is not None and hand_off_ticket is not None:
        services.hand_off(
            hand_off_ticket,
            hand_off_ticket.assignee,
            second_line,
            "Можно ли перенести лицензию клиента на новый ИНН без переоформления договора?",
            via="demo",
        )
    lead = User.objects.filter(username="lead").first()
    return (
        f"Seeded authority limits, {granted} compensation grants and 1 request awaiting "
        f"{lead or 'the lead'}'s approval"
    )
