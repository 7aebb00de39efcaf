"""Realistic demo data: a support company with three lines, customers in Russian and English,
and 90 days of tickets with message threads. Deterministic for a given seed."""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module

from django.apps import apps
from django.db import transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from opora.accounts.models import ApiToken, Role, SupportLine, Team, User
from opora.automation.models import (
    AgentStatus,
    Automation,
    Availability,
    Macro,
    RoutingRule,
    Strategy,
    TeamRouting,
)
from opora.customers.models import Customer, Organisation, OrganisationKind, Tier
from opora.mail.models import Mailbox
from opora.sla import services as sla_services
from opora.sla.models import BusinessCalendar, SlaPolicy
from opora.tickets.models import (
    UNSOLVED_STATUSES,
    AuditAction,
    AuditEvent,
    CannedResponse,
    Channel,
    ContactReason,
    CustomField,
    CustomFieldKind,
    Message,
    MessageKind,
    Priority,
    ResolutionCode,
    Status,
    Tag,
    Ticket,
    TicketType,
)
from opora.tickets.services import Actor

DEMO_PASSWORD = "opora-demo"
DEMO_MAILBOX = "support@opora.localhost"
DEMO_SMTP_PORT = 2525

TEAMS = [
    ("Первая линия", SupportLine.FIRST, "Все обращения клиентов"),
    ("Вторая линия", SupportLine.SECOND, "Сложные технические вопросы, оплата"),
    ("Третья линия (инженеры)", SupportLine.THIRD, "Ошибки продукта, оборудование"),
]

# username, first, last, role, team index, language
STAFF = [
    ("admin", "Ольга", "Админова", Role.ADMIN, None, "ru"),
    ("lead", "Марина", "Руководова", Role.MANAGER, 0, "ru"),
    ("anna", "Анна", "Смирнова", Role.AGENT, 0, "ru"),
    ("ivan", "Иван", "Кузнецов", Role.AGENT, 0, "ru"),
    ("olga", "Ольга", "Попова", Role.AGENT, 0, "ru"),
    ("john", "John", "Carter", Role.AGENT, 0, "en"),
    ("dmitry", "Дмитрий", "Васильев", Role.AGENT, 1, "ru"),
    ("emma", "Emma", "Wilson", Role.AGENT, 1, "en"),
    ("sergey", "Сергей", "Петров", Role.AGENT, 2, "ru"),
    ("alex", "Алексей", "Соколов", Role.AGENT, 2, "ru"),
    ("nina", "Нина", "Морозова", Role.LIGHT_AGENT, 1, "ru"),
]

RU_FIRST = [
    "Александр",
    "Мария",
    "Дмитрий",
    "Елена",
    "Сергей",
    "Наталья",
    "Андрей",
    "Ирина",
    "Алексей",
    "Татьяна",
    "Максим",
    "Светлана",
    "Павел",
    "Юлия",
    "Николай",
    "Ксения",
    "Михаил",
    "Анастасия",
    "Егор",
    "Вера",
]
RU_LAST_M = [
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
]
EN_FIRST = [
    "James",
    "Olivia",
    "William",
    "Emma",
    "Henry",
    "Sophia",
    "Jack",
    "Amelia",
    "Thomas",
    "Isla",
]
EN_LAST = [
    "Smith",
    "Johnson",
    "Brown",
    "Taylor",
    "Anderson",
    "Clark",
    "Walker",
    "Hall",
    "Young",
    "King",
]
RU_FEMALE = {
    "Мария",
    "Елена",
    "Наталья",
    "Ирина",
    "Татьяна",
    "Светлана",
    "Юлия",
    "Ксения",
    "Анастасия",
    "Вера",
}

ORGANISATIONS = [
    ("ООО «Ромашка»", "romashka.ru", Tier.STANDARD),
    ("АО «СеверТех»", "severtech.ru", Tier.BUSINESS),
    ("ООО «Вектор Логистик»", "vector-log.ru", Tier.STANDARD),
    ("ПАО «Уралмаш-Сервис»", "uralservice.ru", Tier.VIP),
    ("ООО «Пекарня Хлебница»", "hlebnica.ru", Tier.STANDARD),
    ("ИП Соколова А. В.", "sokolova-ip.ru", Tier.STANDARD),
    ("ООО «Медицинский центр Здоровье»", "zdorovie-med.ru", Tier.BUSINESS),
    ("АО «Волга Телеком»", "volgatel.ru", Tier.VIP),
    ("ООО «Книжный дом»", "knigodom.ru", Tier.STANDARD),
    ("ООО «ТрансСибирь»", "transsib.ru", Tier.BUSINESS),
    ("ООО «Школа Знаний»", "znaniya-school.ru", Tier.STANDARD),
    ("ООО «Аптека Плюс»", "aptekaplus.ru", Tier.STANDARD),
    ("Northwind Traders Ltd", "northwind.example", Tier.BUSINESS),
    ("Blue Harbor Hotels", "blueharbor.example", Tier.VIP),
    ("Greenfield Farms", "greenfield.example", Tier.STANDARD),
    ("Atlas Engineering GmbH", "atlas-eng.example", Tier.BUSINESS),
    ("ООО «Кофейня на углу»", "coffee-corner.ru", Tier.STANDARD),
    ("АО «Энергосбыт Юг»", "energo-yug.ru", Tier.BUSINESS),
    ("ООО «Строймаркет»", "stroymarket.ru", Tier.STANDARD),
    ("Lakeside Clinic", "lakeside.example", Tier.STANDARD),
]

# (ru, en) parent -> children, each child with (ru subject, en subject, ru body, en body, type)
REASONS = {
    ("Оплата и счета", "Billing"): [
        (
            "Возврат средств",
            "Refund",
            "Прошу вернуть деньги за заказ",
            "Please refund my order",
            "Добрый день! Оплатил заказ дважды, прошу вернуть лишнее списание.",
            "Hello, I was charged twice for my order, please refund the extra charge.",
            TicketType.SERVICE_REQUEST,
        ),
        (
            "Закрывающие документы",
            "Invoices and documents",
            "Нужен счёт-фактура за октябрь",
            "Need the invoice for October",
            "Пришлите, пожалуйста, счёт-фактуру и акт за прошлый месяц.",
            "Could you send the invoice and the statement for last month?",
            TicketType.SERVICE_REQUEST,
        ),
        (
            "Не прошла оплата",
            "Payment failed",
            "Не проходит оплата картой",
            "Card payment fails",
            "При оплате картой появляется ошибка «Платёж отклонён», хотя деньги на карте есть.",
            "Paying by card shows 'Payment declined' although the card is fine.",
            TicketType.INCIDENT,
        ),
    ],
    ("Доступ и учётная запись", "Access and account"): [
        (
            "Сброс пароля",
            "Password reset",
            "Не могу войти, забыл пароль",
            "Cannot log in, forgot my password",
            "Письмо для восстановления пароля не приходит. Проверил папку «Спам».",
            "The password reset e-mail never arrives. I checked the spam folder.",
            TicketType.QUESTION,
        ),
        (
            "Доступ для сотрудника",
            "Access for a colleague",
            "Добавьте доступ новому сотруднику",
            "Please add access for a new colleague",
            "У нас новый бухгалтер, нужно выдать ему доступ к личному кабинету.",
            "We have a new accountant; please give her access to our account.",
            TicketType.SERVICE_REQUEST,
        ),
    ],
    ("Работа продукта", "Product"): [
        (
            "Поиск",
            "Search",
            "Поиск не находит товары",
            "Search does not find products",
            "Поиск по каталогу ничего не находит по слову «кабель», хотя товары есть.",
            "Catalogue search finds nothing for 'cable' although the items exist.",
            TicketType.INCIDENT,
        ),
        (
            "Синхронизация",
            "Sync",
            "Данные не синхронизируются",
            "Data does not sync",
            "Со вчерашнего дня заказы из 1С не попадают в систему.",
            "Since yesterday, orders from our ERP do not appear in the system.",
            TicketType.INCIDENT,
        ),
        (
            "Приложение падает",
            "App crashes",
            "Приложение закрывается при запуске",
            "The app closes on start",
            "После обновления мобильное приложение сразу закрывается на Android 14.",
            "After the update the mobile app closes immediately on Android 14.",
            TicketType.INCIDENT,
        ),
        (
            "Как сделать",
            "How-to",
            "Как выгрузить отчёт в Excel?",
            "How do I export a report to Excel?",
            "Подскажите, где в интерфейсе выгрузка отчёта по продажам в Excel?",
            "Where in the interface can I export the sales report to Excel?",
            TicketType.QUESTION,
        ),
    ],
    ("Оборудование", "Hardware"): [
        (
            "Не включается",
            "Does not power on",
            "Терминал не включается",
            "The terminal does not power on",
            "Кассовый терминал перестал включаться после отключения электричества.",
            "Our POS terminal stopped powering on after a power cut.",
            TicketType.INCIDENT,
        ),
        (
            "Гарантийный ремонт",
            "Warranty repair",
            "Гарантийный ремонт принтера",
            "Warranty repair for the printer",
            "Принтер чеков печатает полосами, он на гарантии. Как отправить в ремонт?",
            "The receipt printer prints stripes; it is under warranty. How do I send it for repair?",
            TicketType.SERVICE_REQUEST,
        ),
    ],
    ("Доставка", "Delivery"): [
        (
            "Задержка доставки",
            "Late delivery",
            "Где мой заказ?",
            "Where is my order?",
            "Заказ должны были привезти три дня назад, статус не меняется.",
            "My order was due three days ago and its status has not changed.",
            TicketType.COMPLAINT,
        ),
    ],
    ("Отзывы и предложения", "Feedback"): [
        (
            "Жалоба на обслуживание",
            "Service complaint",
            "Жалоба на долгий ответ",
            "Complaint about slow answers",
            "Жду ответа уже неделю, никто не отвечает. Очень недоволен.",
            "I have waited a week for an answer. Very unhappy.",
            TicketType.COMPLAINT,
        ),
        (
            "Предложение",
            "Suggestion",
            "Предложение: тёмная тема",
            "Suggestion: a dark theme",
            "Было бы удобно, если бы в приложении была тёмная тема.",
            "It would be great to have a dark theme in the app.",
            TicketType.SUGGESTION,
        ),
    ],
}

AGENT_REPLIES_RU = [
    "Здравствуйте, {name}! Спасибо за обращение. Уже разбираемся, вернусь с ответом сегодня.",
    "{name}, добрый день! Проверили: проблема на нашей стороне, исправление уже применено. Проверьте, пожалуйста.",
    "Здравствуйте! Уточните, пожалуйста, номер заказа и точное время, когда возникла ошибка.",
    "{name}, всё готово. Если вопрос решён, ничего отвечать не нужно — обращение закроется автоматически.",
]
AGENT_REPLIES_EN = [
    "Hello {name}, thank you for reaching out. We are looking into it and will get back to you today.",
    "Hi {name}, we checked: the problem was on our side and a fix has been applied. Could you please check?",
    "Hello! Could you tell us the order number and the exact time the error appeared?",
    "{name}, all done. If this solves it there is no need to reply; the request will close automatically.",
]
CUSTOMER_FOLLOW_UPS_RU = [
    "Спасибо, всё заработало!",
    "Номер заказа 48213, ошибка была около 14:00.",
    "Проблема повторилась сегодня утром.",
]
CUSTOMER_FOLLOW_UPS_EN = [
    "Thanks, it works now!",
    "Order number 48213, the error was around 2 pm.",
    "It happened again this morning.",
]
NOTES = [
    "Проверил логи — ошибка 502 на шлюзе оплаты.",
    "Похоже на известную проблему, см. связанный тикет.",
    "Клиент VIP, держу на контроле.",
    "Checked with billing, refund approved.",
]

CHANNEL_WEIGHTS = [
    (Channel.EMAIL, 40),
    (Channel.PORTAL, 15),
    (Channel.WEB, 10),
    (Channel.CHAT, 20),
    (Channel.PHONE, 12),
    (Channel.TELEGRAM, 3),
]
PRIORITY_WEIGHTS = [
    (Priority.LOW, 15),
    (Priority.NORMAL, 60),
    (Priority.HIGH, 20),
    (Priority.URGENT, 5),
]


@dataclass
class DemoSummary:
    users: int
    customers: int
    organisations: int
    tickets: int
    messages: int
    api_token: str


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _working_time(rng: random.Random, day: datetime) -> datetime:
    """Contacts cluster in office hours, with a lunchtime dip and some evening traffic."""
    hour = rng.choices(
        range(24),
        weights=[1, 1, 1, 1, 1, 2, 4, 8, 14, 18, 18, 16, 12, 15, 17, 16, 14, 11, 8, 6, 5, 4, 2, 1],
    )[0]
    return day.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))


def _start_sla_clocks(tickets: list[Ticket]) -> None:
    """Policies as a support manager would set them, and live clocks on every unsolved ticket,
    fed through the same SLA services as real traffic."""
    office = BusinessCalendar.objects.create(
        name="Офис Москва, пн–пт 9–18",
        time_zone="Europe/Moscow",
        weekly_hours={
            day: [["09:00", "18:00"]]
            for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
        },
        country="RU",
    )
    SlaPolicy.objects.create(
        name="Срочные и высокий приоритет",
        position=10,
        conditions={"priorities": ["urgent", "high"]},
        first_response_minutes=60,
        next_response_minutes=120,
        resolution_minutes=8 * 60,
        calendar=office,
    )
    SlaPolicy.objects.create(
        name="VIP-клиенты",
        position=20,
        conditions={"tiers": ["vip"]},
        first_response_minutes=2 * 60,
        next_response_minutes=4 * 60,
        resolution_minutes=2 * 9 * 60,
        calendar=office,
    )
    SlaPolicy.objects.create(
        name="Стандарт: ответ за 24 часа",
        position=100,
        conditions={},
        first_response_minutes=24 * 60,
        next_response_minutes=24 * 60,
        resolution_minutes=5 * 24 * 60,
    )
    unsolved = Ticket.objects.filter(
        pk__in=[t.pk for t in tickets], status__in=UNSOLVED_STATUSES
    ).select_related("customer", "customer__organisation", "organisation", "reason", "assignee")
    for ticket in unsolved:
        sla_services.start_clock(ticket)
        first_reply = ticket.messages.filter(
            author_user__isnull=False, kind=MessageKind.REPLY
        ).first()
        if first_reply is not None:
            sla_services.record_message(ticket, first_reply, Actor(user=first_reply.author_user))
        if ticket.status == Status.PENDING:
            sla_services.record_change(ticket, {"status": (Status.OPEN, Status.PENDING)})


def _set_up_routing_and_automation(teams: list[Team], staff: list[User], reasons: list) -> None:
    """New tickets find their team and agent as a lead would set it up; rules are data, as in the admin."""
    first_line, second_line, third_line = teams
    reason_ids = {reason.name_en: reason.pk for reason, _texts in reasons}
    RoutingRule.objects.create(
        name="Оборудование — инженерам",
        position=10,
        team=third_line,
        conditions={"reason_ids": [reason_ids["Does not power on"], reason_ids["Warranty repair"]]},
    )
    RoutingRule.objects.create(
        name="Оплата и возвраты — вторая линия",
        position=20,
        team=second_line,
        conditions={"keywords": ["возврат", "refund", "счёт", "invoice", "оплата"]},
    )
    RoutingRule.objects.create(
        name="VIP — высокий приоритет",
        position=30,
        team=first_line,
        priority=Priority.HIGH,
        conditions={"tiers": ["vip"]},
    )
    TeamRouting.objects.create(
        team=first_line, strategy=Strategy.ROUND_ROBIN, max_open_tickets_per_agent=40
    )
    TeamRouting.objects.create(
        team=second_line, strategy=Strategy.LEAST_LOAD, max_open_tickets_per_agent=30
    )
    TeamRouting.objects.create(team=third_line, strategy=Strategy.MANUAL)
    AgentStatus.objects.bulk_create(
        [
            AgentStatus(user=user, status=Availability.ONLINE)
            for user in staff
            if user.role == Role.AGENT
        ]
    )
    Automation.objects.create(
        name="Ждём клиента 5 дней → решено",
        position=10,
        status=Status.PENDING,
        hours=5 * 24,
        actions=[
            {
                "type": "reply",
                "body": "{{ customer.first_name }}, мы не получили ответа и закрываем обращение. Если вопрос остался — просто ответьте на это письмо.",
            },
            {"type": "set_field", "field": "status", "value": "solved"},
        ],
    )
    Macro.objects.create(
        name="Сброс пароля: инструкция и ждём ответа",
        team=first_line,
        actions=[
            {
                "type": "reply",
                "body": "{{ customer.first_name }}, откройте страницу входа и нажмите «Забыли пароль?». Письмо приходит в течение 5 минут. Напишите, получилось ли.",
            },
            {"type": "set_field", "field": "status", "value": "pending"},
        ],
    )
    Macro.objects.create(
        name="Передать инженерам как инцидент",
        actions=[
            {"type": "set_field", "field": "type", "value": "incident"},
            {"type": "set_field", "field": "team", "value": third_line.pk},
            {"type": "add_tag", "tag": "инженеры"},
        ],
    )


def seed_app_demo_data(now: datetime | None = None) -> list[str]:
    """Areas seed their own demo data: an app may ship `demo_data.py` with
    `seed(now: datetime) -> str`, called after the core data in INSTALLED_APPS order (so an area
    can build on the ones listed before it). Each returns a line for the newcomer."""
    now = now or timezone.now()
    lines = []
    for config in apps.get_app_configs():
        if not config.name.startswith("opora."):
            continue
        try:
            module = import_module(f"{config.name}.demo_data")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.demo_data":
                raise
            continue
        with transaction.atomic():
            line = module.seed(now)
        if line:
            lines.append(line)
    return lines


def already_seeded() -> bool:
    return User.objects.filter(username="admin").exists()


@transaction.atomic
def seed_demo(
    *,
    tickets: int = 2000,
    customers: int = 200,
    days: int = 90,
    seed: int = 42,
    now: datetime | None = None,
) -> DemoSummary:
    rng = random.Random(seed)
    now = now or timezone.now()
    local_now = timezone.localtime(now)

    teams = [
        Team.objects.create(name=name, line=line, area=area, is_default=(line == SupportLine.FIRST))
        for name, line, area in TEAMS
    ]
    staff: list[User] = []
    for username, first, last, role, team_index, language in STAFF:
        user = User(
            username=username,
            first_name=first,
            last_name=last,
            role=role,
            language=language,
            email=f"{username}@opora.localhost",
            is_staff=role in {Role.ADMIN, Role.MANAGER},
            is_superuser=role == Role.ADMIN,
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        if team_index is not None:
            teams[team_index].members.add(user)
        staff.append(user)
    lead = next(user for user in staff if user.role == Role.MANAGER)
    for team in teams:
        team.lead = lead
        team.save(update_fields=["lead"])
    lead.teams.add(*teams)
    agents_by_team = {
        team.pk: [u for u in staff if u.role == Role.AGENT and team in u.teams.all()]
        for team in teams
    }

    organisations = [
        Organisation.objects.create(
            name=name,
            domain=domain,
            tier=tier,
            kind=OrganisationKind.B2B,
            shared_tickets=index % 3 == 0,
            inn=f"{7700000000 + index * 7919:010d}" if domain.endswith(".ru") else "",
        )
        for index, (name, domain, tier) in enumerate(ORGANISATIONS)
    ]
    customer_rows = []
    for index in range(customers):
        organisation = organisations[index % len(organisations)] if index % 10 else None
        english = bool(organisation and not organisation.domain.endswith(".ru")) or index % 17 == 0
        if english:
            first, last = rng.choice(EN_FIRST), rng.choice(EN_LAST)
            name, language, translit = f"{first} {last}", "en", f"{first}.{last}".lower()
        else:
            first, last = rng.choice(RU_FIRST), rng.choice(RU_LAST_M)
            if first in RU_FEMALE:
                last = last + "а"
            name, language, translit = f"{first} {last}", "ru", f"client{index}"
        domain = (
            organisation.domain
            if organisation
            else rng.choice(["mail.ru", "yandex.ru", "gmail.com"])
        )
        customer_rows.append(
            Customer(
                name=name,
                email=f"{translit}.{index}@{domain}",
                phone=f"+7 9{rng.randrange(10, 99)} {rng.randrange(100, 999)}-{rng.randrange(10, 99)}-{rng.randrange(10, 99)}",
                organisation=organisation,
                language=language,
                tier=Tier.VIP if index % 37 == 0 else Tier.STANDARD,
                external_id=f"Д-{10000 + index}",
                time_zone="Europe/London"
                if english and organisation
                else rng.choice(["Europe/Moscow", "Asia/Yekaterinburg", "Asia/Novosibirsk"]),
            )
        )
    all_customers = Customer.objects.bulk_create(customer_rows)

    # Two portal logins so a newcomer can see the customer side as well.
    for customer, username in ((all_customers[1], "client"), (all_customers[2], "client2")):
        user = User(
            username=username,
            email=customer.email,
            first_name=customer.name,
            role=Role.CUSTOMER,
            language=customer.language,
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        customer.user = user
        customer.save(update_fields=["user"])

    reasons = []
    for (parent_ru, parent_en), children in REASONS.items():
        parent = ContactReason.objects.create(name=parent_ru, name_en=parent_en)
        for child in children:
            reasons.append(
                (
                    ContactReason.objects.create(name=child[0], name_en=child[1], parent=parent),
                    child,
                )
            )
    tags = [
        Tag.objects.create(name=name)
        for name in ("vip", "повтор", "ошибка-оплаты", "android", "1c", "warranty")
    ]
    CustomField.objects.create(
        key="order_number", name="Номер заказа", name_en="Order number", kind=CustomFieldKind.TEXT
    )
    CustomField.objects.create(
        key="contract_plan",
        name="Тариф",
        name_en="Plan",
        kind=CustomFieldKind.CHOICE,
        choices=["Базовый", "Бизнес", "Корпоративный"],
    )
    CannedResponse.objects.create(
        title="Приветствие",
        body="Здравствуйте, {{ customer.first_name }}!\n\nСпасибо за обращение #{{ ticket.number }}. ",
    )
    CannedResponse.objects.create(
        title="Greeting (EN)",
        language="en",
        body="Hello {{ customer.first_name }},\n\nThank you for contacting us about “{{ ticket.subject }}”. ",
    )
    CannedResponse.objects.create(
        title="Сброс пароля: инструкция",
        team=teams[0],
        body="{{ customer.first_name }}, чтобы сбросить пароль, откройте страницу входа и нажмите «Забыли пароль?». Письмо приходит в течение 5 минут.\n\n{{ agent.first_name }}, служба поддержки",
    )

    ticket_rows, plans = [], []
    for _index in range(tickets):
        age_days = min(days - 1, int(rng.expovariate(1 / 30)))
        day = (local_now - timedelta(days=age_days)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        created = min(_working_time(rng, day), now - timedelta(minutes=rng.randrange(5, 600)))
        customer = rng.choice(all_customers)
        reason, (_ru_reason, _en_reason, ru_subject, en_subject, ru_body, en_body, ticket_type) = (
            rng.choice(reasons)
        )
        english = customer.language == "en"
        team = teams[0] if rng.random() < 0.7 else (teams[1] if rng.random() < 0.7 else teams[2])
        age = now - created
        if age > timedelta(days=7):
            status = _weighted(
                rng,
                [
                    (Status.CLOSED, 70),
                    (Status.SOLVED, 25),
                    (Status.ON_HOLD, 2),
                    (Status.PENDING, 3),
                ],
            )
        elif age > timedelta(days=1):
            status = _weighted(
                rng,
                [
                    (Status.SOLVED, 45),
                    (Status.OPEN, 20),
                    (Status.PENDING, 20),
                    (Status.ON_HOLD, 5),
                    (Status.NEW, 10),
                ],
            )
        else:
            status = _weighted(
                rng, [(Status.NEW, 45), (Status.OPEN, 35), (Status.PENDING, 15), (Status.SOLVED, 5)]
            )
        assignee = (
            None
            if status == Status.NEW
            else rng.choice(agents_by_team[team.pk] or agents_by_team[teams[0].pk])
        )
        solved = status in {Status.SOLVED, Status.CLOSED}
        ticket_rows.append(
            Ticket(
                subject=en_subject if english else ru_subject,
                customer=customer,
                organisation=customer.organisation,
                channel=_weighted(rng, CHANNEL_WEIGHTS),
                status=status,
                priority=_weighted(rng, PRIORITY_WEIGHTS),
                type=ticket_type,
                reason=reason,
                team=team,
                assignee=assignee,
                created_at=created,
                product=rng.choice(["Опора Касса", "Опора Облако", "Мобильное приложение", ""]),
                resolution_code=rng.choice(list(ResolutionCode.values))
                if solved and ticket_type == TicketType.INCIDENT
                else "",
                reopen_count=1 if solved and rng.random() < 0.06 else 0,
            )
        )
        plans.append((en_body if english else ru_body, english))
    created_tickets = Ticket.objects.bulk_create(ticket_rows, batch_size=500)

    message_rows, event_rows, tag_rows = [], [], []
    for ticket, (body, english) in zip(created_tickets, plans, strict=True):
        moment = ticket.created_at
        message_rows.append(
            Message(
                ticket=ticket,
                channel=ticket.channel,
                author_customer=ticket.customer,
                body=body,
                created_at=moment,
            )
        )
        event_rows.append(
            AuditEvent(
                ticket=ticket,
                actor_customer=ticket.customer,
                via=ticket.channel,
                action=AuditAction.CREATED,
                new_value=ticket.subject,
                created_at=moment,
            )
        )
        if ticket.assignee_id:
            delay = timedelta(minutes=rng.choice([3, 10, 25, 45, 90, 240, 600, 1500]))
            # A ticket from an hour ago cannot have had a reply after ten hours.
            first_reply = moment + min(delay, (now - moment) / 2)
            replies = AGENT_REPLIES_EN if english else AGENT_REPLIES_RU
            follow_ups = CUSTOMER_FOLLOW_UPS_EN if english else CUSTOMER_FOLLOW_UPS_RU
            first_name = ticket.customer.name.split()[0]
            message_rows.append(
                Message(
                    ticket=ticket,
                    channel=ticket.channel,
                    author_user=ticket.assignee,
                    body=rng.choice(replies[:3]).format(name=first_name),
                    created_at=first_reply,
                )
            )
            event_rows.append(
                AuditEvent(
                    ticket=ticket,
                    actor=ticket.assignee,
                    action=AuditAction.CHANGED,
                    field="assignee",
                    new_value=str(ticket.assignee),
                    created_at=first_reply - timedelta(seconds=30),
                )
            )
            ticket.first_response_at = first_reply
            if rng.random() < 0.25:
                message_rows.append(
                    Message(
                        ticket=ticket,
                        channel=Channel.WEB,
                        kind=MessageKind.NOTE,
                        author_user=ticket.assignee,
                        body=rng.choice(NOTES),
                        created_at=first_reply + timedelta(minutes=5),
                    )
                )
            last = first_reply
            if rng.random() < 0.5 or ticket.reopen_count:
                last = first_reply + timedelta(hours=rng.randrange(1, 20))
                message_rows.append(
                    Message(
                        ticket=ticket,
                        channel=ticket.channel,
                        author_customer=ticket.customer,
                        body=rng.choice(follow_ups),
                        created_at=last,
                    )
                )
                last = last + timedelta(minutes=rng.randrange(10, 300))
                message_rows.append(
                    Message(
                        ticket=ticket,
                        channel=ticket.channel,
                        author_user=ticket.assignee,
                        body=replies[3].format(name=first_name),
                        created_at=last,
                    )
                )
            if ticket.status in {Status.SOLVED, Status.CLOSED}:
                ticket.solved_at = last + timedelta(minutes=1)
                event_rows.append(
                    AuditEvent(
                        ticket=ticket,
                        actor=ticket.assignee,
                        action=AuditAction.CHANGED,
                        field="status",
                        old_value=Status.OPEN,
                        new_value=Status.SOLVED,
                        created_at=ticket.solved_at,
                    )
                )
                if ticket.status == Status.CLOSED:
                    ticket.closed_at = ticket.solved_at + timedelta(days=4)
        if rng.random() < 0.2:
            tag_rows.append(Ticket.tags.through(ticket=ticket, tag=rng.choice(tags)))
    Message.objects.bulk_create([m for m in message_rows if m.created_at <= now], batch_size=1000)
    AuditEvent.objects.bulk_create([e for e in event_rows if e.created_at <= now], batch_size=1000)
    Ticket.tags.through.objects.bulk_create(tag_rows, batch_size=1000)
    Ticket.objects.bulk_update(
        created_tickets, ["first_response_at", "solved_at", "closed_at"], batch_size=500
    )
    # updated_at is auto_now, so it is set from the newest message in one statement afterwards.
    latest = (
        Message.objects.filter(ticket=OuterRef("pk"))
        .values("ticket")
        .annotate(at=Max("created_at"))
        .values("at")
    )
    Ticket.objects.update(updated_at=Subquery(latest))

    Mailbox.objects.create(address=DEMO_MAILBOX, name="Опора — поддержка", team=teams[0])
    _start_sla_clocks(created_tickets)
    _set_up_routing_and_automation(teams, staff, reasons)
    _token, raw_token = ApiToken.issue(staff[0], "demo")
    return DemoSummary(
        users=User.objects.count(),
        customers=Customer.objects.count(),
        organisations=Organisation.objects.count(),
        tickets=Ticket.objects.count(),
        messages=Message.objects.count(),
        api_token=raw_token,
    )
