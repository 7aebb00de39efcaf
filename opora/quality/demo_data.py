"""Demo QA and audits: a scorecard, a sample of the last two weeks, reviews (one disputed), a
calibration scored by three reviewers, and a mystery-shopper programme over two locations and
two waves whose report shows what changed. Deterministic (random.Random(42))."""

import random
from datetime import datetime, timedelta

from opora.accounts.models import Role, User
from opora.core.demo import DEMO_PASSWORD
from opora.tickets.models import Ticket

from . import services
from .models import (
    AuditArea,
    AuditProgramme,
    ChecklistItem,
    Criterion,
    Location,
    Reviewer,
    Scenario,
    Scorecard,
    Shopper,
    ShopperProfile,
    VisitType,
)

CRITERIA = [
    # title, kind, scale_max, weight, N/A allowed, auto-fail
    ("Поздоровался и представился", "yes_no", 1, 1, False, False),
    ("Понял суть обращения", "scale", 4, 3, False, False),
    ("Решение верное и полное", "scale", 4, 4, False, False),
    ("Предложил статью базы знаний", "yes_no", 1, 1, True, False),
    ("Проверил личность перед изменением данных", "yes_no", 1, 2, True, True),
    ("Вежливый и понятный тон", "scale", 4, 2, False, False),
]

CHECKLIST = [
    (AuditArea.COMPETENCE, "Сотрудник компетентно ответил на вопросы", "scale", 5, 2),
    (AuditArea.POLITENESS, "Поздоровался, был вежлив", "yes_no", 1, 1),
    (AuditArea.SPEED, "Обслужили без ожидания дольше 5 минут", "yes_no", 1, 1),
    (AuditArea.KNOWLEDGE, "Знает ассортимент и тарифы", "scale", 5, 2),
    (AuditArea.APPEARANCE, "Опрятный внешний вид, форма, бейдж", "yes_no", 1, 1),
    (AuditArea.PREMISES, "Чисто, порядок, нет посторонних запахов", "scale", 5, 1),
    (AuditArea.DISPLAY, "Выкладка полная, ценники на месте", "yes_no", 1, 1),
    (AuditArea.SPEECH, "Речь грамотная и понятная, без жаргона", "yes_no", 1, 1),
    (AuditArea.COMPLIANCE, "Следовал стандарту обслуживания", "yes_no", 1, 2),
    (AuditArea.PROBLEMS, "Корректно принял возврат / жалобу", "scale", 5, 2),
]


def _answers(rng: random.Random, items, quality: float) -> dict[int, int | None]:
    """Answers that are right with probability `quality`; N/A now and then where allowed."""
    answers: dict[int, int | None] = {}
    for item in items:
        if item.allows_na and rng.random() < 0.2:
            answers[item.pk] = None
            continue
        highest = 1 if item.kind == "yes_no" else item.scale_max
        good = rng.random() < quality
        # An auto-fail criterion is rarely failed: a demo full of zeroes teaches nothing.
        if item.auto_fail and quality < 1:
            good = rng.random() < 0.97
        answers[item.pk] = highest if good else rng.randint(0, highest - 1)
    return answers


def _seed_qa(rng: random.Random, now: datetime) -> tuple[int, int]:
    lead = User.objects.get(username="lead")
    admin = User.objects.get(username="admin")
    card = Scorecard.objects.create(name="Качество ответа (все каналы)")
    for position, (title, kind, scale_max, weight, na, fail) in enumerate(CRITERIA):
        Criterion.objects.create(
            scorecard=card,
            title=title,
            kind=kind,
            scale_max=scale_max,
            weight=weight,
            allows_na=na,
            auto_fail=fail,
            position=position,
        )
    criteria = list(card.criteria.all())
    run = services.draw_sample(
        lead,
        card,
        (now - timedelta(days=28)).date(),
        now.date(),
        per_agent=5,
        seed=42,
        csat_at_most=2,
        reopened=True,
    )
    reviews = []
    items = list(run.items.select_related("ticket").order_by("agent_id", "ticket_id"))
    for item in items:
        if rng.random() < 0.25:
            continue  # left for the reviewers to do in the demo
        # The first agent's routine work is flawless: the demo shows a recognition.
        quality = 1.0 if item.agent_id == items[0].agent_id else rng.choice((0.6, 0.8, 0.9))
        review = services.submit_review(lead, item.ticket, card, _answers(rng, criteria, quality))
        scored_at = (item.ticket.solved_at or now) + timedelta(hours=rng.randint(2, 72))
        services.Review.objects.filter(pk=review.pk).update(created_at=min(scored_at, now))
        reviews.append(review)
    # Top the first agent's streak up with more of their routine work, reviewed flawless.
    first_agent = items[0].agent_id if items else None
    extra = Ticket.objects.filter(
        assignee_id=first_agent,
        solved_at__isnull=False,
        priority__in=services.ROUTINE_PRIORITIES,
        reopen_count=0,
    ).exclude(pk__in=[r.ticket_id for r in reviews])
    for ticket in extra.order_by("solved_at", "pk")[: services.FLAWLESS_STREAK]:
        if services.Recognition.objects.filter(agent_id=first_agent).exists():
            break
        reviews.append(services.submit_review(lead, ticket, card, _answers(rng, criteria, 1.0)))
    low = min(
        (r for r in reviews if r.score is not None), key=lambda r: (r.score, r.pk), default=None
    )
    if low is not None:
        services.add_comment(low.agent, low, "Клиент сам написал, что вопрос решён — см. ответ 2.")
        services.open_dispute(low.agent, low, "Решение было полным: клиент подтвердил в ответе.")

    # Calibration: three reviewers score one ticket of the second line.
    dmitry = User.objects.get(username="dmitry")
    Reviewer.objects.create(user=dmitry)
    ticket = (
        Ticket.objects.filter(
            team__in=dmitry.teams.all(), assignee__isnull=False, solved_at__isnull=False
        )
        .exclude(assignee=dmitry)
        .order_by("pk")
        .first()
    )
    if ticket is not None:
        calibration = services.start_calibration(lead, ticket, card, "Калибровка: неделя 1")
        for reviewer, quality in ((lead, 0.9), (admin, 0.7), (dmitry, 0.5)):
            services.submit_review(
                reviewer,
                ticket,
                card,
                _answers(rng, criteria, quality),
                calibration=calibration,
            )
    return len(reviews), len(items)


def _seed_audits(rng: random.Random, now: datetime) -> int:
    lead = User.objects.get(username="lead")
    programme = AuditProgramme.objects.create(
        name="Тайный покупатель: салоны и отдел претензий",
        description="Пролонгированная проверка: волна раз в 60 дней.",
        wave_interval_days=60,
    )
    for position, (area, title, kind, scale_max, weight) in enumerate(CHECKLIST):
        ChecklistItem.objects.create(
            programme=programme,
            area=area,
            title=title,
            kind=kind,
            scale_max=scale_max,
            weight=weight,
            allows_na=area in {AuditArea.DISPLAY, AuditArea.APPEARANCE},
            position=position,
        )
    items = list(programme.checklist.all())
    scenarios = [
        Scenario.objects.create(
            programme=programme,
            title="Вернуть неисправный роутер",
            script="Придите с роутером и чеком, скажите, что он перестал раздавать Wi-Fi.",
            visit_type=VisitType.IN_PERSON,
            min_age=25,
            max_age=55,
            profile=ShopperProfile.FAMILY,
        ),
        Scenario.objects.create(
            programme=programme,
            title="Звонок с жалобой на списание",
            script="Позвоните и спросите, почему списали деньги дважды.",
            visit_type=VisitType.PHONE,
        ),
    ]
    store = Location.objects.create(name="Салон на Тверской", city="Москва", address="Тверская, 7")
    back_office = Location.objects.create(
        name="Отдел претензий (бэк-офис)", city="Москва", back_office=True
    )
    shoppers = []
    for username, first, birth_year in (("shopper", "Мария", 1988), ("shopper2", "Павел", 1979)):
        user = User(username=username, first_name=first, role=Role.CUSTOMER, language="ru")
        user.set_password(DEMO_PASSWORD)
        user.save()
        shoppers.append(
            Shopper.objects.create(
                user=user, city="Москва", birth_year=birth_year, profile=ShopperProfile.FAMILY
            )
        )
    waves = services.plan_waves(lead, programme, (now - timedelta(days=100)).date(), 2)
    # The store improves after training; the back office slips in wave 2.
    quality = {(store, 1): 0.55, (store, 2): 0.9, (back_office, 1): 0.85, (back_office, 2): 0.6}
    visits = 0
    for wave in waves:
        for location in (store, back_office):
            for scenario in scenarios:
                if location.back_office and scenario.visit_type == VisitType.IN_PERSON:
                    continue  # the back office is checked by phone
                for shopper in shoppers:
                    visit = services.assign_visit(lead, wave, location, scenario, shopper)
                    if wave.number == 2 and shopper is shoppers[1] and location == store:
                        continue  # still to do: shows an open assignment
                    services.submit_visit(
                        shopper.user,
                        visit,
                        _answers(rng, items, quality[(location, wave.number)]),
                        summary="Впечатления в целом хорошие.",
                        visited_at=datetime.combine(
                            wave.starts_on + timedelta(days=rng.randint(0, 20)),
                            datetime.min.time(),
                            now.tzinfo,
                        ),
                    )
                    visits += 1
    return visits


def seed(now: datetime) -> str:
    rng = random.Random(42)
    if not User.objects.filter(username="lead").exists():
        return ""
    reviews, sampled = _seed_qa(rng, now)
    visits = _seed_audits(rng, now)
    return (
        f"Seeded {reviews} QA reviews of {sampled} sampled tickets, a 3-reviewer calibration "
        f"and {visits} mystery-shopper visits (shopper / opora-demo)"
    )
