"""Coverage by serial number and the flag on tickets: outside coverage is flagged, never refused."""

from datetime import UTC, date, datetime

import pytest

from opora.core.errors import Forbidden, InvalidInput, NotFound
from opora.entitlements import services
from opora.entitlements.models import AssetPlan, Reason, TicketCoverage
from opora.tickets import services as ticket_services
from opora.tickets.models import AuditEvent, Channel, Status

pytestmark = pytest.mark.django_db

# Carol's router was bought on 10 Jan 2026 (Moscow): phone support to 9 Apr, warranty to 9 Jan 2027.
DAY_90 = datetime(2026, 4, 9, 12, 0, tzinfo=UTC)
DAY_91 = datetime(2026, 4, 10, 12, 0, tzinfo=UTC)


def test_phone_support_for_90_days_then_only_the_hardware_warranty(carol_router, anna):
    on_phone = services.check_serial(anna, "SN-CAROL-1", channel=Channel.PHONE, now=DAY_90)
    assert on_phone.covered and on_phone.by == "Limited hardware warranty"
    assert on_phone.until == date(2027, 1, 9)
    only_phone = services.check_asset(carol_router, channel=Channel.PHONE, now=DAY_91)
    assert only_phone.covered  # the warranty covers every channel
    carol_router.product.plans.filter(code="warranty-1y").update(is_active=False)
    carol_router.refresh_from_db()
    report = services.check_serial(anna, "SN-CAROL-1", channel=Channel.PHONE, now=DAY_90)
    assert (report.reason, report.until, report.by) == (
        Reason.COVERED,
        date(2026, 4, 9),
        "Free phone support",
    )
    assert report.summary == "Covered until April 9, 2026, by Free phone support"
    expired = services.check_serial(anna, "SN-CAROL-1", channel=Channel.PHONE, now=DAY_91)
    assert (expired.reason, expired.until) == (Reason.EXPIRED, date(2026, 4, 9))
    by_mail = services.check_serial(anna, "SN-CAROL-1", channel=Channel.EMAIL, now=DAY_90)
    assert by_mail.reason == Reason.CHANNEL and not by_mail.covered


def test_today_is_the_owner_local_date(carol_router, anna, plans):
    plans["warranty"].is_active = False
    plans["warranty"].save()
    carol_router.customer.time_zone = "Asia/Novosibirsk"
    carol_router.customer.save()
    # 23:30 UTC on day 90 is already day 91 in Novosibirsk.
    late = datetime(2026, 4, 9, 23, 30, tzinfo=UTC)
    assert not services.check_serial(anna, "SN-CAROL-1", channel="phone", now=late).covered
    carol_router.customer.time_zone = "America/New_York"
    carol_router.customer.save()
    assert services.check_serial(anna, "SN-CAROL-1", channel="phone", now=late).covered


def test_paid_plan_extends_coverage_from_its_own_start(carol_router, anna, plans):
    AssetPlan.objects.create(
        asset=carol_router, plan=plans["extended"], starts_on=date(2027, 1, 10)
    )
    report = services.check_serial(anna, "SN-CAROL-1", now=datetime(2028, 6, 1, tzinfo=UTC))
    assert (report.by, report.until) == ("Extended care", date(2029, 1, 9))
    assert [w.plan.code for w in report.windows] == ["phone-90", "warranty-1y", "extended-2y"]


def test_unknown_serial_for_staff_not_found_for_customers(carol_router, anna, erin_router, carol):
    assert services.check_serial(anna, "NOPE").reason == Reason.UNKNOWN_SERIAL
    with pytest.raises(NotFound):
        services.check_serial(carol.user, "NOPE")
    with pytest.raises(NotFound):
        services.check_serial(carol.user, "SN-ERIN-1")
    assert services.check_serial(carol.user, "SN-CAROL-1").asset == carol_router
    with pytest.raises(InvalidInput):
        services.check_serial(anna, "   ")


def test_customers_see_their_shared_organisation_assets_only(carol_router, erin_router, dave, acme):
    assert list(services.visible_assets(dave.user)) == [carol_router]
    acme.shared_tickets = False
    acme.save()
    dave.refresh_from_db()
    assert list(services.visible_assets(dave.user)) == []
    assert list(services.visible_assets(erin_router.customer.user)) == [erin_router]


def test_ticket_outside_coverage_is_created_and_flagged_with_the_reason(
    make_ticket, erin, erin_router, plans
):
    erin_router.purchased_on = date(2020, 1, 1)
    erin_router.save()
    ticket = make_ticket(erin, serial_number="SN-ERIN-1", channel=Channel.PHONE)
    assert ticket.status == Status.NEW
    flag = TicketCoverage.objects.get(ticket=ticket)
    assert flag.is_flagged and flag.reason == Reason.EXPIRED
    assert flag.plan.code == "warranty-1y" and flag.covered_until == date(2020, 12, 31)
    unknown = make_ticket(erin, serial_number="BOGUS")
    assert TicketCoverage.objects.get(ticket=unknown).reason == Reason.UNKNOWN_SERIAL
    assert not TicketCoverage.objects.filter(ticket=make_ticket(erin)).exists()


def test_changing_the_serial_rechecks_and_clearing_removes_the_flag(
    make_ticket, erin, erin_router, anna
):
    ticket = make_ticket(erin)
    actor = ticket_services.Actor(user=anna)
    ticket_services.update_ticket(ticket, actor, {"serial_number": "SN-ERIN-1"})
    assert TicketCoverage.objects.get(ticket=ticket).asset == erin_router
    ticket_services.update_ticket(ticket, actor, {"serial_number": ""})
    assert not TicketCoverage.objects.filter(ticket=ticket).exists()


def test_link_asset_from_the_panel_is_audited(make_ticket, erin, erin_router, anna, lena):
    ticket = make_ticket(erin)
    flag = services.link_asset(ticket, " SN-ERIN-1 ", anna)
    assert flag.asset == erin_router and flag.checked_by == anna
    ticket.refresh_from_db()
    assert (ticket.serial_number, ticket.product) == ("SN-ERIN-1", "Router X1")
    assert AuditEvent.objects.filter(ticket=ticket, field="serial_number").exists()
    again = services.link_asset(ticket, "SN-ERIN-1", anna)
    assert again.pk == flag.pk and TicketCoverage.objects.count() == 1
    with pytest.raises(Forbidden):
        services.link_asset(ticket, "SN-ERIN-1", lena)


def test_coverage_of_many_assets_in_constant_queries(
    django_assert_max_num_queries, carol, router, plans
):
    from opora.entitlements.models import Asset

    for number in range(30):
        asset = Asset.objects.create(
            serial=f"SN-{number}", product=router, customer=carol, purchased_on=date(2026, 1, 1)
        )
        AssetPlan.objects.create(asset=asset, plan=plans["extended"], starts_on=date(2026, 1, 1))
    with django_assert_max_num_queries(4):
        rows = services.assets_with_coverage(services.visible_assets(carol.user))
    assert len(rows) == 30 and all(report.covered for _asset, report in rows)
