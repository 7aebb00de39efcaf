"""Entitlements: who owns what, which plans cover it, and the coverage flag on tickets.

The date maths is in coverage.py; this module feeds it an asset's plans and stores results."""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from opora.accounts.models import Role, User
from opora.core.errors import InvalidInput, NotFound
from opora.customers.models import Customer
from opora.tickets import services as ticket_services
from opora.tickets.access import customer_of, require_can_edit
from opora.tickets.models import Ticket

from . import coverage
from .models import Asset, AssetPlan, PlanKind, Product, Reason, SupportPlan, TicketCoverage

VERDICT_REASONS = {
    coverage.Verdict.COVERED: Reason.COVERED,
    coverage.Verdict.EXPIRED: Reason.EXPIRED,
    coverage.Verdict.NOT_STARTED: Reason.NOT_STARTED,
    coverage.Verdict.NO_PLAN: Reason.NO_PLAN,
}


# ---------------------------------------------------------------- who sees which assets


def visible_assets(user: User) -> QuerySet[Asset]:
    """Staff see every asset (they take calls from anyone); a customer their own and, where the
    organisation shares tickets, the organisation's."""
    assets = Asset.objects.all()
    if not user.is_authenticated or not user.is_active:
        return assets.none()
    if user.is_agent_like:
        return assets
    if user.role != Role.CUSTOMER:
        return assets.none()
    customer = customer_of(user)
    if customer is None:
        return assets.none()
    allowed = Q(customer=customer)
    if customer.organisation_id and customer.organisation.shared_tickets:
        allowed |= Q(customer__organisation_id=customer.organisation_id)
    return assets.filter(allowed)


def with_plans(assets: QuerySet[Asset]) -> QuerySet[Asset]:
    """Everything a coverage check reads, for any number of assets in three queries."""
    return assets.select_related("product", "customer").prefetch_related(
        Prefetch(
            "product__plans",
            queryset=SupportPlan.objects.filter(is_active=True, kind=PlanKind.INCLUDED)
            .select_related("sla_policy")
            .order_by("pk"),
        ),
        Prefetch(
            "paid_plans",
            queryset=AssetPlan.objects.filter(plan__is_active=True).select_related(
                "plan", "plan__sla_policy"
            ),
        ),
    )


def get_visible_asset(user: User, serial: str) -> Asset:
    asset = with_plans(visible_assets(user)).filter(serial=serial.strip()).first()
    if asset is None:
        raise NotFound(_("No asset with serial number %(serial)s") % {"serial": serial})
    return asset


# ---------------------------------------------------------------- the coverage check


@dataclass(frozen=True)
class PlanWindow:
    plan: SupportPlan
    starts: date
    ends: date
    covers_channel: bool


@dataclass(frozen=True)
class CoverageReport:
    serial: str
    asset: Asset | None
    reason: str
    until: date | None
    plan: SupportPlan | None
    days_left: int | None
    today: date | None
    windows: list[PlanWindow] = field(default_factory=list)

    @property
    def covered(self) -> bool:
        return self.reason == Reason.COVERED

    @property
    def by(self) -> str:
        return self.plan.label if self.plan else ""

    @property
    def reason_label(self) -> str:
        return str(Reason(self.reason).label)

    @property
    def summary(self) -> str:
        """One line for agent, customer and API: "Covered until 28 May 2027, by Extended care"."""
        until = formats.date_format(self.until, "DATE_FORMAT") if self.until else ""
        values = {"until": until, "plan": self.by}
        if self.reason == Reason.COVERED:
            return _("Covered until %(until)s, by %(plan)s") % values
        if self.reason == Reason.EXPIRED:
            return _("Not covered: %(plan)s ended on %(until)s") % values
        if self.reason == Reason.NOT_STARTED:
            return _("Not covered yet: %(plan)s starts on %(until)s") % values
        if self.reason == Reason.CHANNEL:
            return _("Covered until %(until)s by %(plan)s, but not on this channel") % values
        return _("Not covered: %(reason)s") % {"reason": self.reason_label}


def plan_windows(asset: Asset, channel: str | None = None) -> list[PlanWindow]:
    """Every plan's coverage of the asset; reads prefetched plans (see with_plans)."""
    starts = [(plan, asset.purchased_on) for plan in asset.product.plans.all()]
    starts += [(paid.plan, paid.starts_on) for paid in asset.paid_plans.all()]
    windows = []
    for plan, start in starts:
        span = coverage.window(str(plan.pk), start, plan.term)
        windows.append(PlanWindow(plan, span.starts, span.ends, plan.covers_channel(channel)))
    return sorted(windows, key=lambda w: (w.starts, w.plan.pk))


def check_asset(
    asset: Asset, *, channel: str | None = None, now: datetime | None = None
) -> CoverageReport:
    """Is the asset covered today (in its owner's time zone), on this channel if one is given?"""
    today = coverage.local_today(now or timezone.now(), asset.customer.time_zone)
    windows = plan_windows(asset, channel)
    plans = {str(w.plan.pk): w.plan for w in windows}

    def verdict(chosen: Iterable[PlanWindow]) -> coverage.Coverage:
        return coverage.evaluate(
            [coverage.Window(str(w.plan.pk), w.starts, w.ends) for w in chosen], today
        )

    overall = verdict(windows)
    channel_windows = [w for w in windows if w.covers_channel]
    on_channel = verdict(channel_windows)
    if overall.covered and not on_channel.covered:
        # Covered, just not here: e.g. a hardware warranty when the customer calls for support.
        result, reason = overall, Reason.CHANNEL
    else:
        result = on_channel if channel_windows else overall
        reason = VERDICT_REASONS[result.verdict]
    return CoverageReport(
        serial=asset.serial,
        asset=asset,
        reason=reason,
        until=result.until,
        plan=plans.get(result.by),
        days_left=result.days_left,
        today=today,
        windows=windows,
    )


def check_serial(
    user: User, serial: str, *, channel: str | None = None, now: datetime | None = None
) -> CoverageReport:
    """Coverage by serial number. Staff learn that a serial is unknown; for a customer an unknown
    serial and somebody else's look the same (NotFound)."""
    serial = serial.strip()
    if not serial:
        raise InvalidInput(_("Enter a serial number"), fields={"serial": "required"})
    try:
        asset = get_visible_asset(user, serial)
    except NotFound:
        if not user.is_agent_like:
            raise
        return CoverageReport(serial, None, Reason.UNKNOWN_SERIAL, None, None, None, None)
    return check_asset(asset, channel=channel, now=now)


def assets_with_coverage(assets: QuerySet[Asset], now: datetime | None = None) -> list:
    return [(asset, check_asset(asset, now=now)) for asset in with_plans(assets)]


# ---------------------------------------------------------------- the flag on tickets


def flag_ticket(
    ticket: Ticket, *, checked_by: User | None = None, now: datetime | None = None
) -> TicketCoverage | None:
    """Record the coverage of the ticket's serial number: outside coverage is flagged with the
    reason, and the ticket goes on as any other. No serial: no flag."""
    serial = ticket.serial_number.strip()
    if not serial:
        TicketCoverage.objects.filter(ticket=ticket).delete()
        return None
    asset = with_plans(Asset.objects.filter(serial=serial)).first()
    if asset is None:
        report = CoverageReport(serial, None, Reason.UNKNOWN_SERIAL, None, None, None, None)
    else:
        report = check_asset(asset, channel=ticket.channel, now=now)
    flag, _created = TicketCoverage.objects.update_or_create(
        ticket=ticket,
        defaults={
            "serial": serial,
            "asset": asset,
            "reason": report.reason,
            "covered_until": report.until,
            "plan": report.plan,
            "checked_at": now or timezone.now(),
            "checked_by": checked_by,
        },
    )
    return flag


@transaction.atomic
def link_asset(ticket: Ticket, serial: str, user: User) -> TicketCoverage | None:
    """Put a serial number on a ticket from the agent panel; the change is audited by the ticket
    service, and the ticket_changed receiver flags the ticket. The same serial again re-checks."""
    require_can_edit(user)
    serial = serial.strip()
    if not serial:
        raise InvalidInput(_("Enter a serial number"), fields={"serial": "required"})
    changes: dict[str, str] = {"serial_number": serial}
    asset = Asset.objects.select_related("product").filter(serial=serial).first()
    if asset is not None:
        changes["product"] = asset.product.label
    actor = ticket_services.Actor(user=user)
    updated = ticket_services.update_ticket(ticket, actor, changes)
    return flag_ticket(updated, checked_by=user)


# ---------------------------------------------------------------- CSV import

CSV_COLUMNS = ("serial", "product", "customer_email", "purchased_on", "plan", "plan_starts_on")
REQUIRED_COLUMNS = ("serial", "product", "customer_email", "purchased_on")
MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_IMPORT_ROWS = 100_000
BATCH = 1000


@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str
    message: str


class ImportRejected(InvalidInput):
    """The file has errors; nothing was imported. `errors` lists every one with its row."""

    code = "import_rejected"

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__(
            ngettext(
                "The file has %(count)s error; nothing was imported",
                "The file has %(count)s errors; nothing was imported",
                len(errors),
            )
            % {"count": len(errors)},
            fields={f"row {e.row}.{e.column}": e.message for e in errors[:200]},
        )


@dataclass(frozen=True)
class AssetRow:
    row: int
    serial: str
    product: Product
    customer: Customer
    purchased_on: date
    plan: SupportPlan | None
    plan_starts_on: date | None


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    plans_added: int

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged


def _iso_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _rows_or_invalid(reader: csv.DictReader):
    try:
        yield from reader
    except csv.Error as error:
        raise InvalidInput(
            _("The file is not valid CSV: %(error)s") % {"error": error}, fields={"file": "not_csv"}
        ) from None


def parse_asset_csv(data: bytes | str, *, today: date | None = None) -> list[AssetRow]:
    """Read and check every row; raise ImportRejected listing all errors, or return the rows."""
    if isinstance(data, bytes):
        if len(data) > MAX_IMPORT_BYTES:
            raise InvalidInput(_("The file is larger than 10 MB"), fields={"file": "too_large"})
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput(
                _("The file is not UTF-8 text"), fields={"file": "not_utf8"}
            ) from None
    if "\x00" in data:
        raise InvalidInput(_("The file is not a CSV text file"), fields={"file": "binary"})
    # Universal newlines: files from old Macs end lines with a bare \r.
    reader = csv.DictReader(io.StringIO(data.lstrip("\ufeff"), newline=None))
    try:
        header = [name.strip() for name in reader.fieldnames or []]
    except csv.Error as error:
        raise InvalidInput(
            _("The file is not valid CSV: %(error)s") % {"error": error}, fields={"file": "not_csv"}
        ) from None
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if missing or unknown:
        errors = [RowError(1, name, _("required column is missing")) for name in missing]
        errors += [RowError(1, name, _("unknown column")) for name in unknown]
        raise ImportRejected(errors)
    reader.fieldnames = header
    raw_rows = []
    for number, raw in enumerate(_rows_or_invalid(reader), start=2):
        if number - 1 > MAX_IMPORT_ROWS:
            raise InvalidInput(
                _("The file has more than %(max)s rows") % {"max": MAX_IMPORT_ROWS},
                fields={"file": "too_many_rows"},
            )
        if None in raw:
            raw_rows.append((number, None))
            continue
        raw_rows.append((number, {key: (value or "").strip() for key, value in raw.items()}))
    if not raw_rows:
        raise InvalidInput(_("The file has no rows"), fields={"file": "empty"})
    return _check_rows(raw_rows, today or timezone.localdate())


def _check_rows(raw_rows: list, today: date) -> list[AssetRow]:
    values = [row for _number, row in raw_rows if row is not None]
    products = {p.sku: p for p in Product.objects.filter(sku__in={r["product"] for r in values})}
    emails = {r["customer_email"].lower() for r in values if r["customer_email"]}
    customers = {
        c.email.lower(): c
        for c in Customer.objects.annotate(email_lower=Lower("email")).filter(
            email_lower__in=emails
        )
    }
    plan_codes = {r.get("plan", "") for r in values} - {""}
    plans = {
        p.code: p
        for p in SupportPlan.objects.filter(code__in=plan_codes).prefetch_related("products")
    }
    errors: list[RowError] = []
    rows: list[AssetRow] = []
    first_row_of: dict[str, int] = {}
    # A day of slack: a purchase "today" in Vladivostok is still tomorrow's date in Moscow's view.
    latest_purchase = today + timedelta(days=1)
    for number, raw in raw_rows:
        if raw is None:
            errors.append(RowError(number, "", _("the row has more values than the header")))
            continue
        row_errors: list[RowError] = []

        def fail(column: str, message: str, number: int = number, found=row_errors) -> None:
            found.append(RowError(number, column, message))

        serial = raw["serial"]
        if not serial:
            fail("serial", _("required"))
        elif len(serial) > 100:
            fail("serial", _("longer than 100 characters"))
        elif serial in first_row_of:
            fail(
                "serial",
                _("the same serial number is on row %(row)s") % {"row": first_row_of[serial]},
            )
        else:
            first_row_of[serial] = number
        product = products.get(raw["product"])
        if product is None:
            fail("product", _("no product with code “%(code)s”") % {"code": raw["product"]})
        customer = customers.get(raw["customer_email"].lower())
        if customer is None:
            fail(
                "customer_email",
                _("no customer with e-mail “%(email)s”") % {"email": raw["customer_email"]},
            )
        purchased_on = _iso_date(raw["purchased_on"])
        if purchased_on is None:
            fail("purchased_on", _("not a date like 2026-03-31"))
        elif purchased_on > latest_purchase:
            fail("purchased_on", _("in the future"))
        plan = None
        plan_starts_on = None
        if raw.get("plan"):
            plan = plans.get(raw["plan"])
            if plan is None:
                fail("plan", _("no plan with code “%(code)s”") % {"code": raw["plan"]})
            elif plan.kind != PlanKind.PAID:
                fail("plan", _("is included with the purchase, not sold separately"))
            elif product is not None and product not in plan.products.all():
                fail("plan", _("is not sold for this product"))
            plan_starts_on = _iso_date(raw.get("plan_starts_on") or raw["purchased_on"])
            if plan_starts_on is None:
                fail("plan_starts_on", _("not a date like 2026-03-31"))
        elif raw.get("plan_starts_on"):
            fail("plan_starts_on", _("given without a plan"))
        if row_errors:
            errors.extend(row_errors)
            continue
        rows.append(AssetRow(number, serial, product, customer, purchased_on, plan, plan_starts_on))
    if errors:
        raise ImportRejected(errors)
    return rows


@transaction.atomic
def import_assets(rows: list[AssetRow]) -> ImportResult:
    """Create or update assets by serial number, all or nothing. Importing the same file twice
    changes nothing the second time."""
    existing: dict[str, Asset] = {}
    serials = [row.serial for row in rows]
    for start in range(0, len(serials), BATCH):
        chunk = serials[start : start + BATCH]
        existing.update(
            (asset.serial, asset)
            for asset in Asset.objects.select_for_update().filter(serial__in=chunk)
        )
    to_create: list[Asset] = []
    to_update: list[Asset] = []
    unchanged = 0
    for row in rows:
        asset = existing.get(row.serial)
        if asset is None:
            asset = Asset(
                serial=row.serial,
                product=row.product,
                customer=row.customer,
                purchased_on=row.purchased_on,
            )
            to_create.append(asset)
            existing[row.serial] = asset
        elif (asset.product_id, asset.customer_id, asset.purchased_on) != (
            row.product.pk,
            row.customer.pk,
            row.purchased_on,
        ):
            asset.product, asset.customer, asset.purchased_on = (
                row.product,
                row.customer,
                row.purchased_on,
            )
            to_update.append(asset)
        else:
            unchanged += 1
    Asset.objects.bulk_create(to_create, batch_size=BATCH)
    now = timezone.now()
    for asset in to_update:
        asset.updated_at = now
    Asset.objects.bulk_update(
        to_update, ["product", "customer", "purchased_on", "updated_at"], batch_size=BATCH
    )
    plans_added = _add_paid_plans(rows, existing)
    return ImportResult(len(to_create), len(to_update), unchanged, plans_added)


def _add_paid_plans(rows: list[AssetRow], assets: dict[str, Asset]) -> int:
    wanted = {
        (assets[row.serial].pk, row.plan.pk, row.plan_starts_on): row
        for row in rows
        if row.plan is not None
    }
    if not wanted:
        return 0
    asset_ids = list({asset_id for asset_id, _plan, _start in wanted})
    present = set()
    for start in range(0, len(asset_ids), BATCH):
        present.update(
            AssetPlan.objects.filter(asset_id__in=asset_ids[start : start + BATCH]).values_list(
                "asset_id", "plan_id", "starts_on"
            )
        )
    new = [
        AssetPlan(asset_id=asset_id, plan_id=plan_id, starts_on=starts_on)
        for asset_id, plan_id, starts_on in wanted
        if (asset_id, plan_id, starts_on) not in present
    ]
    AssetPlan.objects.bulk_create(new, batch_size=BATCH)
    return len(new)


def import_asset_csv(data: bytes | str) -> ImportResult:
    return import_assets(parse_asset_csv(data))


# ---------------------------------------------------------------- single assets (API)


@dataclass
class AssetData:
    serial: str
    product_sku: str
    customer_id: int
    purchased_on: date


def _resolve(data: AssetData) -> tuple[Product, Customer]:
    product = Product.objects.filter(sku=data.product_sku).first()
    if product is None:
        raise InvalidInput(_("No such product"), fields={"product": "not_found"})
    customer = Customer.objects.filter(pk=data.customer_id).first()
    if customer is None:
        raise InvalidInput(_("No such customer"), fields={"customer_id": "not_found"})
    if data.purchased_on > timezone.localdate() + timedelta(days=1):
        raise InvalidInput(
            _("The purchase date is in the future"), fields={"purchased_on": "in_future"}
        )
    return product, customer


@transaction.atomic
def create_asset(data: AssetData) -> Asset:
    serial = data.serial.strip()
    if not serial:
        raise InvalidInput(_("Enter a serial number"), fields={"serial": "required"})
    product, customer = _resolve(data)
    if Asset.objects.filter(serial=serial).exists():
        raise InvalidInput(
            _("Serial number %(serial)s is already registered") % {"serial": serial},
            fields={"serial": "duplicate"},
        )
    return Asset.objects.create(
        serial=serial, product=product, customer=customer, purchased_on=data.purchased_on
    )


@transaction.atomic
def update_asset(asset: Asset, data: AssetData) -> Asset:
    product, customer = _resolve(data)
    asset.product, asset.customer, asset.purchased_on = product, customer, data.purchased_on
    asset.save()
    return asset


def require_importer(user: User) -> None:
    """Assets change what every agent and customer sees; light agents only read."""
    require_can_edit(user)
