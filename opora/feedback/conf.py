"""The feedback settings, each overridable in Django settings (the name) with the default here.

They are read on every use, not at import, so tests and operators can change them live."""

import os
from decimal import Decimal
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Where customers open survey links from their mail.
    "OPORA_PUBLIC_URL": os.environ.get("OPORA_PUBLIC_URL", "http://127.0.0.1:8000"),
    # At most one survey per customer per this many days, whatever the survey.
    "OPORA_SURVEY_FATIGUE_DAYS": 30,
    # Links in a survey mail stop working after this many days.
    "OPORA_SURVEY_EXPIRY_DAYS": 14,
    # One reminder this many days after sending, if still unanswered.
    "OPORA_SURVEY_REMINDER_DAYS": 3,
    # The survey sent when a ticket is solved: "csat" or "ces".
    "OPORA_SURVEY_AFTER_SOLVE": "csat",
    # Tickets with any of these tags get no survey.
    "OPORA_SURVEY_SKIP_TAGS": ("spam",),
    # The NPS relationship survey goes to each customer once per this many days.
    "OPORA_NPS_PERIOD_DAYS": 90,
    # A follow-up on a low score is due this many days after the answer.
    "OPORA_FOLLOW_UP_DAYS": 2,
    # The 4-quadrant cut-offs: mean CSAT (1-5) and annual revenue.
    "OPORA_QUADRANT_SATISFACTION_CUTOFF": 4.0,
    "OPORA_QUADRANT_REVENUE_CUTOFF": Decimal("1000000"),
    # Review requests: where customers leave a public review ({sku} and {product} are filled in;
    # empty: no review requests), and how long after the purchase the e-mail goes. Purchases
    # older than the window are never asked about (no sudden burst when the feature is switched on).
    "OPORA_REVIEW_URL": os.environ.get("OPORA_REVIEW_URL", ""),
    "OPORA_REVIEW_REQUEST_AFTER_DAYS": 21,
    "OPORA_REVIEW_REQUEST_WINDOW_DAYS": 14,
}


def setting(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])
