"""Pulse surveys: anonymous by construction, answered once, shown only for groups of 5+."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from opora.accounts.models import Role
from opora.core.errors import Forbidden, InvalidInput, InvalidTransition
from opora.core.testing import make_user
from opora.people import services
from opora.people.models import MovementKind, PulseParticipation, PulseResponse

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(lead):
    today = timezone.localdate()
    return services.create_survey(
        lead,
        "Pulse",
        today - timedelta(days=1),
        today + timedelta(days=1),
        ["Clear goals?", "Tools ok?"],
    )


def values(survey, value=4):
    return {q.pk: value for q in survey.questions.all()}


def team_of(size, team, prefix):
    users = [make_user(f"{prefix}{i}", Role.AGENT) for i in range(size)]
    team.members.add(*users)
    return users


def test_response_holds_no_link_to_the_person(survey, anna, team_alpha):
    services.answer(anna, survey, team_alpha, values(survey), "More training please")
    response = PulseResponse.objects.get()
    fields = {field.name for field in PulseResponse._meta.get_fields()}
    assert fields == {"id", "survey", "team", "answered_on", "comment", "answers"}
    assert {f.name for f in PulseParticipation._meta.get_fields()} == {"id", "survey", "user"}
    assert response.team == team_alpha
    # The survey is no longer offered and cannot be answered again.
    assert not services.open_surveys(anna).exists()
    with pytest.raises(InvalidTransition):
        services.answer(anna, survey, team_alpha, values(survey))
    assert PulseResponse.objects.count() == 1


def test_bad_answers_store_nothing(survey, anna, team_alpha, team_beta):
    with pytest.raises(InvalidInput):
        services.answer(anna, survey, team_alpha, values(survey, 6))
    with pytest.raises(Forbidden):
        services.answer(anna, survey, team_beta, values(survey))
    assert not PulseResponse.objects.exists() and not PulseParticipation.objects.exists()


def test_results_withheld_below_five_and_left_out_of_overall(
    survey, lead, team_alpha, team_beta, anna
):
    for user in team_of(5, team_alpha, "a"):
        services.answer(user, survey, team_alpha, values(survey, 4))
    for user in team_of(4, team_beta, "b"):
        services.answer(user, survey, team_beta, values(survey, 1))
    overall, groups = services.pulse_results(lead, survey)
    alpha, beta = groups
    assert (alpha.team, alpha.respondents, alpha.means) == (
        "Alpha",
        5,
        {"Clear goals?": 4.0, "Tools ok?": 4.0},
    )
    assert (beta.team, beta.respondents, beta.withheld) == ("Beta", 4, True)
    # Beta's ones are not in the overall: it cannot be subtracted back out.
    assert overall.respondents == 5 and overall.means == {"Clear goals?": 4.0, "Tools ok?": 4.0}
    with pytest.raises(Forbidden):
        services.pulse_results(anna, survey)


def test_four_answers_show_nothing_anywhere(survey, lead, team_alpha, api_as, client_for):
    for user in team_of(4, team_alpha, "a"):
        services.answer(user, survey, team_alpha, values(survey, 2))
    overall, (alpha,) = services.pulse_results(lead, survey)
    assert overall.withheld and alpha.withheld
    body = api_as(lead).get(f"/people/pulse/{survey.pk}/results").json()
    assert body["overall"]["means"] is None and body["teams"][0]["means"] is None
    page = client_for(lead).get(reverse("people:pulse_results", args=[survey.pk]))
    assert b"Too few answers to show" in page.content and b"2.00" not in page.content


def test_answer_page_and_results_access(
    survey, anna, boris, lead, carol, client, client_for, api_as
):
    url = reverse("people:pulse_answer", args=[survey.pk])
    form = {f"q_{pk}": "5" for pk in values(survey)} | {"team": anna.teams.get().pk}
    assert client_for(anna).post(url, form).status_code == 302
    assert PulseResponse.objects.count() == 1
    assert client_for(anna).get(url).status_code == 404  # answered: not offered again
    assert client_for(carol.user).get(url).status_code == 403
    assert client.get(url).status_code == 302
    results = reverse("people:pulse_results", args=[survey.pk])
    assert client_for(boris).get(results).status_code == 403
    assert client_for(carol.user).get(results).status_code == 403
    assert client_for(lead).get(results).status_code == 200
    assert client_for(anna).get(reverse("people:turnover")).status_code == 403
    assert api_as(anna).get(f"/people/pulse/{survey.pk}/results").status_code == 403
    assert api_as(carol.user).get("/people/turnover").status_code == 403
    assert api_as(None).get("/people/turnover").status_code == 401


def test_survey_limited_to_teams_is_not_offered_elsewhere(lead, anna, boris, team_beta):
    today = timezone.localdate()
    survey = services.create_survey(lead, "Beta only", today, today, ["Q?"], teams=[team_beta])
    assert list(services.open_surveys(boris)) == [survey]
    assert not services.open_surveys(anna).exists()
    with pytest.raises(services.NotFound):
        services.get_open_survey(anna, survey.pk)


def test_turnover_per_team_in_one_query(
    lead, team_alpha, team_beta, api_as, django_assert_num_queries
):
    for on in (date(2025, 1, 1),) * 4:
        services.record_movement(lead, team_alpha, MovementKind.HIRE, on)
    services.record_movement(lead, team_alpha, MovementKind.LEAVE, date(2026, 2, 1))
    services.record_movement(lead, team_alpha, MovementKind.HIRE, date(2026, 3, 1))
    services.record_movement(lead, team_alpha, MovementKind.LEAVE, date(2026, 3, 15))
    services.record_movement(lead, team_beta, MovementKind.HIRE, date(2026, 5, 1))
    with django_assert_num_queries(1):
        rows = services.turnover(lead, date(2026, 1, 1), date(2026, 3, 31))
    alpha = rows[0]
    # Start 4, +1 −2 → end 3; 2 leavers / 3.5 average = 57.14 %.
    assert (alpha.team, alpha.period.headcount_start, alpha.period.headcount_end, alpha.rate) == (
        "Alpha",
        4,
        3,
        57.14,
    )
    assert len(rows) == 1  # Beta's first hire is after the period
    body = api_as(lead).get("/people/turnover", start="2026-01-01", end="2026-03-31").json()
    assert body[0]["turnover_rate_percent"] == 57.14
