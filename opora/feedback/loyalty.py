"""Loyalty stages and the satisfaction x revenue quadrant: the rules once, as data, usable both
on one customer in Python and as SQL over all of them.

Loyalty stage, from purchases (``CustomerProfile.purchase_count``; when unknown, the number of
contacts, i.e. tickets) and the customer's latest NPS score; the first rule that holds wins:

* fan: 12+ purchases and a promoter (NPS 9-10);
* adherent: 6+ purchases and a promoter;
* loyal: 6+ purchases, NPS passive (7-8) or not asked yet;
* regular: 4+ purchases (also 6+ from a detractor: repeat business from an unhappy customer is
  inertia, not loyalty);
* buyer: 2-3 purchases;
* one-time: at most one.

Quadrant: satisfaction (mean CSAT, 1-5) at or above its cut-off is "satisfied", revenue at or
above its cut-off is "high": model (both), growth (satisfied, low revenue), at-risk (high revenue,
not satisfied), hangers-on (neither).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils.translation import gettext_lazy as _


class LoyaltyStage(models.TextChoices):
    ONE_TIME = "one_time", _("One-time customer")
    BUYER = "buyer", _("Buyer")
    REGULAR = "regular", _("Regular")
    LOYAL = "loyal", _("Loyal")
    ADHERENT = "adherent", _("Adherent")
    FAN = "fan", _("Fan")


PROMOTER_FROM = 9
PASSIVE_FROM = 7


@dataclass(frozen=True)
class StageRule:
    stage: LoyaltyStage
    min_purchases: int
    nps_from: int | None  # None: any NPS, or none
    allow_no_nps: bool = True


STAGE_RULES = (
    StageRule(LoyaltyStage.FAN, 12, PROMOTER_FROM, allow_no_nps=False),
    StageRule(LoyaltyStage.ADHERENT, 6, PROMOTER_FROM, allow_no_nps=False),
    StageRule(LoyaltyStage.LOYAL, 6, PASSIVE_FROM),
    StageRule(LoyaltyStage.REGULAR, 4, None),
    StageRule(LoyaltyStage.BUYER, 2, None),
    StageRule(LoyaltyStage.ONE_TIME, 0, None),
)


def loyalty_stage(purchases: int, latest_nps: int | None) -> LoyaltyStage:
    for rule in STAGE_RULES:
        if purchases < rule.min_purchases:
            continue
        if (
            rule.nps_from is None
            or (latest_nps is None and rule.allow_no_nps)
            or (latest_nps is not None and latest_nps >= rule.nps_from)
        ):
            return rule.stage
    raise AssertionError("the last rule always holds")


def loyalty_stage_sql(purchases: str, latest_nps: str) -> Case:
    """The same rules as a SQL CASE over two annotated columns."""
    whens = []
    for rule in STAGE_RULES:
        condition = Q(**{f"{purchases}__gte": rule.min_purchases})
        if rule.nps_from is not None:
            nps_ok = Q(**{f"{latest_nps}__gte": rule.nps_from})
            if rule.allow_no_nps:
                nps_ok |= Q(**{f"{latest_nps}__isnull": True})
            condition &= nps_ok
        whens.append(When(condition, then=Value(rule.stage.value)))
    return Case(*whens, default=Value(LoyaltyStage.ONE_TIME.value), output_field=models.CharField())


class Quadrant(models.TextChoices):
    MODEL = "model", _("Model customers")
    GROWTH = "growth", _("Growth potential")
    AT_RISK = "at_risk", _("At risk")
    HANGERS_ON = "hangers_on", _("Hangers-on")


def quadrant(
    satisfaction: float, revenue: Decimal, satisfaction_cutoff: float, revenue_cutoff: Decimal
) -> Quadrant:
    satisfied = satisfaction >= satisfaction_cutoff
    if revenue >= revenue_cutoff:
        return Quadrant.MODEL if satisfied else Quadrant.AT_RISK
    return Quadrant.GROWTH if satisfied else Quadrant.HANGERS_ON


def quadrant_sql(
    satisfaction: str, revenue: str, satisfaction_cutoff: float, revenue_cutoff: Decimal
) -> Case:
    satisfied = Q(**{f"{satisfaction}__gte": satisfaction_cutoff})
    high = Q(**{f"{revenue}__gte": revenue_cutoff})
    return Case(
        When(satisfied & high, then=Value(Quadrant.MODEL.value)),
        When(high, then=Value(Quadrant.AT_RISK.value)),
        When(satisfied, then=Value(Quadrant.GROWTH.value)),
        default=Value(Quadrant.HANGERS_ON.value),
        output_field=models.CharField(),
    )
