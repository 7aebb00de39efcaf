"""Coverage by serial number, customers' assets and their CSV import.

Staff read every asset and check any serial; customers only their own (and their shared
organisation's) — somebody else's serial answers 404, exactly like an unknown one."""

from datetime import date, datetime
from typing import Annotated

from ninja import Field, Query, Router, Schema, Status
from ninja.errors import AuthorizationError

from opora.api.pagination import page_of, reject_unknown_params
from opora.api.schemas import ErrorDetail, ErrorOut, Id, Page, PageParams, Text
from opora.core.errors import NotFound
from opora.tickets.access import get_visible_ticket
from opora.tickets.models import Channel

from . import services
from .models import Asset, SupportPlan, TicketCoverage

router = Router(tags=["entitlements"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
Serial = Annotated[Text, Field(min_length=1, max_length=100)]


class CoverageParams(Schema):
    serial: Serial
    channel: Channel | None = None


class WindowOut(Schema):
    plan: str
    plan_code: str
    covers: str
    starts: date
    ends: date
    covers_channel: bool
    sla_policy: str | None


class CoverageOut(Schema):
    serial: str
    covered: bool
    reason: str
    reason_label: str
    summary: str
    covered_until: date | None
    by: str
    days_left: int | None
    today: date | None
    product: str | None
    asset_id: int | None
    sla_policy: str | None
    windows: list[WindowOut]


class AssetIn(Schema):
    serial: Serial
    product: Annotated[Text, Field(min_length=1, max_length=60, description="Product code (sku)")]
    customer_id: Id
    purchased_on: date


class AssetPatch(Schema):
    product: Annotated[Text, Field(min_length=1, max_length=60)] | None = None
    customer_id: Id | None = None
    purchased_on: date | None = None


class AssetOut(Schema):
    id: int
    serial: str
    product: str
    product_name: str
    customer_id: int
    purchased_on: date
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_product(asset: Asset) -> str:
        return asset.product.sku

    @staticmethod
    def resolve_product_name(asset: Asset) -> str:
        return asset.product.label


class AssetFilters(Schema):
    customer_id: Id | None = None
    product: str | None = None


class ImportIn(Schema):
    csv: Text = Field(min_length=1, max_length=services.MAX_IMPORT_BYTES)


class ImportOut(Schema):
    rows: int
    created: int
    updated: int
    unchanged: int
    plans_added: int


class RowErrorOut(Schema):
    row: int
    column: str
    message: str


class ImportErrorOut(Schema):
    error: ErrorDetail
    rows: list[RowErrorOut] = Field(
        default_factory=list, description="Every error with its row, when the CSV was read"
    )


class PlanOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    covers: str
    term_unit: str
    term_length: int
    channels: list[str]
    products: list[str]
    sla_policy_id: int | None

    @staticmethod
    def resolve_products(plan: SupportPlan) -> list[str]:
        return [product.sku for product in plan.products.all()]


class TicketCoverageOut(Schema):
    ticket_id: int
    serial: str
    flagged: bool
    reason: str
    covered_until: date | None
    by: str
    checked_at: datetime

    @staticmethod
    def resolve_flagged(flag: TicketCoverage) -> bool:
        return flag.is_flagged

    @staticmethod
    def resolve_by(flag: TicketCoverage) -> str:
        return flag.plan.label if flag.plan else ""


def _staff(request) -> None:
    if not request.auth.is_agent_like:
        raise AuthorizationError


def _editor(request) -> None:
    if not request.auth.can_reply_publicly:
        raise AuthorizationError


def _coverage_out(report: services.CoverageReport) -> dict:
    return {
        "serial": report.serial,
        "covered": report.covered,
        "reason": report.reason,
        "reason_label": report.reason_label,
        "summary": report.summary,
        "covered_until": report.until,
        "by": report.by,
        "days_left": report.days_left,
        "today": report.today,
        "product": report.asset.product.label if report.asset else None,
        "asset_id": report.asset.pk if report.asset else None,
        "sla_policy": str(report.plan.sla_policy)
        if report.plan and report.plan.sla_policy
        else None,
        "windows": [
            {
                "plan": w.plan.label,
                "plan_code": w.plan.code,
                "covers": w.plan.covers,
                "starts": w.starts,
                "ends": w.ends,
                "covers_channel": w.covers_channel,
                "sla_policy": str(w.plan.sla_policy) if w.plan.sla_policy else None,
            }
            for w in report.windows
        ],
    }


@router.get("/entitlements/coverage", response={200: CoverageOut, **ERRORS})
def check_coverage(request, params: Query[CoverageParams]):
    """Covered until …, by …: for staff any serial, for customers only their own assets."""
    reject_unknown_params(request, CoverageParams)
    report = services.check_serial(request.auth, params.serial, channel=params.channel)
    return _coverage_out(report)


@router.get("/entitlements/plans", response={200: list[PlanOut], **ERRORS})
def list_plans(request):
    _staff(request)
    return list(SupportPlan.objects.filter(is_active=True).prefetch_related("products"))


@router.get("/entitlements/assets", response={200: Page[AssetOut], **ERRORS})
def list_assets(request, page: Query[PageParams], filters: Query[AssetFilters]):
    reject_unknown_params(request, PageParams, AssetFilters)
    assets = services.visible_assets(request.auth).select_related("product")
    if filters.customer_id is not None:
        assets = assets.filter(customer_id=filters.customer_id)
    if filters.product is not None:
        assets = assets.filter(product__sku=filters.product)
    return page_of(assets.order_by("serial", "pk"), page)


def _visible_asset(request, asset_id: int) -> Asset:
    asset = (
        services.visible_assets(request.auth).select_related("product").filter(pk=asset_id).first()
    )
    if asset is None:
        raise NotFound(f"Asset {asset_id} not found")
    return asset


@router.post("/entitlements/assets", response={201: AssetOut, **ERRORS})
def create_asset(request, payload: AssetIn):
    _editor(request)
    asset = services.create_asset(
        services.AssetData(
            payload.serial, payload.product, payload.customer_id, payload.purchased_on
        )
    )
    return Status(201, asset)


@router.post(
    "/entitlements/assets/import",
    response={200: ImportOut, 400: ImportErrorOut, **{k: v for k, v in ERRORS.items() if k != 400}},
)
def import_assets(request, payload: ImportIn):
    """All rows or none; on errors the answer lists every one with its row number."""
    _editor(request)
    try:
        result = services.import_asset_csv(payload.csv)
    except services.ImportRejected as rejected:
        return Status(400, {**rejected.as_dict(), "rows": rejected.errors})
    return {
        "rows": result.rows,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "plans_added": result.plans_added,
    }


@router.get("/entitlements/assets/{asset_id}", response={200: AssetOut, **ERRORS})
def get_asset(request, asset_id: Id):
    return _visible_asset(request, asset_id)


@router.patch("/entitlements/assets/{asset_id}", response={200: AssetOut, **ERRORS})
def update_asset(request, asset_id: Id, payload: AssetPatch):
    _editor(request)
    asset = _visible_asset(request, asset_id)
    data = services.AssetData(
        asset.serial,
        payload.product if payload.product is not None else asset.product.sku,
        payload.customer_id if payload.customer_id is not None else asset.customer_id,
        payload.purchased_on if payload.purchased_on is not None else asset.purchased_on,
    )
    return services.update_asset(asset, data)


@router.delete("/entitlements/assets/{asset_id}", response={204: None, **ERRORS})
def delete_asset(request, asset_id: Id):
    _editor(request)
    _visible_asset(request, asset_id).delete()
    return Status(204, None)


@router.get("/entitlements/tickets/{ticket_id}", response={200: TicketCoverageOut, **ERRORS})
def ticket_coverage(request, ticket_id: Id):
    """The coverage flag of a ticket (404 when it has no serial number)."""
    _staff(request)
    ticket = get_visible_ticket(request.auth, ticket_id)
    flag = TicketCoverage.objects.filter(ticket=ticket).select_related("plan").first()
    if flag is None:
        raise NotFound(f"Ticket {ticket_id} has no serial number to check")
    return flag
