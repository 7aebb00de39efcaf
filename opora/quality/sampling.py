"""Stratified random sampling of interactions for QA: pure, typed, no Django.

An agent's k reviews in a period are spread over the channels they worked in proportion to their
volume there (largest remainder), so a chat-heavy agent is not reviewed on e-mail alone. The draw
is a function of the seed, the agent and the candidate ids only: the same inputs give the same
sample on any machine and any database ordering.
"""

import random
from collections import defaultdict
from collections.abc import Hashable, Sequence


def allocate(sizes: dict[Hashable, int], k: int) -> dict[Hashable, int]:
    """Split k draws over strata in proportion to their sizes, never more than a stratum holds."""
    total = sum(sizes.values())
    k = min(k, total)
    if k <= 0:
        return {stratum: 0 for stratum in sizes}
    exact = {stratum: k * size / total for stratum, size in sizes.items()}
    shares = {stratum: int(value) for stratum, value in exact.items()}
    # Ties go to the stratum that sorts first, so the allocation never depends on dict order.
    by_remainder = sorted(sizes, key=lambda s: (-(exact[s] - shares[s]), str(s)))
    for stratum in by_remainder[: k - sum(shares.values())]:
        shares[stratum] += 1
    return shares


def stratified_sample(
    candidates: Sequence[tuple[int, Hashable]], k: int, seed: int | str
) -> list[int]:
    """Pick up to k ids from (id, stratum) pairs, proportionally per stratum, deterministically."""
    strata: dict[Hashable, list[int]] = defaultdict(list)
    for item_id, stratum in sorted(set(candidates), key=lambda pair: (pair[0], str(pair[1]))):
        strata[stratum].append(item_id)
    rng = random.Random(str(seed))
    picked: list[int] = []
    for stratum, count in sorted(
        allocate({s: len(ids) for s, ids in strata.items()}, k).items(),
        key=lambda pair: str(pair[0]),
    ):
        picked.extend(rng.sample(strata[stratum], count))
    return sorted(picked)
