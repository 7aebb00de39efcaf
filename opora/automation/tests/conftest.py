"""Automation test fixtures: agents with availability, team routing, and an inline task runner."""

from collections.abc import Callable

import pytest

from opora.accounts.models import Role, Team, User
from opora.automation.models import AgentStatus, Availability, TeamRouting
from opora.core.testing import make_user


@pytest.fixture
def immediate_tasks(settings) -> None:
    """Run enqueued tasks (e-mails, webhooks) at once instead of leaving them for a worker."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def set_status(user: User, status: str = Availability.ONLINE) -> User:
    AgentStatus.objects.update_or_create(user=user, defaults={"status": status})
    return user


@pytest.fixture
def make_agent(team_alpha) -> Callable[..., User]:
    """An agent in ``team`` (Alpha by default), online unless told otherwise."""

    def factory(
        username: str,
        team: Team | None = None,
        status: str | None = Availability.ONLINE,
        role: str = Role.AGENT,
    ) -> User:
        user = make_user(username, role)
        (team or team_alpha).members.add(user)
        if status is not None:
            set_status(user, status)
        return user

    return factory


@pytest.fixture
def route_alpha(team_alpha) -> Callable[..., TeamRouting]:
    def configure(strategy: str, cap: int | None = None) -> TeamRouting:
        routing, _created = TeamRouting.objects.update_or_create(
            team=team_alpha,
            defaults={"strategy": strategy, "max_open_tickets_per_agent": cap},
        )
        return routing

    return configure
