"""Demo incidents: an open mail outage with ten linked tickets and its portal banner, and last
month's resolved payment incident with its post-incident note."""

import random
from datetime import datetime, timedelta

from opora.accounts.models import User
from opora.tickets.models import Status, Ticket

from . import services
from .models import EventKind, Incident, IncidentEvent, IncidentStatus, IncidentTicket


def seed(now: datetime) -> str:
    rng = random.Random(42)
    lead = User.objects.get(username="lead")
    outage = services.create_incident(
        lead,
        title="Сбой доставки почты / E-mail delivery outage",
        description="Почтовый шлюз отклоняет исходящие письма с 09:40. Инженеры на связи.",
        is_public=True,
        banner_title="Задержки с доставкой писем",
        banner_body="Письма могут приходить с опозданием. Мы уже работаем над этим.",
        banner_title_en="E-mail delivery delays",
        banner_body_en="Messages may arrive late. We are working on it.",
    )
    unsolved = list(
        Ticket.objects.filter(status__in=[Status.NEW, Status.OPEN])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    services.link_tickets(outage, lead, rng.sample(unsolved, min(10, len(unsolved))))

    # Last month's incident, already history: built with its own dates rather than replayed now.
    opened = now - timedelta(days=24)
    resolved = opened + timedelta(hours=5)
    past = Incident.objects.create(
        title="Ошибка оплаты картой / Card payments failing",
        description="Платёжный шлюз возвращал ошибку 502 на каждую оплату.",
        status=IncidentStatus.RESOLVED,
        created_by=lead,
        created_at=opened,
        resolved_at=resolved,
        post_incident_note=(
            "Причина: истёк TLS-сертификат платёжного шлюза. Исправлено: сертификат обновлён, "
            "добавлено оповещение за 30 дней до истечения. / Root cause: the payment gateway's "
            "TLS certificate expired. Fix: renewed; an alert now fires 30 days before expiry."
        ),
    )
    solved = list(
        Ticket.objects.filter(status__in=[Status.SOLVED, Status.CLOSED], created_at__lte=resolved)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    chosen = rng.sample(solved, min(6, len(solved)))
    IncidentTicket.objects.bulk_create(
        IncidentTicket(incident=past, ticket_id=pk, linked_by=lead, linked_at=opened)
        for pk in chosen
    )
    IncidentEvent.objects.bulk_create(
        [
            IncidentEvent(
                incident=past, kind=EventKind.OPENED, actor=lead, text=past.title, created_at=opened
            ),
            IncidentEvent(
                incident=past,
                kind=EventKind.LINKED,
                actor=lead,
                text=" ".join(f"#{pk}" for pk in chosen),
                created_at=opened + timedelta(minutes=20),
            ),
            IncidentEvent(incident=past, kind=EventKind.RESOLVED, actor=lead, created_at=resolved),
            IncidentEvent(
                incident=past,
                kind=EventKind.NOTE,
                actor=lead,
                text=past.post_incident_note,
                created_at=resolved + timedelta(days=1),
            ),
        ]
    )
    return (
        f"Seeded 2 incidents: an open outage with {outage.links.count()} linked tickets and a "
        f"portal banner, and a resolved one with its post-incident note"
    )
