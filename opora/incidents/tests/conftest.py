"""Incident tests run tasks at once and keep mail in memory."""

import pytest


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def outage(anna):
    from opora.incidents import services

    return services.create_incident(
        anna,
        title="Mail server down",
        is_public=True,
        banner_title="Сбой почты",
        banner_body="Чиним",
        banner_title_en="Mail outage",
        banner_body_en="We are on it",
    )
