"""A router with three plans: 90 days of phone support and a 1-year hardware warranty included
with every purchase, and a paid 2-year extended plan; Carol owns one, Erin another."""

from datetime import date

import pytest

from opora.entitlements.models import Asset, Covers, PlanKind, Product, SupportPlan
from opora.tickets.models import Channel


@pytest.fixture
def router(db) -> Product:
    return Product.objects.create(sku="router-x1", name="Router X1")


@pytest.fixture
def plans(router) -> dict[str, SupportPlan]:
    phone = SupportPlan.objects.create(
        code="phone-90",
        name="Free phone support",
        kind=PlanKind.INCLUDED,
        covers=Covers.SUPPORT,
        term_unit="days",
        term_length=90,
        channels=[Channel.PHONE],
    )
    warranty = SupportPlan.objects.create(
        code="warranty-1y",
        name="Limited hardware warranty",
        kind=PlanKind.INCLUDED,
        covers=Covers.HARDWARE,
        term_unit="years",
        term_length=1,
    )
    extended = SupportPlan.objects.create(
        code="extended-2y",
        name="Extended care",
        kind=PlanKind.PAID,
        term_unit="years",
        term_length=2,
    )
    for plan in (phone, warranty, extended):
        plan.products.add(router)
    return {"phone": phone, "warranty": warranty, "extended": extended}


@pytest.fixture
def carol_router(plans, router, carol) -> Asset:
    return Asset.objects.create(
        serial="SN-CAROL-1", product=router, customer=carol, purchased_on=date(2026, 1, 10)
    )


@pytest.fixture
def erin_router(plans, router, erin) -> Asset:
    return Asset.objects.create(
        serial="SN-ERIN-1", product=router, customer=erin, purchased_on=date(2026, 1, 10)
    )
