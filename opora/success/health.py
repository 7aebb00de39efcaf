"""Account health: a score from 0 to 100 with the reasons behind it. Pure: no Django, no I/O.

Start from a neutral 70 and move it by what the account tells us:
- CSAT (last 180 days): ±15 around 80 %; NPS: ±10 (NPS / 10);
- open incidents touching the account: −8 each, at most −24;
- contacts per person over 90 days above 5 and above twice the desk's typical rate: −10 (they
  keep needing us more than others do);
- usage trend (active users now ÷ a month ago): below 0.8 −15, from 1.2 +5;
- nobody at the account wrote or answered in 90 days and no usage is reported: −10 (silence).
Churn-risk and expansion signals are listed separately, each with its reason code, so the
account owner sees why, not just a number."""

from dataclasses import dataclass

HEALTHY_FROM = 70
WATCH_FROM = 50


@dataclass(frozen=True)
class HealthInputs:
    people: int
    contacts_90d: int
    open_incidents: int
    csat_percent: float | None = None
    nps: float | None = None
    usage_trend: float | None = None  # active users now ÷ about a month ago
    seat_utilisation: float | None = None  # seats used ÷ seats licensed
    days_to_renewal: int | None = None
    # Contacts per person over 90 days across all accounts: "many" is relative to the desk.
    typical_contacts_per_person: float = 0.0


@dataclass(frozen=True)
class Health:
    score: int
    band: str  # healthy / watch / at_risk
    churn_reasons: tuple[str, ...]
    expansion_reasons: tuple[str, ...]


def _clip(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def band_of(score: int) -> str:
    if score >= HEALTHY_FROM:
        return "healthy"
    return "watch" if score >= WATCH_FROM else "at_risk"


def account_health(facts: HealthInputs) -> Health:
    score = 70.0
    churn: list[str] = []
    expansion: list[str] = []
    if facts.csat_percent is not None:
        score += _clip((facts.csat_percent - 80) / 2, -15, 15)
        if facts.csat_percent < 70:
            churn.append("low_csat")
    if facts.nps is not None:
        score += _clip(facts.nps / 10, -10, 10)
        if facts.nps < 0:
            churn.append("detractors")
        elif facts.nps >= 50:
            expansion.append("promoters")
    if facts.open_incidents > 0:
        score -= min(24, 8 * facts.open_incidents)
        churn.append("open_incidents")
    if facts.people > 0 and facts.contacts_90d / facts.people > max(
        5, 2 * facts.typical_contacts_per_person
    ):
        score -= 10
        churn.append("many_contacts")
    if facts.usage_trend is not None:
        if facts.usage_trend < 0.8:
            score -= 15
            churn.append("usage_falling")
        elif facts.usage_trend >= 1.2:
            score += 5
            expansion.append("usage_growing")
    if facts.seat_utilisation is not None and facts.seat_utilisation >= 0.9:
        expansion.append("seats_nearly_full")
    if facts.contacts_90d == 0 and facts.csat_percent is None and facts.usage_trend is None:
        score -= 10
        churn.append("silent")
    final = round(_clip(score, 0, 100))
    if (
        facts.days_to_renewal is not None
        and 0 <= facts.days_to_renewal <= 60
        and final < HEALTHY_FROM
    ):
        churn.append("renewal_at_risk")
    return Health(final, band_of(final), tuple(churn), tuple(expansion))
