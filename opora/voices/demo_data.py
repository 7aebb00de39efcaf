"""Demo outside voices: about thirty reviews and posts in Russian and English from review sites
and social networks, imported through the same adapter path as a CSV, with sentiment; a few
written by known customers (matched by e-mail)."""

import random
from datetime import datetime, timedelta

from opora.customers.models import Customer

from . import services
from .adapters import MentionDraft
from .models import Source

SOURCES = [
    ("yandex-maps", "Яндекс Карты"),
    ("otzovik", "Otzovik"),
    ("vk", "VK"),
    ("trustpilot", "Trustpilot"),
]
REVIEWS = [
    (
        "yandex-maps",
        "Мастер приехал точно в назначенное время и быстро заменил картридж. Спасибо!",
        5,
    ),
    ("yandex-maps", "Сервисный центр работает отлично, вежливые сотрудники.", 5),
    ("yandex-maps", "Ждали техника весь день, так и не приехал. Ужасно.", 1),
    ("yandex-maps", "Нормально, но долго ждал в очереди.", 3),
    ("otzovik", "Поддержка отвечает шаблонами, проблему не решили за две недели.", 1),
    ("otzovik", "Пользуюсь сервисом два года, всё стабильно и качественно.", 5),
    ("otzovik", "Оператор грубил, пришлось звонить трижды.", 1),
    ("otzovik", "Оперативно оформили гарантийный ремонт, рекомендую.", 5),
    ("otzovik", "Цены выше средних, но работа качественная.", 4),
    ("vk", "Опять не работает личный кабинет, сколько можно?", None),
    ("vk", "Спасибо Анне из поддержки, всё объяснила очень понятно!", None),
    ("vk", "Подскажите, есть ли сервис в Екатеринбурге?", None),
    ("vk", "После обновления принтер перестал печатать, поддержка молчит.", None),
    ("vk", "Быстро помогли настроить сеть в офисе, молодцы.", None),
    ("vk", "Заказал выезд мастера на пятницу.", None),
    ("yandex-maps", "Отвратительное отношение к клиентам, больше не обращусь.", 1),
    ("otzovik", "Лучший сервис в городе, приятно удивлён.", 5),
    ("trustpilot", "The engineer fixed our printer in twenty minutes. Great service!", 5),
    ("trustpilot", "Support never replied to my emails. Very disappointed.", 1),
    ("trustpilot", "Friendly staff and a quick turnaround on the warranty repair.", 5),
    ("trustpilot", "Waited three weeks for a replacement part. Terrible.", 1),
    ("trustpilot", "Good value, the app is easy to use.", 4),
    ("trustpilot", "The technician was late and rude.", 1),
    ("trustpilot", "Decent service overall, a bit slow on the phone.", 3),
    ("trustpilot", "Excellent help from John, he went above and beyond.", 5),
    ("vk", "Does anyone know the support hours on Saturday?", None),
    ("vk", "Huge thanks to the team for sorting out our network outage so fast!", None),
    ("vk", "Third outage this month, this is unacceptable.", None),
    ("trustpilot", "They charged me twice and it took a month to get a refund.", 1),
    ("otzovik", "Всё хорошо, но хотелось бы работу по выходным.", 4),
]


def seed(now: datetime) -> str:
    rng = random.Random(42)
    sources = {slug: Source.objects.create(slug=slug, name=name) for slug, name in SOURCES}
    known = list(Customer.objects.exclude(email="").order_by("pk").values_list("email", "name")[:5])
    drafts: dict[str, list[MentionDraft]] = {slug: [] for slug in sources}
    for index, (slug, text, rating) in enumerate(REVIEWS):
        email, name = known[index // 6] if index % 6 == 0 and index // 6 < len(known) else ("", "")
        drafts[slug].append(
            MentionDraft(
                text=text,
                published_at=now - timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 23)),
                external_id=f"{slug}-{index + 1}",
                author_name=name or f"user{rng.randint(100, 999)}",
                author_handle="" if name else f"@user{index + 1}",
                author_email=email,
                url=f"https://{slug}.example/review/{index + 1}",
                rating=rating,
            )
        )
    created = sum(
        services.import_mentions(sources[slug], batch).created for slug, batch in drafts.items()
    )
    return f"Seeded {created} outside mentions (ru/en) with sentiment from {len(sources)} sources"
