"""Demo entitlements: three products, the included plans (90 days of phone support, a 1-year
limited hardware warranty), a paid extended plan, and assets for the demo customers — the portal
login `client` has one covered, one expiring soon and one expired."""

import random
from datetime import datetime, timedelta

from django.utils import timezone

from opora.customers.models import Customer
from opora.sla.models import SlaPolicy
from opora.tickets import services as ticket_services
from opora.tickets.models import Channel, Ticket

from .models import Asset, AssetPlan, Covers, PlanKind, Product, SupportPlan

PRODUCTS = [
    ("router-x1", "Маршрутизатор X1", "Router X1"),
    ("nas-200", "Сетевое хранилище NAS-200", "NAS-200 network storage"),
    ("cam-mini", "IP-камера Mini", "Mini IP camera"),
]
TRY_SERIAL = "DEMO-X1-0001"


def seed(now: datetime) -> str:
    rng = random.Random(42)
    today = timezone.localdate(now)
    products = [Product.objects.create(sku=sku, name=ru, name_en=en) for sku, ru, en in PRODUCTS]
    vip_policy = SlaPolicy.objects.filter(is_active=True).order_by("position", "pk").first()
    phone = SupportPlan.objects.create(
        code="phone-90",
        name="Бесплатная поддержка по телефону, 90 дней",
        name_en="Free phone support, 90 days",
        kind=PlanKind.INCLUDED,
        covers=Covers.SUPPORT,
        term_unit="days",
        term_length=90,
        channels=[Channel.PHONE, Channel.CHAT],
    )
    warranty = SupportPlan.objects.create(
        code="warranty-1y",
        name="Ограниченная гарантия на оборудование, 1 год",
        name_en="1-year limited hardware warranty",
        kind=PlanKind.INCLUDED,
        covers=Covers.HARDWARE,
        term_unit="years",
        term_length=1,
    )
    extended = SupportPlan.objects.create(
        code="care-plus-2y",
        name="Расширенная поддержка Care+, 2 года",
        name_en="Care+ extended support, 2 years",
        kind=PlanKind.PAID,
        covers=Covers.SUPPORT,
        term_unit="years",
        term_length=2,
        sla_policy=vip_policy,
    )
    for plan in (phone, warranty, extended):
        plan.products.set(products)

    customers = list(Customer.objects.order_by("pk")[:120])
    client = Customer.objects.filter(user__username="client").first() or customers[0]
    assets = [
        # Bought a month ago: phone support and warranty both run.
        Asset(
            serial=TRY_SERIAL,
            product=products[0],
            customer=client,
            purchased_on=today - timedelta(days=30),
        ),
        # The warranty ends in ten days.
        Asset(
            serial="DEMO-NAS-0002",
            product=products[1],
            customer=client,
            purchased_on=today - timedelta(days=355),
        ),
        # Three years old, nothing left.
        Asset(
            serial="DEMO-CAM-0003",
            product=products[2],
            customer=client,
            purchased_on=today - timedelta(days=3 * 365),
        ),
    ]
    for index, customer in enumerate(customers):
        if customer.pk == client.pk:
            continue
        for number in range(rng.choice((0, 1, 1, 2))):
            assets.append(
                Asset(
                    serial=f"SN{index:04d}{number}{rng.randrange(1000, 9999)}",
                    product=rng.choice(products),
                    customer=customer,
                    purchased_on=today - timedelta(days=rng.randrange(1, 4 * 365)),
                )
            )
    Asset.objects.bulk_create(assets)
    paid = [
        AssetPlan(asset=asset, plan=extended, starts_on=asset.purchased_on + timedelta(days=365))
        for asset in assets[3::4]
    ]
    paid.append(AssetPlan(asset=assets[0], plan=extended, starts_on=assets[0].purchased_on))
    AssetPlan.objects.bulk_create(paid)

    # A few open tickets name a serial, so the coverage panel has something to show.
    by_customer = {asset.customer_id: asset for asset in assets}
    tickets = Ticket.objects.filter(customer_id__in=by_customer, status__in=["new", "open"])
    actor = ticket_services.Actor(via="demo")
    flagged = 0
    for ticket in tickets.order_by("pk")[:25]:
        ticket_services.update_ticket(
            ticket, actor, {"serial_number": by_customer[ticket.customer_id].serial}
        )
        flagged += 1
    return (
        f"Seeded {len(products)} products, 3 support plans, {len(assets)} assets "
        f"({flagged} tickets checked for coverage); try serial {TRY_SERIAL} "
        f"(portal login client sees it at /entitlements/my/)"
    )
