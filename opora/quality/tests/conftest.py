"""A scorecard, a solved ticket assigned to Anna, a reviewer, and an audit programme."""

from datetime import date

import pytest

from opora.accounts.models import Role
from opora.core.testing import make_user
from opora.quality.models import (
    AuditArea,
    AuditProgramme,
    ChecklistItem,
    Criterion,
    Location,
    Reviewer,
    Scenario,
    Scorecard,
    Shopper,
    ShopperProfile,
    VisitType,
    Wave,
)
from opora.tickets import services as ticket_services


@pytest.fixture
def scorecard(db) -> Scorecard:
    card = Scorecard.objects.create(name="Support basics")
    Criterion.objects.create(scorecard=card, title="Greeting", weight=1, position=1)
    Criterion.objects.create(
        scorecard=card, title="Solution", kind="scale", scale_max=4, weight=3, position=2
    )
    Criterion.objects.create(
        scorecard=card, title="Upsell offered", weight=1, allows_na=True, position=3
    )
    Criterion.objects.create(
        scorecard=card, title="Identity verified", weight=1, auto_fail=True, position=4
    )
    return card


def sheet(card: Scorecard, *values) -> dict:
    return dict(zip(card.criteria.values_list("pk", flat=True), values, strict=True))


FLAWLESS = (1, 4, None, 1)


@pytest.fixture
def assigned_ticket(make_ticket, carol, anna, team_alpha):
    def factory(subject="Printer is on fire", **fields):
        ticket = make_ticket(carol, subject=subject, **fields)
        return ticket_services.update_ticket(
            ticket,
            ticket_services.Actor(user=anna),
            {"assignee": anna, "team": team_alpha, "status": "solved"},
        )

    return factory


@pytest.fixture
def ticket(assigned_ticket):
    return assigned_ticket()


@pytest.fixture
def senior(team_alpha):
    """A senior agent in Alpha who also reviews."""
    user = make_user("sofia", Role.AGENT)
    team_alpha.members.add(user)
    Reviewer.objects.create(user=user)
    return user


@pytest.fixture
def programme(db) -> AuditProgramme:
    programme = AuditProgramme.objects.create(name="Stores 2026", wave_interval_days=30)
    ChecklistItem.objects.create(
        programme=programme, area=AuditArea.POLITENESS, title="Greeted within a minute", position=1
    )
    ChecklistItem.objects.create(
        programme=programme,
        area=AuditArea.KNOWLEDGE,
        title="Knew the product",
        kind="scale",
        scale_max=5,
        weight=2,
        position=2,
    )
    ChecklistItem.objects.create(
        programme=programme,
        area=AuditArea.PROBLEMS,
        title="Accepted a return",
        allows_na=True,
        position=3,
    )
    return programme


@pytest.fixture
def wave(programme) -> Wave:
    return Wave.objects.create(
        programme=programme, number=1, starts_on=date(2026, 6, 1), ends_on=date(2026, 6, 30)
    )


@pytest.fixture
def store(db) -> Location:
    return Location.objects.create(name="Tverskaya store", city="Moscow")


@pytest.fixture
def scenario(programme) -> Scenario:
    return Scenario.objects.create(
        programme=programme,
        title="Return a kettle",
        visit_type=VisitType.IN_PERSON,
        min_age=25,
        max_age=45,
        profile=ShopperProfile.FAMILY,
    )


def make_shopper(username: str, **fields) -> Shopper:
    values = {"city": "Moscow", "birth_year": 1990, "profile": ShopperProfile.FAMILY} | fields
    return Shopper.objects.create(user=make_user(username, Role.CUSTOMER), **values)


@pytest.fixture
def shopper(db) -> Shopper:
    return make_shopper("masha")


@pytest.fixture
def other_shopper(db) -> Shopper:
    return make_shopper("pasha")
