"""Lifecycle messages: sent once per occasion, however often the event or the daily pass runs."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from opora.core.testing import make_customer
from opora.customers.models import Customer
from opora.success import services
from opora.success.models import Account, CustomerDates, LifecycleDelivery, LifecycleMessage

pytestmark = pytest.mark.django_db
NOW = datetime(2030, 3, 10, 9, 0, tzinfo=ZoneInfo("Europe/Moscow"))


def definition(event, days=0, **extra):
    return LifecycleMessage.objects.create(
        name=event,
        event=event,
        days=days,
        subject_ru=f"Тема {event}",
        subject_en=f"Subject {event}",
        body_ru="Текст",
        body_en="Text",
        **extra,
    )


@pytest.fixture
def welcome(db):
    return definition(
        "welcome",
        links=[
            {
                "title_ru": "Как начать",
                "title_en": "Getting started",
                "url": "https://help.example/start",
            }
        ],
    )


def test_welcome_on_signup_with_how_to_links_in_the_customers_language(
    welcome, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        customer = make_customer("gleb")
    assert len(mail.outbox) == 1
    assert (
        mail.outbox[0].subject == "Тема welcome"
        and "Как начать: https://help.example/start" in mail.outbox[0].body
    )
    # The event replayed (a second save that sets the login, a retried task) sends nothing.
    with django_capture_on_commit_callbacks(execute=True):
        customer.save(update_fields=["user"])
        assert services.on_signup(customer) == []
    assert services.deliver(LifecycleDelivery.objects.get().pk) is False
    assert len(mail.outbox) == 1


def test_customers_without_a_login_get_no_welcome(welcome, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_customer("ghost", with_login=False)
    assert mail.outbox == []


def test_daily_pass_sends_renewal_onboarding_anniversary_and_birthday_once(
    acme, django_capture_on_commit_callbacks
):
    renewal = definition("renewal", days=30)
    onboarding = definition("onboarding", days=3, checklist_en=["Invite your team"])
    definition("anniversary", offer_en="10 % off this month")
    definition("birthday", offer_en="A gift")
    Account.objects.create(organisation=acme, renewal_on=date(2030, 3, 25))
    carol = make_customer("carol", acme)
    carol.language = "en"
    carol.save()
    Customer.objects.filter(pk=carol.pk).update(created_at=NOW - timedelta(days=3))
    old = make_customer("olga", with_login=False)
    Customer.objects.filter(pk=old.pk).update(created_at=NOW.replace(year=2027) - timedelta(days=1))
    CustomerDates.objects.create(customer=old, birthday=date(1990, 3, 10))
    with django_capture_on_commit_callbacks(execute=True):
        first = services.run_due_lifecycle_messages(NOW)
    with django_capture_on_commit_callbacks(execute=True):
        again = services.run_due_lifecycle_messages(NOW)
        next_day = services.run_due_lifecycle_messages(NOW + timedelta(days=1))
    assert (first, again, next_day) == (4, 0, 0)
    sent = {
        (d.message.event, d.customer.name, d.occasion)
        for d in LifecycleDelivery.objects.select_related("message", "customer")
    }
    assert sent == {
        ("renewal", "Carol", "renewal:2030-03-25"),
        ("onboarding", "Carol", "onboarding"),
        ("anniversary", "Olga", "anniversary:2030"),
        ("birthday", "Olga", "birthday:2030"),
    }
    assert len(mail.outbox) == 4
    onboarding_mail = next(m for m in mail.outbox if m.subject == "Subject onboarding")
    assert "[ ] Invite your team" in onboarding_mail.body
    assert LifecycleDelivery.objects.filter(sent_at__isnull=True).count() == 0
    assert renewal.deliveries.count() == 1 and onboarding.deliveries.count() == 1


def test_the_database_refuses_a_second_delivery_for_the_same_occasion(welcome, erin):
    assert services.queue_message(welcome, erin, "x") is not None
    assert services.queue_message(welcome, erin, "x") is None
    assert LifecycleDelivery.objects.filter(occasion="x").count() == 1
