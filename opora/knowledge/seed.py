"""The demo knowledge base: ~30 articles (Russian and English, linked as translations) in the
categories of the demo's contact reasons. Used by `opora seed_knowledge`; safe to run twice."""

import struct
import zlib
from dataclasses import dataclass

from django.db import transaction
from django.utils.html import escape
from django.utils.translation import gettext as _

from opora.accounts.models import User
from opora.tickets.attachments import IncomingFile
from opora.tickets.models import ContactReason

from . import search, services
from .models import Article, ArticleStatus, Category, Section, Visibility

CATEGORIES = {
    "billing": ("Оплата и счета", "Billing"),
    "account": ("Доступ и учётная запись", "Access and account"),
    "product": ("Работа продукта", "Product"),
    "hardware": ("Оборудование", "Hardware"),
    "delivery": ("Доставка", "Delivery"),
}


@dataclass(frozen=True)
class Topic:
    category: str
    section: tuple[str, str, str]  # slug, Russian name, English name
    reason_en: str  # the demo contact reason (by English name) the article answers
    context: str
    ru: tuple[str, list[str]]
    en: tuple[str, list[str]]
    internal: bool = False


TOPICS = [
    Topic(
        "account",
        ("passwords", "Пароли и вход", "Passwords and login"),
        "Password reset",
        "login",
        (
            "Как сбросить пароль",
            [
                "Если вы забыли пароль, нажмите «Забыли пароль?» на странице входа и укажите e-mail, с которым регистрировались.",
                "Письмо со ссылкой для сброса пароля приходит в течение пяти минут. Если его нет, проверьте папку «Спам» и правила фильтрации почты.",
                "Ссылка действует 24 часа. После смены пароля все старые сеансы завершаются.",
            ],
        ),
        (
            "How to reset your password",
            [
                "If you forgot your password, click “Forgot password?” on the login page and enter the e-mail you registered with.",
                "The password reset e-mail arrives within five minutes. If it does not, check the spam folder and your mail filters.",
                "The link is valid for 24 hours. Changing the password signs out every old session.",
            ],
        ),
    ),
    Topic(
        "account",
        ("passwords", "Пароли и вход", "Passwords and login"),
        "Password reset",
        "login",
        (
            "Письмо для восстановления пароля не приходит",
            [
                "Чаще всего письмо задерживает корпоративный спам-фильтр. Добавьте адрес support@opora.localhost в список разрешённых.",
                "Убедитесь, что вводите тот e-mail, который указан в профиле: восстановление пароля работает только для него.",
            ],
        ),
        (
            "The password reset e-mail does not arrive",
            [
                "Most often a corporate spam filter holds the message. Add support@opora.localhost to the allow list.",
                "Make sure you enter the e-mail from your profile: password recovery only works for that address.",
            ],
        ),
    ),
    Topic(
        "account",
        ("team-access", "Доступ для сотрудников", "Access for colleagues"),
        "Access for a colleague",
        "settings-users",
        (
            "Как добавить доступ новому сотруднику",
            [
                "Администратор вашей компании открывает «Настройки → Пользователи» и нажимает «Пригласить».",
                "Сотрудник получит приглашение на e-mail и сам задаст пароль. Права можно ограничить ролью «Бухгалтер» или «Наблюдатель».",
            ],
        ),
        (
            "How to give a new colleague access",
            [
                "Your company administrator opens Settings → Users and clicks Invite.",
                "The colleague receives an invitation by e-mail and sets their own password. Limit their rights with the Accountant or Viewer role.",
            ],
        ),
    ),
    Topic(
        "billing",
        ("refunds", "Возвраты", "Refunds"),
        "Refund",
        "billing-orders",
        (
            "Как оформить возврат средств",
            [
                "Возврат оформляется в разделе «Заказы»: выберите заказ и нажмите «Вернуть деньги». Укажите причину возврата.",
                "Деньги возвращаются на ту же карту за 3–10 рабочих дней — срок зависит от банка.",
                "При двойном списании возврат лишнего платежа делается автоматически в течение суток.",
            ],
        ),
        (
            "How to request a refund",
            [
                "Request a refund under Orders: select the order and click Refund. Give the reason for the refund.",
                "The money returns to the same card within 3–10 business days, depending on your bank.",
                "If you were charged twice, the extra payment is refunded automatically within a day.",
            ],
        ),
    ),
    Topic(
        "billing",
        ("refunds", "Возвраты", "Refunds"),
        "Refund",
        "billing-orders",
        (
            "Сроки возврата денег по банкам",
            [
                "Сбербанк и Т-Банк обычно зачисляют возврат за 1–3 дня, остальные банки — до 10 рабочих дней.",
                "Если за 10 дней возврат не пришёл, напишите нам номер заказа — пришлём справку для банка.",
            ],
        ),
        (
            "How long refunds take",
            [
                "Most banks credit a refund in 1–3 days; some take up to 10 business days.",
                "If the refund has not arrived after 10 days, send us the order number and we will send a statement for your bank.",
            ],
        ),
    ),
    Topic(
        "billing",
        ("invoices", "Счета и закрывающие документы", "Invoices and documents"),
        "Invoices and documents",
        "billing-invoices",
        (
            "Где скачать счёт-фактуру и акт",
            [
                "Закрывающие документы за прошлый месяц появляются в разделе «Финансы → Документы» до 5 числа.",
                "Счёт-фактуру и акт можно скачать в PDF или получить через ЭДО (Диадок, СБИС).",
            ],
        ),
        (
            "Where to download invoices and statements",
            [
                "Invoices and statements for the previous month appear under Finance → Documents by the 5th.",
                "Download the invoice and the statement as PDF or receive them through e-invoicing.",
            ],
        ),
    ),
    Topic(
        "billing",
        ("payments", "Оплата", "Payments"),
        "Payment failed",
        "billing-checkout",
        (
            "Не проходит оплата картой",
            [
                "Ошибка «Платёж отклонён» означает, что банк отклонил операцию. Проверьте лимиты на онлайн-платежи и подтверждение 3-D Secure.",
                "Попробуйте другую карту или оплату по счёту для юридических лиц.",
            ],
        ),
        (
            "Card payment fails",
            [
                "“Payment declined” means your bank refused the transaction. Check online payment limits and 3-D Secure confirmation.",
                "Try another card, or pay by bank transfer against an invoice.",
            ],
        ),
    ),
    Topic(
        "product",
        ("catalogue-search", "Поиск по каталогу", "Catalogue search"),
        "Search",
        "catalogue",
        (
            "Поиск по каталогу не находит товары",
            [
                "Поиск ищет по названию, артикулу и описанию товара. Новые товары попадают в поиск через 15 минут после загрузки.",
                "Если товар не находится по слову, проверьте, что карточка опубликована и у неё заполнено название.",
            ],
        ),
        (
            "Catalogue search does not find products",
            [
                "Search looks at the product name, SKU and description. New products become searchable 15 minutes after upload.",
                "If a product is not found by a word, check that its card is published and has a name.",
            ],
        ),
    ),
    Topic(
        "product",
        ("sync-1c", "Синхронизация с 1С", "Sync with 1C"),
        "Sync",
        "integrations-1c",
        (
            "Заказы из 1С не синхронизируются",
            [
                "Проверьте, что обмен с 1С включён в «Интеграции → 1С» и что последний сеанс обмена завершился без ошибок.",
                "Частая причина — истёкший пароль пользователя обмена в 1С. Обновите его в настройках интеграции.",
                "Синхронизация запускается каждые 10 минут; её можно запустить вручную кнопкой «Синхронизировать сейчас».",
            ],
        ),
        (
            "Orders from 1C do not sync",
            [
                "Check that the 1C exchange is enabled under Integrations → 1C and that the last exchange session finished without errors.",
                "A common cause is an expired password of the exchange user in 1C. Update it in the integration settings.",
                "Sync runs every 10 minutes; start it by hand with Sync now.",
            ],
        ),
    ),
    Topic(
        "product",
        ("mobile-app", "Мобильное приложение", "Mobile app"),
        "App crashes",
        "mobile-app",
        (
            "Приложение закрывается при запуске на Android",
            [
                "После обновления до Android 14 приложение версии ниже 5.2 может закрываться при запуске. Обновите приложение в Google Play.",
                "Если обновление не помогло, очистите кэш: «Настройки → Приложения → Opora → Хранилище → Очистить кэш».",
            ],
        ),
        (
            "The app crashes on start on Android",
            [
                "After updating to Android 14, app versions below 5.2 may close on start. Update the app from Google Play.",
                "If updating does not help, clear the cache: Settings → Apps → Opora → Storage → Clear cache.",
            ],
        ),
    ),
    Topic(
        "product",
        ("reports", "Отчёты", "Reports"),
        "How-to",
        "reports",
        (
            "Как выгрузить отчёт в Excel",
            [
                "Откройте отчёт, задайте период и нажмите «Экспорт → Excel». Файл формата XLSX скачается автоматически.",
                "Большие отчёты (больше 100 000 строк) формируются в фоне; ссылка придёт на e-mail.",
            ],
        ),
        (
            "How to export a report to Excel",
            [
                "Open the report, choose the period and click Export → Excel. The XLSX file downloads automatically.",
                "Large reports (over 100,000 rows) are built in the background; the link arrives by e-mail.",
            ],
        ),
    ),
    Topic(
        "hardware",
        ("pos-terminal", "Кассовые терминалы", "POS terminals"),
        "Does not power on",
        "hardware",
        (
            "Кассовый терминал не включается",
            [
                "Проверьте блок питания: индикатор на нём должен гореть зелёным. После отключения электричества терминалу нужно до двух минут на самопроверку.",
                "Зажмите кнопку питания на 15 секунд, чтобы сбросить контроллер. Если терминал всё равно не включается, оформите ремонт.",
            ],
        ),
        (
            "The POS terminal does not power on",
            [
                "Check the power supply: its light should be green. After a power cut the terminal needs up to two minutes for its self-test.",
                "Hold the power button for 15 seconds to reset the controller. If the terminal still does not power on, request a repair.",
            ],
        ),
    ),
    Topic(
        "hardware",
        ("warranty", "Гарантия и ремонт", "Warranty and repair"),
        "Warranty repair",
        "hardware",
        (
            "Как отправить оборудование в гарантийный ремонт",
            [
                "Гарантия на оборудование — 12 месяцев с даты покупки. Создайте обращение, укажите серийный номер и опишите неисправность.",
                "Мы пришлём курьера; ремонт занимает до 14 дней, на время ремонта можно получить подменный принтер.",
            ],
        ),
        (
            "How to send equipment for warranty repair",
            [
                "Equipment has a 12-month warranty from the purchase date. Open a request with the serial number and describe the fault.",
                "We send a courier; a repair takes up to 14 days, and a replacement printer is available meanwhile.",
            ],
        ),
    ),
    Topic(
        "delivery",
        ("late-delivery", "Сроки доставки", "Delivery times"),
        "Late delivery",
        "orders-tracking",
        (
            "Заказ задерживается: что делать",
            [
                "Статус доставки обновляется, когда посылку сканирует служба доставки; между сканированиями может пройти до двух дней.",
                "Если срок доставки прошёл больше трёх дней назад, напишите нам номер заказа — мы откроем розыск.",
            ],
        ),
        (
            "My order is late: what to do",
            [
                "The delivery status changes when the carrier scans the parcel; up to two days may pass between scans.",
                "If the delivery date passed more than three days ago, send us the order number and we will start a trace.",
            ],
        ),
    ),
    Topic(
        "billing",
        ("refunds", "Возвраты", "Refunds"),
        "Refund",
        "",
        (
            "Возвраты: регламент для агентов",
            [
                "Возврат до 10 000 ₽ агент первой линии одобряет сам; больше — через руководителя смены.",
                "Перед возвратом проверьте в платёжном шлюзе, нет ли уже автоматического возврата двойного списания.",
            ],
        ),
        (
            "Refunds: the agents' procedure",
            [
                "First-line agents approve refunds up to 10,000 ₽ themselves; larger ones go through the shift lead.",
                "Before refunding, check in the payment gateway that the double charge was not already refunded automatically.",
            ],
        ),
        internal=True,
    ),
]


def _html(paragraphs: list[str]) -> str:
    return "".join(f"<p>{escape(paragraph)}</p>" for paragraph in paragraphs)


def _section(topic: Topic) -> Section:
    ru, en = CATEGORIES[topic.category]
    category, _ = Category.objects.get_or_create(
        slug=topic.category,
        defaults={"name": ru, "name_en": en, "position": list(CATEGORIES).index(topic.category)},
    )
    slug, section_ru, section_en = topic.section
    section, _ = Section.objects.get_or_create(
        slug=slug, defaults={"name": section_ru, "name_en": section_en, "category": category}
    )
    return section


def login_form_png(width: int = 120, height: int = 80) -> bytes:
    """A tiny drawing of the login page with the "Forgot password?" link, as a real PNG."""

    def pixel(x: int, y: int) -> bytes:
        in_form = 20 <= x < width - 20 and 10 <= y < height - 10
        if not in_form:
            return b"\xe5\xe7\xeb"  # page background
        if 30 <= x < width - 30 and (22 <= y < 30 or 36 <= y < 44):
            return b"\xc8\xcc\xd2"  # the e-mail and password fields
        if 30 <= x < 60 and 52 <= y < 62:
            return b"\x25\x63\xeb"  # the "Log in" button
        if 66 <= x < width - 30 and y == 58:
            return b"\xd9\x2d\x20"  # the "Forgot password?" link, underlined in red
        return b"\xff\xff\xff"

    rows = b"".join(b"\x00" + b"".join(pixel(x, y) for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


SCREENSHOT_ARTICLE = "Как сбросить пароль"


def _add_screenshot(author: User) -> None:
    """The password-reset article shows where the link is: one embedded image attachment."""
    article = Article.objects.filter(title=SCREENSHOT_ARTICLE).first()
    if article is None or article.attachments.exists():
        return
    image = services.add_attachment(
        article, author, IncomingFile("login-page.png", login_form_png(), "image/png")
    )
    services.update_article(
        article,
        author,
        body=f"{article.body}<p>{image.embed_code}</p>",
        note=_("Added a screenshot"),
    )


def _publish(article: Article, author: User) -> None:
    services.transition(article, author, ArticleStatus.REVIEW)
    services.transition(article, author, ArticleStatus.PUBLISHED)


@transaction.atomic
def seed_knowledge(author: User) -> int:
    """Create the demo articles that do not exist yet; returns how many were created."""
    created = 0
    for topic in TOPICS:
        if Article.objects.filter(title=topic.ru[0]).exists():
            continue
        section = _section(topic)
        reasons = list(ContactReason.objects.filter(name_en=topic.reason_en))
        original = None
        for language, (title, paragraphs) in (("ru", topic.ru), ("en", topic.en)):
            article = services.create_article(
                services.ArticleData(
                    title=title,
                    body=_html(paragraphs),
                    section=section,
                    language=language,
                    visibility=Visibility.INTERNAL if topic.internal else Visibility.PUBLIC,
                    reasons=reasons,
                    contexts=[topic.context] if topic.context else [],
                    translation_of=original,
                ),
                author,
            )
            _publish(article, author)
            original = original or article
            created += 1
    _add_screenshot(author)
    # Tickets loaded in bulk (the demo) never passed through the services' signals.
    search.rebuild_index()
    return created
