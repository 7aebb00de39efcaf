"""Demo customer success: an owner for every organisation, renewal dates (one reminder due),
usage signals, lifecycle messages defined as data, and each account's health."""

import random
from datetime import date, datetime, timedelta

from django.db.models import Count
from django.utils import timezone

from opora.accounts.models import User
from opora.customers.models import Customer, Organisation

from . import services
from .models import Account, CustomerDates, LifecycleEvent, LifecycleMessage, UsageSignal

OWNERS = ["anna", "ivan", "olga", "john", "dmitry"]
MESSAGES = [
    dict(
        name="Welcome",
        event=LifecycleEvent.WELCOME,
        days=0,
        subject_ru="Добро пожаловать в поддержку",
        subject_en="Welcome to our support",
        body_ru="Здесь вы можете задать вопрос, следить за обращениями и найти ответы.",
        body_en="Here you can ask a question, follow your tickets and find answers.",
        links=[
            {
                "title_ru": "Справочный центр",
                "title_en": "Help centre",
                "url": "http://127.0.0.1:8000/help/",
            },
            {
                "title_ru": "Мои обращения",
                "title_en": "My tickets",
                "url": "http://127.0.0.1:8000/portal/",
            },
        ],
    ),
    dict(
        name="Onboarding check (day 7)",
        event=LifecycleEvent.ONBOARDING,
        days=7,
        subject_ru="Как идут первые дни?",
        subject_en="How are your first days going?",
        body_ru="Проверьте, всё ли готово:",
        body_en="Check that everything is in place:",
        checklist_ru=["Пригласите коллег", "Зарегистрируйте оборудование", "Настройте уведомления"],
        checklist_en=["Invite your colleagues", "Register your equipment", "Set up notifications"],
    ),
    dict(
        name="Renewal reminder (30 days)",
        event=LifecycleEvent.RENEWAL,
        days=30,
        subject_ru="Скоро продление договора",
        subject_en="Your renewal is coming up",
        body_ru="Срок вашего договора подходит к концу. Ваш менеджер свяжется с вами.",
        body_en="Your contract is up for renewal soon. Your account manager will be in touch.",
    ),
    dict(
        name="Anniversary",
        event=LifecycleEvent.ANNIVERSARY,
        subject_ru="Год вместе!",
        subject_en="A year together!",
        body_ru="Спасибо, что вы с нами.",
        body_en="Thank you for being with us.",
        offer_ru="Скидка 10 % на продление в этом месяце.",
        offer_en="10 % off your renewal this month.",
    ),
    dict(
        name="Birthday",
        event=LifecycleEvent.BIRTHDAY,
        subject_ru="С днём рождения!",
        subject_en="Happy birthday!",
        body_ru="Поздравляем вас с днём рождения.",
        body_en="Happy birthday from all of us.",
        offer_ru="Бесплатная диагностика оборудования в течение месяца.",
        offer_en="A free equipment check-up this month.",
    ),
]


def seed(now: datetime) -> str:
    rng = random.Random(42)
    today = timezone.localdate(now)
    for fields in MESSAGES:
        LifecycleMessage.objects.create(**fields)
    owners = list(User.objects.filter(username__in=OWNERS).order_by("username"))
    organisations = list(Organisation.objects.order_by("pk"))
    # The organisation with the most people renews in 20 days: its reminder is due on the next
    # daily pass; every other renewal is further out than any reminder's window.
    renewing = (
        Organisation.objects.annotate(people=Count("customers")).order_by("-people", "pk").first()
    )
    accounts = []
    for index, organisation in enumerate(organisations):
        renewal = today + timedelta(days=20 if organisation == renewing else rng.randint(45, 400))
        accounts.append(
            Account.objects.create(
                organisation=organisation, owner=owners[index % len(owners)], renewal_on=renewal
            )
        )
        base = rng.randint(5, 80)
        trend = rng.choice([0.6, 0.9, 1.0, 1.1, 1.3])
        seats = rng.randint(base, base * 2)
        UsageSignal.objects.bulk_create(
            [
                UsageSignal(
                    organisation=organisation,
                    metric="active_users",
                    value=base,
                    recorded_on=today - timedelta(days=30),
                ),
                UsageSignal(
                    organisation=organisation,
                    metric="active_users",
                    value=round(base * trend),
                    recorded_on=today,
                ),
                UsageSignal(
                    organisation=organisation,
                    metric="seats_used",
                    value=min(seats, round(base * trend)),
                    recorded_on=today,
                ),
                UsageSignal(
                    organisation=organisation,
                    metric="seats_licensed",
                    value=seats,
                    recorded_on=today,
                ),
            ]
        )
    for customer in Customer.objects.order_by("pk")[::7]:
        CustomerDates.objects.create(
            customer=customer,
            birthday=date(rng.randint(1960, 2000), rng.randint(1, 12), rng.randint(1, 28)),
        )
    for account in accounts:
        services.refresh_health(account, now)
    at_risk = sum(1 for account in accounts if account.churn_reasons)
    return (
        f"Seeded {len(accounts)} accounts with owners and health ({at_risk} with churn-risk "
        f"signals), {len(MESSAGES)} lifecycle messages, 1 renewal reminder due"
    )
