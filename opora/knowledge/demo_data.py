"""Demo self-service history: customers who opened an article suggested while writing a request.
Most then wrote no ticket (deflected contacts, counted by deflection.py); some wrote one anyway."""

import random
from datetime import datetime, timedelta

from django.utils import timezone

from opora.accounts.models import Role, User

from .deflection import deflected_contacts
from .models import Article, DeflectionEvent

QUERIES = ["сброс пароля", "не приходит код", "счёт на оплату", "вернуть деньги", "reset password"]
ATTEMPTS = 60


def seed(now: datetime) -> str:
    rng = random.Random(42)
    articles = list(Article.objects.public().order_by("pk"))
    customers = list(User.objects.filter(role=Role.CUSTOMER, customer__isnull=False).order_by("pk"))
    if not articles or not customers:
        return ""
    events = []
    for _attempt in range(ATTEMPTS):
        user = rng.choice(customers)
        viewed_at = now - timedelta(
            days=rng.randrange(1, 60), minutes=rng.randrange(8 * 60, 20 * 60)
        )
        events.append(
            DeflectionEvent(
                user=user,
                article=rng.choice(articles),
                query=rng.choice(QUERIES),
                created_at=viewed_at,
            )
        )
    DeflectionEvent.objects.bulk_create(events)
    today = timezone.localdate(now)
    deflected = deflected_contacts(today - timedelta(days=60), today)
    return f"Seeded {len(events)} help-centre suggestion views: {deflected} deflected contacts"
