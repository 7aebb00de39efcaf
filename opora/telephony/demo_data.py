"""Demo phone history: calls with plausible talk times on the core demo's phone tickets, and a few
pending callbacks, one of them overdue, so the callback queue has something to show."""

import math
import random
from datetime import datetime, timedelta

from opora.accounts.models import Role, User
from opora.tickets.models import Channel, Ticket

from .models import Call, Callback, CallbackSource, Direction, Outcome
from .phones import InvalidPhone, normalize_phone

# Talk time is log-normal in contact centres: median about 4 minutes, a long tail of 20+ minutes.
MEDIAN_TALK_SECONDS = 240
TALK_SIGMA = 0.6
OUTCOME_WEIGHTS = {Outcome.RESOLVED: 60, Outcome.FOLLOW_UP_NEEDED: 30}
UNANSWERED_WEIGHTS = {Outcome.NO_ANSWER: 50, Outcome.VOICEMAIL: 30, Outcome.BUSY: 20}
PENDING_CALLBACKS = 5
TOPICS = ["Счёт за октябрь", "Не работает доступ", "Replacement delivery", "Вопрос по договору"]


def _talk_seconds(rng: random.Random) -> int:
    seconds = rng.lognormvariate(math.log(MEDIAN_TALK_SECONDS), TALK_SIGMA)
    return int(min(max(seconds, 20), 3600))


def _pick(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def seed(now: datetime) -> str:
    rng = random.Random(42)
    agents = list(User.objects.filter(role=Role.AGENT).order_by("pk"))
    tickets = list(
        Ticket.objects.filter(channel=Channel.PHONE).select_related("customer").order_by("pk")
    )
    if not agents or not tickets:
        return "Seeded 0 calls (no phone tickets)"
    calls = []
    for ticket in tickets:
        agent_id = ticket.assignee_id or rng.choice(agents).pk
        phone = _phone(ticket.customer.phone)
        talk = _talk_seconds(rng)
        started = ticket.created_at
        calls.append(
            Call(
                ticket=ticket,
                agent_id=agent_id,
                direction=Direction.INBOUND,
                phone=phone,
                started_at=started,
                answered_at=started + timedelta(seconds=rng.randint(3, 40)),
                duration_seconds=talk,
                outcome=_pick(rng, OUTCOME_WEIGHTS),
            )
        )
        calls[-1].ended_at = calls[-1].answered_at + timedelta(seconds=talk)
        if calls[-1].outcome == Outcome.FOLLOW_UP_NEEDED:
            # The agent calls back a day or so later; sometimes nobody picks up.
            later = min(started + timedelta(hours=rng.randint(2, 48)), now)
            if rng.random() < 0.7:
                talk = _talk_seconds(rng)
                calls.append(
                    Call(
                        ticket=ticket,
                        agent_id=agent_id,
                        direction=Direction.OUTBOUND,
                        phone=phone,
                        started_at=later,
                        answered_at=later,
                        ended_at=later + timedelta(seconds=talk),
                        duration_seconds=talk,
                        outcome=Outcome.RESOLVED,
                    )
                )
            else:
                calls.append(
                    Call(
                        ticket=ticket,
                        agent_id=agent_id,
                        direction=Direction.OUTBOUND,
                        phone=phone,
                        started_at=later,
                        ended_at=later,
                        outcome=_pick(rng, UNANSWERED_WEIGHTS),
                    )
                )
    Call.objects.bulk_create(calls)
    callbacks = _pending_callbacks(rng, tickets, now)
    overdue = sum(1 for callback in callbacks if callback.due_at < now)
    return f"Seeded {len(calls)} calls and {len(callbacks)} pending callbacks ({overdue} overdue)"


def _phone(raw: str) -> str:
    try:
        return normalize_phone(raw)
    except InvalidPhone:
        return ""


def _pending_callbacks(rng: random.Random, tickets: list[Ticket], now: datetime) -> list[Callback]:
    callbacks: list[Callback] = []
    seen: set[str] = set()
    for ticket in (t for t in reversed(tickets) if t.is_unsolved):
        phone = _phone(ticket.customer.phone)
        if not phone or phone in seen or Callback.objects.pending().filter(phone=phone).exists():
            continue
        seen.add(phone)
        n = len(callbacks)
        # The first one is 40 minutes overdue; the rest are due over the coming hours.
        due = now - timedelta(minutes=40) if n == 0 else now + timedelta(minutes=30 + 45 * n)
        source = [CallbackSource.MISSED_CALL, CallbackSource.WEB_FORM, CallbackSource.PORTAL][n % 3]
        callbacks.append(
            Callback(
                customer=ticket.customer,
                ticket=ticket,
                phone=phone,
                name=ticket.customer.name,
                topic=rng.choice(TOPICS),
                source=source,
                due_at=due,
                created_at=due - timedelta(hours=1),
            )
        )
        if len(callbacks) == PENDING_CALLBACKS:
            break
    return Callback.objects.bulk_create(callbacks)
