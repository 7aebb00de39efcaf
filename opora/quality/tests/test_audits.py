"""Mystery-shopper audits: waves, shopper matching, questionnaires, evidence, wave report."""

from datetime import date

import pytest
from django.core.files.storage import default_storage

from opora.core.errors import AttachmentRejected, Forbidden, InvalidInput, InvalidTransition
from opora.quality import services
from opora.quality.models import AuditVisit, Evidence, Location, Scenario, VisitType, Wave

from .conftest import make_shopper

pytestmark = pytest.mark.django_db


def answers_for(programme, *values):
    return dict(zip(programme.checklist.values_list("pk", flat=True), values, strict=True))


def test_waves_follow_the_interval_and_replanning_is_idempotent(programme, lead, anna):
    waves = services.plan_waves(lead, programme, date(2026, 1, 1), 3)
    assert [(w.number, w.starts_on, w.ends_on) for w in waves] == [
        (1, date(2026, 1, 1), date(2026, 1, 30)),
        (2, date(2026, 1, 31), date(2026, 3, 1)),
        (3, date(2026, 3, 2), date(2026, 3, 31)),
    ]
    services.plan_waves(lead, programme, date(2026, 1, 1), 3)
    assert Wave.objects.count() == 3
    with pytest.raises(Forbidden):
        services.plan_waves(anna, programme, date(2026, 1, 1), 1)


def test_shoppers_matched_on_age_city_and_profile(scenario, store, wave, shopper, lead):
    young = make_shopper("young", birth_year=2006)
    elsewhere = make_shopper("kazan", city="Kazan")
    student = make_shopper("student", profile="student")
    on = wave.starts_on
    assert list(services.matching_shoppers(scenario, store, on)) == [shopper]
    assert services.misfits(young, scenario, store, on) == ["Younger than the scenario requires."]
    assert services.misfits(elsewhere, scenario, store, on) == [
        "The shopper lives in another city."
    ]
    with pytest.raises(InvalidInput) as error:
        services.assign_visit(lead, wave, store, scenario, student)
    assert error.value.fields == {"shopper": "does_not_fit"}
    # A phone scenario does not need the shopper in town.
    call = Scenario.objects.create(
        programme=scenario.programme, title="Call", visit_type=VisitType.PHONE
    )
    assert services.misfits(elsewhere, call, store, on) == []


def test_staff_cannot_be_shoppers(scenario, store, wave, lead, anna):
    inside = services.Shopper.objects.create(
        user=anna, city="Moscow", birth_year=1990, profile="family"
    )
    with pytest.raises(InvalidInput):
        services.assign_visit(lead, wave, store, scenario, inside)


def test_shopper_submits_once_and_strengths_show(
    programme, scenario, store, wave, shopper, other_shopper, lead
):
    visit = services.assign_visit(lead, wave, store, scenario, shopper)
    with pytest.raises(services.NotFound):
        services.submit_visit(other_shopper.user, visit, answers_for(programme, 1, 5, None))
    with pytest.raises(InvalidInput):
        services.submit_visit(shopper.user, visit, answers_for(programme, 1, 6, None))
    visit = services.submit_visit(
        shopper.user, visit, answers_for(programme, 1, 3, None), summary="Clean"
    )
    # (1·1 + 2·0.6) / 3 = 73.33 %
    assert visit.score == 73.33
    strengths, to_fix = services.strengths_and_fixes(visit.answers.select_related("item"))
    assert [a.item.title for a in strengths] == ["Greeted within a minute"]
    assert [a.item.title for a in to_fix] == ["Knew the product"]
    with pytest.raises(InvalidTransition):
        services.submit_visit(shopper.user, visit, answers_for(programme, 1, 5, None))


def test_evidence_checked_for_type_and_size(
    scenario, store, wave, shopper, other_shopper, lead, monkeypatch
):
    visit = services.assign_visit(lead, wave, store, scenario, shopper)
    receipt = services.add_evidence(shopper.user, visit, "receipt", "receipt.pdf", b"%PDF-1.4 x")
    assert default_storage.exists(receipt.file.name)
    assert (
        services.add_evidence(shopper.user, visit, "audio", "talk.mp3", b"ID3...").content_type
        == "audio/mpeg"
    )
    with pytest.raises(AttachmentRejected) as wrong:
        services.add_evidence(shopper.user, visit, "photo", "notes.exe", b"MZ")
    assert wrong.value.fields == {"file": "type_not_allowed"}
    with pytest.raises(AttachmentRejected):
        services.add_evidence(shopper.user, visit, "video", "clip.png", b"\x89PNG")
    monkeypatch.setattr(services, "EVIDENCE_MAX_BYTES", 1024)
    with pytest.raises(AttachmentRejected) as big:
        services.add_evidence(shopper.user, visit, "photo", "shop.jpg", b"x" * 2048)
    assert big.value.status == 413
    assert "2.0\xa0KB" in big.value.message and "1.0\xa0KB" in big.value.message
    with pytest.raises(services.NotFound):
        services.add_evidence(other_shopper.user, visit, "photo", "shop.jpg", b"x")
    assert Evidence.objects.count() == 2


def test_wave_report_shows_change_per_location(
    programme, scenario, store, shopper, lead, django_assert_max_num_queries
):
    second_store = Location.objects.create(name="Back office", city="Moscow", back_office=True)
    first, second = services.plan_waves(lead, programme, date(2026, 1, 1), 2)
    for wave, location, values in (
        (first, store, (0, 2, 0)),
        (second, store, (1, 5, 1)),
        (first, second_store, (1, 5, None)),
    ):
        visit = services.assign_visit(lead, wave, location, scenario, shopper)
        services.submit_visit(shopper.user, visit, answers_for(programme, *values))
    AuditVisit.objects.create(
        wave=second, location=second_store, scenario=scenario, shopper=shopper
    )
    with django_assert_max_num_queries(4):
        rows = services.wave_report(programme)
    summary = [(r.location.name, r.wave.number, r.visits, r.score, r.change) for r in rows]
    assert summary == [
        ("Back office", 1, 1, 100.0, None),
        # (0·1 + 0.4·2 + 0·1) / 4 = 20 %, then 100 %: +80 points.
        ("Tverskaya store", 1, 1, 20.0, None),
        ("Tverskaya store", 2, 1, 100.0, 80.0),
    ]
    every_area = {
        "Politeness",
        "Product knowledge",
        "Handling problem situations (returns, defects)",
    }
    assert (set(rows[1].to_fix), rows[1].strengths) == (every_area, [])
    assert (set(rows[2].strengths), rows[2].to_fix) == (every_area, [])
