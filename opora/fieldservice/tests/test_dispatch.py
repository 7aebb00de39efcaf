"""The pure dispatch choice: hard rules (skills, area) never traded; among the qualified, the
nearest, least loaded and soonest wins; the answer does not depend on input order."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from opora.fieldservice import dispatch as d

MOSCOW = ZoneInfo("Europe/Moscow")
MONDAY_8 = datetime(2030, 6, 3, 8, 0, tzinfo=MOSCOW)
CENTRE = d.GeoPoint(55.7558, 37.6173)
WEEKDAYS = d.WorkingCalendar(days=frozenset(range(5)), start=time(9), end=time(18))


def tech(pk, skills=("printers",), areas=(1,), base=CENTRE, busy=(), calendar=WEEKDAYS):
    return d.Candidate(pk, frozenset(skills), frozenset(areas), base, calendar, tuple(busy))


def job(skills=("printers",), area=1, hours=2, earliest=MONDAY_8):
    return d.Job(frozenset(skills), area, CENTRE, timedelta(hours=hours), earliest)


def at(hour, day=0):
    return MONDAY_8.replace(hour=hour) + timedelta(days=day)


# ---------------------------------------------------------------- explicit choices


def test_nearest_qualified_wins_over_a_nearer_unqualified_one():
    next_door = tech(1, skills=("networks",))
    across_town = tech(2, base=d.GeoPoint(55.60, 37.60))
    far_away = tech(3, base=d.GeoPoint(56.84, 60.60), areas=(1, 2))
    best = d.propose(job(), [far_away, next_door, across_town])
    assert [p.technician_id for p in best] == [2, 3]
    assert best[0].slot == d.Interval(at(9), at(11))


def test_a_technician_outside_the_area_is_never_proposed():
    assert d.propose(job(area=2), [tech(1, areas=(1,))]) == []


def test_with_equal_distance_the_less_loaded_technician_wins():
    busy = tech(1, busy=[d.Interval(at(13, day), at(18, day)) for day in range(1, 5)])
    free = tech(2)
    best = d.propose(job(), [busy, free])
    assert best[0].technician_id == 2
    assert best[1].load_ratio > 0 == best[0].load_ratio


def test_a_booked_morning_pushes_the_slot_and_the_free_colleague_wins():
    booked = tech(1, busy=[d.Interval(at(9), at(13))])
    colleague = tech(2, base=d.GeoPoint(55.76, 37.62))
    best = d.propose(job(), [booked, colleague])
    assert best[0].technician_id == 2
    assert best[1].slot.start == at(13)


def test_weekend_and_evening_requests_move_to_the_next_working_morning():
    friday_evening = MONDAY_8 + timedelta(days=4, hours=9, minutes=30)  # Fri 17:30
    offer = d.evaluate(tech(1), job(earliest=friday_evening))
    assert offer is not None and offer.slot.start == at(9, day=7)


def test_an_absent_technician_gets_no_slot_inside_the_horizon():
    away = tech(1, busy=[d.Interval(MONDAY_8, MONDAY_8 + timedelta(days=8))])
    assert d.propose(job(), [away]) == []


def test_missing_requirements_are_named():
    assert d.missing_requirements(tech(1, skills=(), areas=(2,)), job()) == [
        "skill:printers",
        "area",
    ]


def test_working_hours_are_in_the_technicians_own_time_zone():
    ural = d.WorkingCalendar(frozenset(range(5)), time(9), time(18), "Asia/Yekaterinburg")
    offer = d.evaluate(tech(1, calendar=ural), job())
    # 09:00 in Ekaterinburg is 07:00 in Moscow, before "earliest": the first slot is 08:00 MSK.
    assert offer is not None and offer.slot.start == at(8)


# ---------------------------------------------------------------- properties

point = st.builds(
    d.GeoPoint, st.floats(50, 60, allow_nan=False), st.floats(30, 70, allow_nan=False)
)
skill_sets = st.frozensets(st.sampled_from(["printers", "networks", "hvac"]), max_size=3)


@st.composite
def busy_lists(draw):
    intervals = []
    for _ in range(draw(st.integers(0, 6))):
        start = MONDAY_8 + timedelta(minutes=30 * draw(st.integers(0, 300)))
        intervals.append(
            d.Interval(start, start + timedelta(minutes=30 * draw(st.integers(1, 12))))
        )
    return tuple(intervals)


candidates = st.lists(
    st.builds(
        d.Candidate,
        technician_id=st.integers(1, 10_000),
        skills=skill_sets,
        areas=st.frozensets(st.integers(1, 3), max_size=3),
        base=point,
        calendar=st.just(WEEKDAYS),
        busy=busy_lists(),
    ),
    max_size=6,
    unique_by=lambda c: c.technician_id,
)
jobs = st.builds(
    d.Job,
    required_skills=skill_sets,
    area_id=st.integers(1, 3),
    location=point,
    duration=st.sampled_from([timedelta(minutes=m) for m in (30, 60, 90, 120, 240)]),
    earliest=st.just(MONDAY_8) | st.just(MONDAY_8 + timedelta(hours=30, minutes=7)),
)


@settings(max_examples=150, deadline=None)
@given(job=jobs, pool=candidates)
def test_every_proposal_is_qualified_free_and_inside_working_hours(job, pool):
    by_id = {c.technician_id: c for c in pool}
    for offer in d.propose(job, pool, limit=10):
        candidate = by_id[offer.technician_id]
        assert d.missing_requirements(candidate, job) == []
        assert offer.slot.end - offer.slot.start == job.duration
        assert job.earliest <= offer.slot.start and offer.slot.end <= job.latest
        assert not any(offer.slot.overlaps(taken) for taken in candidate.busy)
        local = offer.slot.start.astimezone(MOSCOW)
        assert local.weekday() < 5 and time(9) <= local.time()
        assert offer.slot.end.astimezone(MOSCOW).time() <= time(18)
        assert 0 <= offer.load_ratio <= 1 and 0 <= offer.score <= 1


@settings(max_examples=150, deadline=None)
@given(job=jobs, pool=candidates, data=st.data())
def test_the_choice_is_the_best_score_and_ignores_input_order(job, pool, data):
    offers = d.propose(job, pool, limit=10)
    shuffled = data.draw(st.permutations(pool))
    assert d.propose(job, shuffled, limit=10) == offers
    scores = [offer.score for offer in offers]
    assert scores == sorted(scores, reverse=True)
    every = [o for o in (d.evaluate(c, job) for c in pool) if o]
    assert len(offers) == len(every)


@settings(max_examples=100, deadline=None)
@given(job=jobs, candidate=candidates.filter(bool), extra=busy_lists())
def test_more_bookings_never_raise_a_technicians_score(job, candidate, extra):
    lighter = candidate[0]
    heavier = d.Candidate(
        lighter.technician_id,
        lighter.skills,
        lighter.areas,
        lighter.base,
        lighter.calendar,
        lighter.busy + extra,
    )
    before, after = d.evaluate(lighter, job), d.evaluate(heavier, job)
    if before is None:
        assert after is None
    elif after is not None:
        assert after.score <= before.score + 1e-9
        assert after.slot.start >= before.slot.start


@given(a=point, b=point)
def test_distance_is_symmetric_and_zero_only_to_itself(a, b):
    assert abs(d.distance_km(a, b) - d.distance_km(b, a)) < 1e-6
    assert d.distance_km(a, a) < 1e-6
