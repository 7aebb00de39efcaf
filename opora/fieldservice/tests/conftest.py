"""Field-service fixtures: two cities, technicians with skills, a repair ticket for Carol."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from opora.accounts.models import Role
from opora.core.testing import make_user
from opora.fieldservice.models import ServiceArea, Skill, Technician

MOSCOW = ZoneInfo("Europe/Moscow")
# A Monday 08:00 in Moscow: everyone's first slot that day is 09:00.
MONDAY = datetime(2030, 6, 3, 8, 0, tzinfo=MOSCOW)


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.OPORA_PUBLIC_URL = "http://testserver"


@pytest.fixture
def moscow(db):
    return ServiceArea.objects.create(
        name="Москва", name_en="Moscow", latitude=55.7558, longitude=37.6173
    )


@pytest.fixture
def zelenograd(db):
    return ServiceArea.objects.create(
        name="Зеленоград", name_en="Zelenograd", latitude=55.9825, longitude=37.1814
    )


@pytest.fixture
def ekaterinburg(db):
    return ServiceArea.objects.create(
        name="Екатеринбург",
        name_en="Ekaterinburg",
        latitude=56.8389,
        longitude=60.6057,
        time_zone="Asia/Yekaterinburg",
    )


@pytest.fixture
def printers(db):
    return Skill.objects.create(code="printers", name="Принтеры", name_en="Printers")


@pytest.fixture
def make_technician(db):
    def factory(username, base, skills=(), areas=None, **extra):
        user = make_user(username, Role.AGENT)
        tech = Technician.objects.create(
            user=user, base_area=base, work_start=time(9), work_end=time(18), **extra
        )
        tech.skills.set(skills)
        tech.areas.set(areas if areas is not None else [base])
        return tech

    return factory


@pytest.fixture
def repair_ticket(make_ticket, carol):
    return make_ticket(carol, subject="Printer broken", serial_number="SN-1")


def slot_after(start: datetime, hours: float) -> datetime:
    return start + timedelta(hours=hours)
