"""How long a customer in the chat queue can expect to wait (pure: no Django, no I/O).

The estimate is throughput-based: if the team has recently accepted one chat every T seconds,
the customer at position P waits about P × T. It needs at least two recent accepts to know T.
"""

from collections.abc import Sequence
from datetime import datetime


def mean_accept_interval(accepted_at: Sequence[datetime]) -> float | None:
    """Mean seconds between consecutive accepts, or None with fewer than two of them."""
    if len(accepted_at) < 2:
        return None
    ordered = sorted(accepted_at)
    span = (ordered[-1] - ordered[0]).total_seconds()
    return span / (len(ordered) - 1)


def estimated_wait_seconds(position: int, accepted_at: Sequence[datetime]) -> int | None:
    """Seconds the customer at ``position`` (1 = next) may wait; None when there is no history."""
    if position < 1:
        raise ValueError("position starts at 1")
    interval = mean_accept_interval(accepted_at)
    if interval is None:
        return None
    return round(position * interval)
