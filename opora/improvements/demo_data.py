"""Demo backlog: about ten items from every source (a ticket, contact-reason trends, a survey
comment, QA, a mystery-shopper audit, the ideas box, by hand), a safety issue that ranks
first, open ideas with colleagues' votes, and one finished fix whose before/after shows fewer
contacts and better CSAT for its reason.

For that last one the demo adds the spike of contacts that led to the fix: closed tickets with
the reason in the four weeks before completion (and their CSAT answers), as the core demo does
for its history."""

import random
from datetime import datetime, timedelta

from django.db.models import Count, Q

from opora.accounts.models import Role, SupportLine, Team, User
from opora.customers.models import Customer
from opora.feedback.models import Invitation, InvitationChannel, Response, Survey, SurveyKind
from opora.tickets.models import Channel, ContactReason, Message, Status, Ticket, TicketType

from . import services
from .models import Idea, IdeaVote, ItemStatus, SourceKind

EFFECT_DAYS = services.DEFAULT_EFFECT_DAYS

IDEAS = [
    (
        "ivan",
        "Показывать клиенту статус заказа в личном кабинете",
        "Треть звонков — «где мой заказ». Если статус будет виден в кабинете, звонить не придётся.",
        ["anna", "olga", "john", "dmitry"],
    ),
    (
        "anna",
        "Шаблон ответа про сроки возврата на английском",
        "Англоязычным клиентам сейчас пишем вручную.",
        ["john", "emma"],
    ),
    (
        "emma",
        "Предупреждать о включённом Caps Lock при входе",
        "Каждое пятое обращение о пароле — из-за Caps Lock.",
        ["ivan", "anna", "sergey"],
    ),
    ("sergey", "Чек-лист для выезда инженера", "Чтобы не забывать запчасти.", ["alex"]),
]


def _users() -> dict[str, User]:
    return {
        user.username: user for user in User.objects.filter(role__in=[Role.AGENT, Role.MANAGER])
    }


def _ideas(people: dict[str, User], lead: User, now: datetime) -> int:
    accepted = 0
    for index, (author, title, description, voters) in enumerate(IDEAS):
        if author not in people:
            continue
        idea = Idea.objects.create(
            author=people[author],
            title=title,
            description=description,
            created_at=now - timedelta(days=20 - index * 4),
        )
        IdeaVote.objects.bulk_create(
            [IdeaVote(idea=idea, voter=people[name]) for name in voters if name in people]
        )
        if index == 0:
            services.accept_idea(lead, idea, "Берём в работу с продуктовой командой")
            accepted += 1
    return accepted


def _fixed_reason_history(reason: ContactReason, completed: datetime, rng: random.Random) -> None:
    """The contacts that led to the fix: enough closed tickets with ``reason`` in the window
    before completion that the window after shows a clear drop, and their (poorer) CSAT."""
    before_start, after_end = (
        completed - timedelta(days=EFFECT_DAYS),
        completed + timedelta(days=EFFECT_DAYS),
    )
    counts = Ticket.objects.filter(reason=reason).aggregate(
        before=Count("pk", filter=Q(created_at__gte=before_start, created_at__lt=completed)),
        after=Count("pk", filter=Q(created_at__gte=completed, created_at__lt=after_end)),
    )
    extra = max(0, 2 * counts["after"] - counts["before"] + 12)
    team = Team.objects.filter(line=SupportLine.FIRST).first()
    agents = list(User.objects.filter(role=Role.AGENT, teams=team)) or [None]
    customers = list(Customer.objects.order_by("pk")[:200])
    tickets = Ticket.objects.bulk_create(
        [
            Ticket(
                subject=f"{reason.name}: снова не работает",
                customer=(customer := rng.choice(customers)),
                organisation=customer.organisation,
                channel=Channel.EMAIL,
                status=Status.CLOSED,
                type=TicketType.INCIDENT,
                reason=reason,
                team=team,
                assignee=rng.choice(agents),
                resolution_code="known_issue",
                created_at=(
                    moment := before_start + timedelta(minutes=rng.randrange(EFFECT_DAYS * 1440))
                ),
                solved_at=moment + timedelta(hours=6),
                closed_at=moment + timedelta(days=3),
            )
            for _ in range(extra)
        ]
    )
    Message.objects.bulk_create(
        [
            Message(
                ticket=ticket,
                channel=ticket.channel,
                author_customer=ticket.customer,
                body="Опять та же ошибка, что и на прошлой неделе.",
                created_at=ticket.created_at,
            )
            for ticket in tickets
        ]
    )
    survey = Survey.objects.filter(kind=SurveyKind.CSAT, is_active=True).first()
    version = survey.current_version() if survey else None
    if version is None:
        return
    answered = [ticket for ticket in tickets if rng.random() < 0.4]
    invitations = Invitation.objects.bulk_create(
        [
            Invitation(
                version=version,
                customer=ticket.customer,
                ticket=ticket,
                channel=InvitationChannel.EMAIL,
                created_at=ticket.solved_at,
                sent_at=ticket.solved_at,
                expires_at=ticket.solved_at + timedelta(days=14),
                answered_at=ticket.solved_at + timedelta(hours=2),
            )
            for ticket in answered
        ]
    )
    Response.objects.bulk_create(
        [
            Response(
                invitation=invitation,
                version=version,
                kind=SurveyKind.CSAT,
                score=rng.choice([1, 2, 2, 3, 3, 4, 5]),
                answers={},
                comment="",
                created_at=invitation.answered_at,
                completed_at=invitation.answered_at,
            )
            for invitation in invitations
        ]
    )


def seed(now: datetime) -> str:
    rng = random.Random(42)
    people = _users()
    lead = User.objects.filter(role=Role.MANAGER).order_by("pk").first()
    if lead is None:
        return ""
    recent = now - timedelta(days=30)
    reasons = list(
        ContactReason.objects.filter(parent__isnull=False)
        .annotate(volume=Count("tickets", filter=Q(tickets__created_at__gte=recent)))
        .order_by("-volume", "pk")
        .select_related("parent")
    )
    if len(reasons) < 5:
        return ""

    # A safety issue from a ticket: low on everything else, still first in the backlog.
    ticket = (
        Ticket.objects.filter(reason=reasons[-1]).order_by("pk").first() or Ticket.objects.first()
    )
    services.create_item(
        SourceKind.TICKET,
        ticket.pk,
        "Блок питания терминала перегревается — предупредить клиентов и заменить партию",
        description="Клиент сообщил о запахе гари от блока питания. Проверить партию и разослать предупреждение.",
        created_by=lead,
        tickets=[ticket],
        reasons=[ticket.reason] if ticket.reason_id else [],
        ratings={"safety": 5, "scale": 1, "urgency": 3},
        owner_name="Пётр Алексеев",
        owner_department="Производство",
        status=ItemStatus.IN_PROGRESS,
    )
    # The biggest contact reasons, frequency derived from the tickets linked to them.
    for index, reason in enumerate(reasons[:3]):
        linked = list(
            Ticket.objects.filter(reason=reason).order_by("-created_at")[: 60 - index * 25]
        )
        services.create_item(
            SourceKind.REASON_TREND,
            reason.pk,
            f"Меньше обращений: «{reason.name}»",
            created_by=lead,
            tickets=linked,
            reasons=[reason],
            ratings={
                "frequency": None,
                "scale": 4 - index,
                "urgency": 3,
                "segment": 2,
                "prevention": 4,
                "brand": 2,
                "strategy": 3,
            },
            owner=people.get("dmitry") if index == 0 else None,
            owner_department="Продукт" if index else "",
            status=ItemStatus.ACCEPTED,
        )
    response = (
        Response.objects.filter(
            kind=SurveyKind.CSAT, score__lte=2, invitation__ticket__isnull=False
        )
        .exclude(comment="")
        .select_related("invitation__ticket")
        .order_by("pk")
        .first()
    )
    if response is not None:
        ticket = response.invitation.ticket
        services.create_item(
            SourceKind.SURVEY,
            response.pk,
            "Клиенты ждут ответа слишком долго",
            description=response.comment,
            created_by=lead,
            tickets=[ticket],
            reasons=[ticket.reason] if ticket.reason_id else [],
            ratings={"scale": 3, "urgency": 3, "brand": 4, "strategy": 3},
        )
    services.create_item(
        SourceKind.QA,
        "scorecard-2026-11",
        "Агенты пропускают проверку личности при звонке",
        description="Выборка QA: в 6 из 40 звонков не проверены идентификаторы клиента.",
        created_by=lead,
        ratings={"scale": 2, "urgency": 4, "prevention": 4, "brand": 4, "strategy": 2},
        owner=lead,
        status=ItemStatus.ACCEPTED,
    )
    services.create_item(
        SourceKind.AUDIT,
        "wave-2026-q4/moscow",
        "В офисе продаж не знают условий расширенной гарантии",
        description="Тайный покупатель, волна IV квартала: 3 из 5 консультантов ошиблись в сроках.",
        created_by=lead,
        ratings={
            "scale": 2,
            "urgency": 2,
            "segment": 3,
            "prevention": 3,
            "brand": 3,
            "strategy": 2,
        },
        owner_name="Елена Кравец",
        owner_department="Обучение",
    )
    services.create_item(
        SourceKind.MANUAL,
        "",
        "Единый номер заказа в письмах и в кабинете",
        created_by=lead,
        ratings={
            "scale": 3,
            "urgency": 1,
            "segment": 2,
            "prevention": 3,
            "brand": 2,
            "strategy": 5,
        },
        owner_department="ИТ",
    )
    # A finished fix: equal windows either side of its completion show the drop.
    fixed_reason = reasons[3]
    completed = now - timedelta(days=EFFECT_DAYS)
    _fixed_reason_history(fixed_reason, completed, rng)
    done = services.create_item(
        SourceKind.REASON_TREND,
        fixed_reason.pk,
        f"Исправить причину обращений «{fixed_reason.name}»",
        created_by=lead,
        reasons=[fixed_reason],
        tickets=Ticket.objects.filter(reason=fixed_reason, created_at__lt=completed).order_by(
            "-created_at"
        )[:30],
        ratings={"scale": 3, "urgency": 3, "prevention": 5, "brand": 2, "strategy": 3},
        owner_department="Разработка",
        status=ItemStatus.DONE,
    )
    done.created_at, done.completed_at = completed - timedelta(days=40), completed
    done.save(update_fields=["created_at", "completed_at"])
    accepted = _ideas(people, lead, now)
    items = services.visible_items(lead).count()
    return f"Seeded an improvement backlog of {items} items and {len(IDEAS)} ideas ({accepted} accepted)"
