"""opora.mail.parsing against the client corpus in tests/data/mail, plus fuzzing.

Needs no Django: `pytest -p no:django --noconftest opora/mail/tests/test_parsing.py` runs it
alone (the root conftest.py imports Django models); it also runs in the normal suite.
"""

from __future__ import annotations

import email
import re
import time
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opora.mail.parsing import (
    MailAddress,
    MalformedMail,
    ParsedMail,
    parse_message,
    strip_subject_prefixes,
)

CORPUS = Path(__file__).resolve().parents[3] / "tests" / "data" / "mail"
MALFORMED_FILES = sorted(CORPUS.glob("malformed_*.eml"))
WELL_FORMED_FILES = sorted(set(CORPUS.glob("*.eml")) - set(MALFORMED_FILES))
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def parse_file(name: str) -> ParsedMail:
    return parse_message((CORPUS / name).read_bytes())


def html_only_copy(name: str) -> bytes:
    """The corpus message rebuilt with only its HTML alternative, to test derived text."""
    original = email.message_from_bytes((CORPUS / name).read_bytes(), policy=policy.default)
    html_part = original.get_body(preferencelist=("html",))
    assert html_part is not None
    copy = EmailMessage()
    copy["From"] = original["From"]
    copy["Subject"] = original["Subject"]
    copy.set_content(html_part.get_content(), subtype="html")
    return copy.as_bytes()


def simple_message(headers: dict[str, str], body: bytes = b"Hello.\n") -> bytes:
    """Raw bytes of a one-part message; From defaults to a customer address."""
    fields = {"From": "Ivan Petrov <ivan@example.com>", "To": "support@opora.example", **headers}
    head = "".join(f"{name}: {value}\r\n" for name, value in fields.items())
    return head.encode("utf-8") + b"\r\n" + body


def assert_storable(mail: ParsedMail) -> None:
    """Every text can be encoded as UTF-8 and stored in PostgreSQL (no NUL)."""
    texts = [mail.subject, mail.from_name, mail.text_body, mail.visible_text, mail.quoted_text]
    texts += [mail.html_body or "", *mail.defects, *(a.filename for a in mail.attachments)]
    for text in texts:
        text.encode("utf-8")
        assert "\x00" not in text


def assert_history_kept(mail: ParsedMail) -> None:
    """visible_text and quoted_text are the whole text_body, split once, nothing dropped."""
    assert mail.text_body.startswith(mail.visible_text)
    assert mail.text_body.endswith(mail.quoted_text)
    middle = mail.text_body[len(mail.visible_text) : len(mail.text_body) - len(mail.quoted_text)]
    assert middle.strip() == ""


# --- The corpus as a whole ---------------------------------------------------------------------


def test_corpus_has_the_expected_files() -> None:
    assert len(WELL_FORMED_FILES) >= 20
    assert len(MALFORMED_FILES) == 3


@pytest.mark.parametrize("path", WELL_FORMED_FILES, ids=lambda path: path.name)
def test_every_well_formed_file_parses_to_content(path: Path) -> None:
    mail = parse_message(path.read_bytes())
    assert mail.visible_text.strip() or mail.attachments
    assert "@" in mail.from_address
    assert re.fullmatch(r"[0-9a-f]{64}", mail.content_hash)
    assert not [d for d in mail.defects if "modern parser failed" in d]
    assert_history_kept(mail)
    assert_storable(mail)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("malformed_empty.eml", "empty input: the message has no bytes at all"),
        (
            "malformed_binary_garbage.eml",
            "binary data, not an e-mail message: NUL byte at offset 5 of the header block "
            "(RFC 5322 headers are text)",
        ),
        (
            "malformed_headers_without_from.eml",
            "no From header: the message does not say who sent it",
        ),
    ],
)
def test_malformed_files_are_refused_with_a_precise_reason(name: str, reason: str) -> None:
    with pytest.raises(MalformedMail) as refusal:
        parse_file(name)
    assert refusal.value.reason == reason
    assert isinstance(refusal.value, ValueError)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b" \r\n\t\r\n", "empty input: the message is 6 bytes of whitespace only"),
        (
            b"Hello, I need help with my order\r\n",
            "no header fields: the first line 'Hello, I need help with my order' "
            "is not a 'Name: value' header",
        ),
        (
            simple_message({"From": "Ivan Petrov"}),
            "From header 'Ivan Petrov' contains no e-mail address",
        ),
    ],
)
def test_unusable_input_is_refused_with_a_precise_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(MalformedMail) as refusal:
        parse_message(raw)
    assert refusal.value.reason == reason


def nested_multiparts(depth: int) -> bytes:
    boundaries = "".join(
        f"Content-Type: multipart/mixed; boundary=b{i}\n\n--b{i}\n" for i in range(depth)
    )
    return f"From: a@example.com\n{boundaries}Content-Type: text/plain\n\nhi\n".encode()


@pytest.mark.parametrize(
    ("depth", "reason"),
    [
        (60, "MIME structure nested deeper than 50 levels"),
        (2000, "MIME structure nested too deeply to parse"),  # the stdlib parser's recursion
    ],
)
def test_absurd_mime_nesting_is_refused(depth: int, reason: str) -> None:
    with pytest.raises(MalformedMail) as refusal:
        parse_message(nested_multiparts(depth))
    assert refusal.value.reason == reason


def test_megabyte_headers_are_cut_instead_of_stalling_the_parser() -> None:
    # Uncapped, the stdlib needs minutes for these (its header parsers are super-linear).
    parameters = "; ".join(f"p{i}=v" for i in range(100_000))
    raw = simple_message(
        {"Subject": "=?utf-8?B?0J/RgA==?= " * 100_000, "Content-Type": f"text/plain; {parameters}"}
    )
    started = time.perf_counter()
    mail = parse_message(raw)
    assert time.perf_counter() - started < 5
    assert mail.subject.startswith("ПрПрПр")
    assert mail.text_body == "Hello."
    assert "text/plain part: Subject header cut at 65536 characters" in mail.defects


def test_blank_lines_before_the_headers_are_tolerated() -> None:
    mail = parse_message(b"\r\n\r\n" + simple_message({"Subject": "hi"}))
    assert (mail.subject, mail.text_body) == ("hi", "Hello.")
    assert "blank lines before the header block ignored" in mail.defects


# --- Mail clients --------------------------------------------------------------------------------


def test_outlook_reply() -> None:
    mail = parse_file("outlook_reply_msonormal.eml")
    assert mail.subject == "RE: [#10031] Report export fails with error 500"
    assert mail.ticket_reference == "10031"
    assert (mail.from_name, mail.from_address) == (
        "Petr Sidorov",
        "p.sidorov@stroy-montazh.example",
    )
    assert mail.to == (MailAddress("support@opora.example", "Opora Support"),)
    assert mail.message_id == (
        "AM9PR03MB74125C0E1B3D6F8A2C9E4B71D65A2@AM9PR03MB7412.eurprd03.prod.outlook.com"
    )
    assert mail.in_reply_to == "10031.1741592040.7f3a9c@opora.example"
    assert mail.references == ("10031.1741592040.7f3a9c@opora.example",)
    assert mail.date == datetime(2025, 3, 11, 7, 41, 12, tzinfo=UTC)
    assert mail.visible_text.startswith("Hello,\n\nThe export still fails this morning.")
    assert mail.visible_text.endswith("Stroy-Montazh LLC\n+7 495 000-00-00")
    assert mail.quoted_text.startswith("____")
    assert "Sent: Monday, March 10, 2025 10:34 AM" in mail.quoted_text
    assert mail.quoted_text.endswith("Anna, Opora Support")
    [log] = mail.attachments
    assert (log.filename, log.content_type, log.size, log.is_inline) == (
        "console-log.txt",
        "text/plain",
        279,
        False,
    )
    assert log.payload.startswith(b"[07:40:12.114] GET https://app.opora.example/api/v1/")
    assert mail.html_body is not None
    for word_markup in ("MsoNormal", "<style", "mso-", "font-family", "<o:p>", "<!--"):
        assert word_markup not in mail.html_body
    assert "<b>Sent:</b> Monday, March 10, 2025 10:34 AM" in mail.html_body


def test_outlook_html_alone_gives_the_same_split() -> None:
    mail = parse_message(html_only_copy("outlook_reply_msonormal.eml"))
    assert mail.visible_text == (
        "Hello,\n\n"
        "The export still fails this morning. I have attached the log from the browser console, "
        "the error happens right after I press \u201cExport to XLSX\u201d.\n\n"
        "Best regards,\nPetr Sidorov\nHead of Logistics | Stroy-Montazh LLC\n+7 495 000-00-00"
    )
    assert mail.quoted_text.startswith(
        "From: Opora Support <support@opora.example>\nSent: Monday, March 10, 2025 10:34 AM\n"
    )


def test_thunderbird_format_flowed() -> None:
    mail = parse_file("thunderbird_flowed_ru.eml")
    assert mail.subject == "Re: [#10038] Не выгружаются подписи в PDF"
    assert mail.ticket_reference == "10038"
    assert mail.from_name == "Анна Кузнецова"
    assert mail.visible_text == (
        "Добрый день!\n\n"
        "Спасибо, после очистки кэша отчёт открылся. Однако при выгрузке в PDF по-прежнему "
        "пропадают подписи под графиками, и это повторяется на двух разных компьютерах.\n\n"
        "Можно ли как-то это исправить до конца недели?"
    )
    assert mail.quoted_text.startswith("12.03.2025 11:20, Служба поддержки Opora пишет:\n")
    assert (
        "> Попробуйте, пожалуйста, очистить кэш браузера и открыть отчёт снова. "
        "Если ошибка повторится, пришлите снимок экрана.\n" in mail.quoted_text
    )
    assert mail.quoted_text.endswith("--\nАнна Кузнецова\nООО «Вектор», бухгалтерия")


def test_gmail_plain_alternative_with_wrapped_attribution() -> None:
    mail = parse_file("gmail_alternative_quote.eml")
    assert mail.subject == "Re: [#10017] Cannot export report"
    assert mail.visible_text == (
        "Hi Anna,\n\nThanks, that worked \u2014 the report exports now. One more question: can I\n"
        "schedule it to arrive every Monday?\n\nDaniel"
    )
    assert mail.quoted_text.startswith(
        "On Mon, 10 Mar 2025 at 14:22, Opora Support <support@opora.example>\nwrote:\n"
    )
    assert "> Please try again after clearing the browser cache." in mail.quoted_text
    assert mail.html_body is not None
    assert '<div class="gmail_quote">' in mail.html_body  # kept for collapsing in the UI
    assert "style=" not in mail.html_body


def test_gmail_html_alone_is_split_at_gmail_quote() -> None:
    mail = parse_message(html_only_copy("gmail_alternative_quote.eml"))
    assert mail.visible_text.endswith("can I schedule it to arrive every Monday?\n\nDaniel")
    assert mail.quoted_text == (
        "On Mon, 10 Mar 2025 at 14:22, Opora Support <support@opora.example> wrote:\n"
        "> Hello Daniel,\n>\n> Please try again after clearing the browser cache.\n>\n"
        "> Kind regards,\n> Anna"
    )


def test_gmail_signature_container_starts_the_history() -> None:
    html = '<div dir="ltr">Thank you!<div><div class="gmail_signature">Ivan Petrov<br>CEO</div>'
    message = EmailMessage()
    message["From"] = "ivan@example.com"
    message.set_content(html, subtype="html")
    mail = parse_message(message.as_bytes())
    assert (mail.visible_text, mail.quoted_text) == ("Thank you!", "Ivan Petrov\nCEO")


def test_apple_mail_quotes_its_attribution() -> None:
    mail = parse_file("apple_mail_ru.eml")
    assert mail.subject == "Re: [#10040] Счёт на оплату за март"
    assert mail.from_name == "Мария Соколова"
    assert mail.visible_text == (
        "Здравствуйте!\n\nСчёт получили, оплату проведём до пятницы. Подскажите, пожалуйста, "
        "можно ли выставлять счета на другой адрес?\n\nМария"
    )
    assert mail.quoted_text.startswith(
        "> 12 марта 2025 г., в 18:40, Служба поддержки Opora <support@opora.example> написал(а):"
    )


def test_yandex_web_mail() -> None:
    mail = parse_file("yandex_web_ru.eml")
    assert mail.subject == "Re: [#10044] Не приходят уведомления"
    assert mail.from_address == "o.belova@yandex.ru"
    assert mail.visible_text == (
        "Добрый день!\n\nУведомления о новых заявках так и не приходят, хотя в настройках "
        "почта указана верно. Проверили папку «Спам» — там тоже пусто."
    )
    assert mail.quoted_text.startswith("--\nОльга Белова\n\n")
    assert '14.03.2025, 11:02, "Служба поддержки Opora" <support@opora.example>:' in (
        mail.quoted_text
    )


def test_mailru_web_mail_prefers_text_plain() -> None:
    mail = parse_file("mailru_web_ru.eml")
    assert mail.subject == "Re: [#10046] Вопрос по тарифу «Бизнес»"
    assert mail.reply_to == (MailAddress("sergey.orlov.84@mail.ru", "Сергей Орлов"),)
    assert mail.visible_text == (
        "Добрый вечер!\n\nПодскажите, входит ли в тариф «Бизнес» интеграция с 1С? "
        "И можно ли подключить её в середине оплаченного периода?"
    )
    assert mail.quoted_text.startswith("--\nСергей Орлов\n")
    # ">Пятница" without a space is how Mail.ru's text/plain quotes; the HTML would give "> ".
    assert ">Пятница, 14 марта 2025, 16:10 +03:00 от Служба поддержки Opora" in mail.quoted_text


def test_koi8r_quoted_printable() -> None:
    mail = parse_file("koi8r_quoted_printable.eml")
    assert mail.subject == "Акт сверки за февраль"
    assert mail.from_name == "Бухгалтерия ЗАО Прогресс"
    assert mail.visible_text == (
        "Здравствуйте, уважаемые коллеги!\n\n"
        "Просим выслать акт сверки взаимных расчётов за февраль 2025 года.\n"
        "Реквизиты прежние, ИНН 7701000000."
    )
    assert mail.defects == ()


def test_windows1251_encoded_word_subject_and_8bit_body() -> None:
    mail = parse_file("windows1251_subject.eml")
    assert mail.subject == "Re: [#10035] Заказ № 1542 отправлен"
    assert mail.ticket_reference == "10035"
    assert mail.from_name == "Елена Смирнова"  # encoded-word inside quotes, as OE writes it
    assert (
        "Вчера получили заказ № 1542, но в коробке не было товарной накладной. "
        "Пришлите, пожалуйста, скан по почте." in mail.visible_text
    )
    assert mail.visible_text.endswith("Спасибо.\nЕлена")
    assert mail.quoted_text.startswith("----- Original Message -----")
    assert mail.quoted_text.endswith(
        "> Ваш заказ № 1542 передан в службу доставки. Номер отправления: 80512345678901."
    )


def test_iso8859_5() -> None:
    mail = parse_file("iso8859_5_mutt.eml")
    assert mail.subject == "Не работает импорт CSV"
    assert mail.visible_text == (
        'Здравствуйте.\n\nПри импорте CSV с разделителем ";" система пишет "неверный формат даты".'
        "\nФайл в кодировке UTF-8, даты в формате ДД.ММ.ГГГГ."
    )
    assert mail.quoted_text == "--\nВадим"


def test_undeclared_8bit_cp1251_subject_and_body() -> None:
    mail = parse_file("undeclared_8bit_cp1251.eml")
    assert mail.subject == "Остатки на складе: ошибка выгрузки"
    assert mail.visible_text == (
        "Выгрузка остатков завершилась с ошибкой.\n"
        "Код ошибки: 0x1F, файл ostatki_20250316.csv пуст.\n"
        "Проверьте, пожалуйста, настройки обмена."
    )
    assert "Subject header: 8-bit text without a known charset, decoded as cp1251" in mail.defects
    assert "text/plain part: 8-bit text without a known charset, decoded as cp1251" in mail.defects


# --- Attachments ---------------------------------------------------------------------------------


def test_inline_cid_image_in_html_only_message() -> None:
    mail = parse_file("html_only_inline_cid.eml")
    content_id = "part1.A7B3C9D2.4E5F6A7B@servis-vlasov.example"
    assert mail.html_body is not None
    assert f'<img src="cid:{content_id}" alt="">' in mail.html_body
    image = mail.attachments_by_content_id[content_id]
    assert (image.filename, image.content_type, image.is_inline) == ("error.png", "image/png", True)
    assert image.payload.startswith(PNG_SIGNATURE)
    assert image.size == len(image.payload) == 74
    assert mail.visible_text == (
        "Добрый день!\n"
        "При сохранении карточки клиента появляется ошибка, снимок экрана ниже:\n"
        "Что можно сделать?"
    )
    assert mail.quoted_text == "--\nИгорь Власов\nИП Власов, сервисный центр"


def test_rfc2231_russian_attachment_filename() -> None:
    mail = parse_file("rfc2231_russian_pdf.eml")
    [invoice] = mail.attachments
    assert invoice.filename == "Счёт № 1542 от 10.03.2025.pdf"
    assert (invoice.content_type, invoice.size, invoice.is_inline) == (
        "application/pdf",
        329,
        False,
    )
    assert invoice.payload.startswith(b"%PDF-1.4\n") and invoice.payload.endswith(b"%%EOF\n")
    assert mail.oversized_attachments() == ()
    assert mail.oversized_attachments(limit=300) == (invoice,)


def test_forwarded_message_is_attached_and_summarised() -> None:
    mail = parse_file("forwarded_rfc822.eml")
    assert mail.subject == "Fwd: Претензия по качеству доставки"
    [forwarded] = mail.attachments
    assert forwarded.filename == "Претензия по качеству доставки.eml"
    assert forwarded.content_type == "message/rfc822"
    original = parse_message(forwarded.payload)
    assert original.subject == "Претензия по качеству доставки"
    assert original.from_address == "klient.ivanov@rambler.ru"
    assert (
        mail.visible_text == "Коллеги, пересылаю жалобу клиента, ответьте ему, пожалуйста, сегодня."
    )
    assert (
        "---------- Forwarded message ----------\n"
        "From: Алексей Иванов <klient.ivanov@rambler.ru>\n"
        "Date: Mon, 10 Mar 2025 20:11:45 +0300\n"
        "Subject: Претензия по качеству доставки\n"
        "To: Dmitry <d.smirnov@partner-shop.example>\n\n"
        "Здравствуйте!\n\nЗаказ доставили на три дня позже срока, коробка была помята."
    ) in mail.quoted_text


def test_inline_forward_goes_to_quoted_text() -> None:
    mail = parse_file("yandex_inline_forward.eml")
    assert mail.visible_text == (
        "Посмотрите, пожалуйста, это письмо от нашего поставщика: "
        "у них не открывается ссылка на оплату."
    )
    assert mail.quoted_text.startswith("-------- Пересылаемое сообщение --------\n")
    assert "ведёт на страницу с ошибкой 404." in mail.quoted_text


# --- Threading, references and dates -------------------------------------------------------------


def test_reply_threading_headers_and_ticket_reference() -> None:
    mail = parse_file("reply_ticket_reference.eml")
    assert mail.subject == "Ответ: RE: Fw: [#10042] Не приходит письмо для сброса пароля"
    assert mail.ticket_reference == "10042"
    assert mail.from_name == "Морозова Татьяна"
    assert mail.message_id == "6c1a9b3e47d24f0e8a5b2c7d9e1f3a4b@torgservis.example"
    assert mail.in_reply_to == "10042.1741935900.2c3d@opora.example"
    assert mail.references == (
        "10042.1741856400.0a1b@opora.example",
        "3b9e2c1d7a4f4e5b8c6d0e1f2a3b4c5d@torgservis.example",
        "10042.1741935900.2c3d@opora.example",
    )
    assert mail.visible_text.endswith("Татьяна Морозова\nМенеджер по закупкам")
    assert mail.quoted_text.startswith(
        "-----Исходное сообщение-----\nОт: Служба поддержки Opora <support@opora.example>\n"
    )


@pytest.mark.parametrize(
    ("subject", "stripped"),
    [
        ("Re: Fwd: [#10042] Printer", "[#10042] Printer"),
        ("Ответ: RE: Fw: Счёт", "Счёт"),
        ("RE[2]: Re(3): Re^4:Отв: Пересл: вопрос", "вопрос"),
        ("Regarding the invoice", "Regarding the invoice"),
        ("Fwd:", ""),
    ],
)
def test_strip_subject_prefixes(subject: str, stripped: str) -> None:
    assert strip_subject_prefixes(subject) == stripped


def test_ticket_reference_patterns() -> None:
    def reference(subject: str, **options: re.Pattern[str]) -> str | None:
        return parse_message(simple_message({"Subject": subject}), **options).ticket_reference

    assert reference("Re: [ # 10042 ] retyped by hand") == "10042"
    assert reference("Printer is broken") is None
    anchored = re.compile(r"^\[OPR-(\d+)\]")  # works only because prefixes are stripped first
    assert reference("RE: Fwd: [OPR-77] Printer", ticket_reference_pattern=anchored) == "77"
    assert reference("Re: [#10042] Printer", ticket_reference_pattern=anchored) is None


def test_broken_and_missing_dates_are_tolerated() -> None:
    mail = parse_file("broken_date.eml")
    assert mail.date is None
    assert "Date header 'Mon, 17 Mar 2025 25:61:00 +0300' is not a valid date" in mail.defects
    assert [a.filename for a in mail.attachments] == ["scan_0001.pdf"]
    undated = parse_message(simple_message({"Subject": "no date"}))
    assert undated.date is None
    assert "no Date header" in undated.defects


def test_minus_zero_zone_date_is_utc() -> None:
    mail = parse_message(simple_message({"Date": "Tue, 11 Mar 2025 07:41:12 -0000"}))
    assert mail.date == datetime(2025, 3, 11, 7, 41, 12, tzinfo=UTC)


def test_content_hash_survives_redelivery_but_not_changes() -> None:
    raw = (CORPUS / "no_message_id.eml").read_bytes()
    mail = parse_message(raw)
    assert mail.message_id is None
    redelivered = (
        b"Delivered-To: helpdesk@opora.example\r\n"
        b"Received: from mx2.opora.example by imap.opora.example; Sat, 15 Mar 2025 22:15:00 +0300\r\n"
    ) + raw.replace(b"\n", b"\r\n")
    assert parse_message(redelivered).content_hash == mail.content_hash
    edited = raw.replace("снова просит войти".encode(), "снова просит пароль".encode())
    assert parse_message(edited).content_hash != mail.content_hash


# --- Automatic mail --------------------------------------------------------------------------------


def test_out_of_office_auto_reply_is_not_a_bounce() -> None:
    mail = parse_file("autoreply_out_of_office.eml")
    assert mail.is_auto_submitted
    assert mail.auto_submitted_reason == "Auto-Submitted: auto-replied"
    assert not mail.is_bounce  # despite Return-Path: <>
    assert mail.ticket_reference == "10042"


def test_exchange_out_of_office() -> None:
    mail = parse_file("exchange_oof.eml")
    assert mail.auto_submitted_reason == "X-Auto-Response-Suppress: All"
    assert not mail.is_bounce
    assert mail.ticket_reference == "10051"


def test_mailing_list_newsletter() -> None:
    mail = parse_file("mailing_list_bulk.eml")
    assert mail.auto_submitted_reason == "Precedence: bulk"
    assert mail.subject == "Новости CloudHost: март 2025"
    assert mail.html_body is not None
    assert '<img src="https://news.cloudhost.example/img/logo.png"' in mail.html_body
    assert "track.cloudhost.example" not in mail.html_body  # http: tracking pixel dropped
    assert "<title" not in mail.html_body and "<style" not in mail.html_body


def test_delivery_status_notification_bounce() -> None:
    mail = parse_file("dsn_bounce_mailer_daemon.eml")
    assert mail.is_bounce and mail.is_auto_submitted
    assert mail.auto_submitted_reason == "bounce: delivery status notification (multipart/report)"
    assert mail.from_address == "mailer-daemon@mx.opora.example"
    assert "your message could not\nbe delivered to one or more recipients" in mail.visible_text
    report, original_headers = mail.attachments
    assert (report.filename, report.content_type) == (
        "delivery-status.txt",
        "message/delivery-status",
    )
    assert b"Status: 5.1.1" in report.payload
    assert original_headers.content_type == "text/rfc822-headers"
    assert b"Message-ID: <10047.1741683819.f00d@opora.example>" in original_headers.payload


@pytest.mark.parametrize(
    ("headers", "is_bounce", "reason"),
    [
        ({}, False, None),
        ({"Auto-Submitted": "no"}, False, None),
        ({"Auto-Submitted": "auto-generated"}, False, "Auto-Submitted: auto-generated"),
        ({"X-Auto-Response-Suppress": "DR, OOF"}, False, "X-Auto-Response-Suppress: DR, OOF"),
        ({"X-Auto-Response-Suppress": "DR, RN, NRN"}, False, None),
        ({"X-Autoreply": "yes"}, False, "X-Autoreply: yes"),
        ({"X-Autorespond": "Vacation"}, False, "X-Autorespond: vacation"),
        ({"Precedence": "junk"}, False, "Precedence: junk"),
        ({"Precedence": "list"}, False, "Precedence: list"),
        (
            {"List-Id": "Users <users.lists.example>"},
            False,
            "mailing list (List-Id: Users <users.lists.example>)",
        ),
        (
            {"List-Unsubscribe": "<mailto:u@lists.example>"},
            False,
            "mailing list (List-Unsubscribe: <mailto:u@lists.example>)",
        ),
        ({"Return-Path": "<>"}, True, "bounce: empty Return-Path (null sender)"),
        ({"From": "MAILER-DAEMON@mx.example.com"}, True, "bounce: sent by MAILER-DAEMON"),
    ],
)
def test_automatic_mail_classification(
    headers: dict[str, str], is_bounce: bool, reason: str | None
) -> None:
    mail = parse_message(simple_message(headers))
    assert (mail.is_bounce, mail.auto_submitted_reason) == (is_bounce, reason)
    assert mail.is_auto_submitted == (reason is not None)


# --- HTML safety ---------------------------------------------------------------------------------


def test_xss_is_removed_from_html() -> None:
    mail = parse_file("xss_html.eml")
    html = mail.html_body
    assert html is not None
    forbidden = ["<script", "alert(", "onerror", "onload", "onclick", "javascript:", "<iframe"]
    forbidden += ["<form", "<input", "<svg", "style=", "data:text", "target="]
    assert [text for text in forbidden if text.lower() in html.lower()] == []
    assert '<a href="https://docs.vendor.example/faq" rel="noopener noreferrer">' in html
    assert '<img src="https://cdn.vendor.example/logo.png" alt="Vendor logo">' in html
    assert mail.visible_text.startswith("Hello support team,\nPlease check this link and our FAQ.")
    assert "document.location" not in mail.text_body and "alert" not in mail.text_body


# --- Quoted history heuristics -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "visible", "quoted"),
    [
        pytest.param(
            "> Does it fail every time?\nYes, every time.\n> Which browser?\nFirefox 128.",
            "> Does it fail every time?\nYes, every time.\n> Which browser?\nFirefox 128.",
            "",
            id="interleaved answers stay visible",
        ),
        pytest.param(
            "On Mon, 10 Mar 2025, Support wrote:\n> Any news?\n\nStill broken.",
            "On Mon, 10 Mar 2025, Support wrote:\n> Any news?\n\nStill broken.",
            "",
            id="bottom-posted answer stays visible",
        ),
        pytest.param(
            "Fixed, thanks.\n\n> Please restart the service.\n> Support",
            "Fixed, thanks.",
            "> Please restart the service.\n> Support",
            id="trailing quote without attribution",
        ),
        pytest.param(
            "See below.\n\nFrom: Support <support@opora.example>\nSent: Monday\nSubject: x\n\nold",
            "See below.",
            "From: Support <support@opora.example>\nSent: Monday\nSubject: x\n\nold",
            id="outlook header block",
        ),
        pytest.param(
            "From: the accounting team\nWe need the act.",
            "From: the accounting team\nWe need the act.",
            "",
            id="a From: line alone is not a header block",
        ),
    ],
)
def test_history_split(body: str, visible: str, quoted: str) -> None:
    mail = parse_message(simple_message({}, body.encode()))
    assert (mail.visible_text, mail.quoted_text) == (visible, quoted)


# --- Charsets and broken headers -----------------------------------------------------------------


@pytest.mark.parametrize("charset", ["cp1251", "koi8-r", "utf-8"])
def test_undeclared_8bit_charset_is_guessed(charset: str) -> None:
    text = "Съешь же ещё этих мягких французских булок, да выпей чаю."
    mail = parse_message(simple_message({"Subject": "test"}, text.encode(charset)))
    assert mail.text_body == text


def test_misdeclared_charset_is_guessed_and_reported() -> None:
    text = "Договор подписан, оригинал отправим почтой."
    raw = simple_message({"Content-Type": "text/plain; charset=utf-8"}, text.encode("cp1251"))
    mail = parse_message(raw)
    assert mail.text_body == text
    assert "text/plain part: text is not valid utf-8, decoded as cp1251" in mail.defects


def test_raw_utf8_header_is_accepted_without_defect() -> None:
    mail = parse_message(simple_message({"Subject": "Счёт на оплату"}))
    assert mail.subject == "Счёт на оплату"
    assert mail.defects == ("no Date header",)


def test_headers_that_crash_the_modern_parser_fall_back_to_compat32() -> None:
    # Both values make Python 3.11's policy.default header parser raise IndexError.
    raw = simple_message(
        {
            "Subject": "=?koi8-r?B?8NLJ18XU?=",
            "Cc": "=?utf-8?B?0JDQvdC90LA=?= <anna@example.com>, broken@",
            "Content-Type": "text/plain; charset=utf-8; a*",
        },
        "Привет".encode(),
    )
    mail = parse_message(raw)
    assert mail.subject == "Привет"
    assert mail.cc == (MailAddress("anna@example.com", "Анна"),)
    assert mail.text_body == "Привет"
    assert mail.defects[:2] == (
        "modern parser failed (IndexError('string index out of range')); parsed with compat32",
        "Cc header: modern parser failed (IndexError('string index out of range')), used compat32",
    )


# --- Fuzzing -------------------------------------------------------------------------------------

HEADER_NAMES = ["From", "To", "Cc", "Subject", "Date", "Message-ID", "References"]
HEADER_NAMES += ["Content-Type", "Content-Disposition", "Content-Transfer-Encoding", "Return-Path"]
VALUE_FRAGMENTS = ["=?", "?=", "utf-8", "koi8-r", "?B?", "?Q?", "0J/RgA==", "=D0=9F", '"', ";"]
VALUE_FRAGMENTS += ["<", ">", "@", ":", ",", "(", "\\", " ", "\r\n ", "boundary=b", "charset="]
VALUE_FRAGMENTS += ["filename*=utf-8''%D0%9F", "multipart/mixed", "message/rfc822", "text/html"]
VALUE_FRAGMENTS += ["base64", "\xd0\xa1", "\xff", "a", "x.ru", "format=flowed"]
BODY_FRAGMENTS = ["--b\r\n", "Content-Type: text/plain\r\n", "\r\n", "<blockquote>", "> q\n"]
BODY_FRAGMENTS += ["-- \n", "=D0=9F=\r\n", "\xcf\xf0", "On x wrote:\n", "From: a@b.c\r\n"]

mail_like_bytes = st.builds(
    lambda headers, body: (
        "".join(f"{name}: {''.join(value)}\r\n" for name, value in headers) + "\r\n" + body
    ).encode("utf-8", "surrogateescape"),
    st.lists(st.tuples(st.sampled_from(HEADER_NAMES), st.lists(st.sampled_from(VALUE_FRAGMENTS)))),
    st.lists(st.sampled_from(BODY_FRAGMENTS)).map("".join),
)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=2048), mail_like_bytes))
def test_parse_message_returns_or_raises_malformed_mail_only(raw: bytes) -> None:
    try:
        mail = parse_message(raw)
    except MalformedMail as refusal:
        assert refusal.reason
        return
    assert_storable(mail)
    assert_history_kept(mail)


WORD_CHARACTERS = "abcXYZ0123456789абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВЁЖЯ.,!?:;'()«»—№😀"
words = st.text(alphabet=WORD_CHARACTERS, min_size=1, max_size=15)
lines = st.lists(words, max_size=12).map(" ".join)


@settings(max_examples=100, deadline=None)
@given(subject=st.lists(words, min_size=1, max_size=12).map(" ".join), body_lines=st.lists(lines))
def test_stdlib_built_messages_round_trip(subject: str, body_lines: list[str]) -> None:
    message = EmailMessage()
    message["From"] = "Анна Кузнецова <anna@example.com>"
    message["To"] = "support@opora.example"
    message["Subject"] = subject
    message.set_content("\n".join(body_lines))
    # Serialised unfolded: Python 3.11's folder can drop the space between two encoded-words
    # it splits a subject into (RFC 2047 makes such whitespace invisible), a generator bug
    # that would fail this test for the wrong reason. Folded encoded-words are covered by
    # thunderbird_flowed_ru.eml.
    mail = parse_message(message.as_bytes(policy=policy.default.clone(max_line_length=None)))
    assert mail.subject == subject
    assert mail.text_body == "\n".join(body_lines).strip("\n")
    assert mail.from_name == "Анна Кузнецова"
