"""The pure health score: bounded, monotonic in what should hurt or help, reasons explained."""

from hypothesis import given
from hypothesis import strategies as st

from opora.success.health import HealthInputs, account_health, band_of

maybe = st.none() | st.floats(0, 100)
inputs = st.builds(
    HealthInputs,
    people=st.integers(0, 500),
    contacts_90d=st.integers(0, 5000),
    open_incidents=st.integers(0, 20),
    csat_percent=maybe,
    nps=st.none() | st.floats(-100, 100),
    usage_trend=st.none() | st.floats(0, 5),
    seat_utilisation=st.none() | st.floats(0, 2),
    days_to_renewal=st.none() | st.integers(-30, 400),
)


def with_(facts: HealthInputs, **changes) -> HealthInputs:
    return HealthInputs(**{**facts.__dict__, **changes})


@given(inputs)
def test_score_is_bounded_and_banded(facts):
    health = account_health(facts)
    assert 0 <= health.score <= 100 and health.band == band_of(health.score)
    assert set(health.churn_reasons).isdisjoint(health.expansion_reasons)


@given(inputs, st.integers(1, 5))
def test_more_open_incidents_never_help(facts, more):
    worse = account_health(with_(facts, open_incidents=facts.open_incidents + more))
    assert worse.score <= account_health(facts).score
    assert "open_incidents" in worse.churn_reasons


@given(inputs, st.floats(0, 100), st.floats(0, 100))
def test_higher_csat_never_hurts(facts, a, b):
    low, high = sorted((a, b))
    assert (
        account_health(with_(facts, csat_percent=low)).score
        <= account_health(with_(facts, csat_percent=high)).score
    )


def test_reasons_for_a_struggling_account_near_renewal():
    health = account_health(
        HealthInputs(
            people=4,
            contacts_90d=30,
            open_incidents=2,
            csat_percent=55,
            nps=-20,
            usage_trend=0.6,
            days_to_renewal=20,
        )
    )
    assert health.band == "at_risk"
    assert health.churn_reasons == (
        "low_csat",
        "detractors",
        "open_incidents",
        "many_contacts",
        "usage_falling",
        "renewal_at_risk",
    )


def test_a_thriving_account_shows_expansion():
    health = account_health(
        HealthInputs(
            people=10,
            contacts_90d=8,
            open_incidents=0,
            csat_percent=95,
            nps=60,
            usage_trend=1.5,
            seat_utilisation=0.95,
            days_to_renewal=200,
        )
    )
    # 70 + 7.5 (CSAT 95) + 6 (NPS 60) + 5 (usage growing) = 88.5, rounded half to even.
    assert health.score == 88 and health.band == "healthy" and health.churn_reasons == ()
    assert health.expansion_reasons == ("promoters", "usage_growing", "seats_nearly_full")


def test_silence_is_a_signal():
    assert account_health(
        HealthInputs(people=3, contacts_90d=0, open_incidents=0)
    ).churn_reasons == ("silent",)


def test_many_contacts_is_relative_to_the_desk():
    # 12 contacts per person in 90 days is "many" at a desk where people write twice a quarter,
    # ordinary where everyone writes ten times.
    busy = HealthInputs(people=10, contacts_90d=120, open_incidents=0)
    assert "many_contacts" in account_health(busy).churn_reasons
    usual = HealthInputs(
        people=10, contacts_90d=120, open_incidents=0, typical_contacts_per_person=10
    )
    assert "many_contacts" not in account_health(usual).churn_reasons
    outlier = HealthInputs(
        people=10, contacts_90d=250, open_incidents=0, typical_contacts_per_person=10
    )
    assert "many_contacts" in account_health(outlier).churn_reasons
