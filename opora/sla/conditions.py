"""Conditions on tickets stored as data (JSON), never as code.

An SLA policy says "priority high or urgent, VIP customers, e-mail or chat": a mapping of
criterion → allowed values. A criterion that is absent or empty matches everything; the
criteria present must all match (AND), and within one criterion any listed value matches (OR).
A contact reason matches its descendants as well, so "Billing" covers "Billing › Refund".

Routing rules and automations can store their conditions in the same shape and reuse
:func:`parse_conditions` and :func:`facts_for` (matched in order, first match wins).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from opora.customers.models import Organisation, Tier
from opora.tickets.models import Channel, ContactReason, Priority, Ticket

# Ticket fields whose change may change which conditions match.
TICKET_FIELDS_READ = frozenset({"priority", "channel", "organisation", "reason", "customer"})


class ConditionError(ValueError):
    """Conditions that are not valid; ``errors`` maps a path inside the JSON to a message."""

    def __init__(self, errors: Mapping[str, str]):
        super().__init__("; ".join(f"{path}: {message}" for path, message in errors.items()))
        self.errors = dict(errors)


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """What conditions read about a ticket, gathered once so matching many rules costs no queries."""

    priority: str
    channel: str
    tier: str
    language: str
    organisation_id: int | None
    # The ticket's contact reason and all of its ancestors.
    reason_ids: frozenset[int]


@dataclass(frozen=True, slots=True)
class Conditions:
    priorities: frozenset[str] = frozenset()
    tiers: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    organisation_ids: frozenset[int] = frozenset()
    reason_ids: frozenset[int] = frozenset()

    def matches(self, facts: TicketFacts) -> bool:
        return (
            _allows(self.priorities, facts.priority)
            and _allows(self.tiers, facts.tier)
            and _allows(self.channels, facts.channel)
            and _allows(self.languages, facts.language)
            and _allows(self.organisation_ids, facts.organisation_id)
            and (not self.reason_ids or bool(self.reason_ids & facts.reason_ids))
        )


def _allows(allowed: frozenset, value: object) -> bool:
    return not allowed or value in allowed


@dataclass(frozen=True, slots=True)
class _Criterion:
    kind: type  # str or int
    valid_values: Callable[[], Iterable[Any]]  # called only when the criterion is used
    invalid_message: Any  # a lazy translation with %(value)s


def _language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _existing(model: type, ids: Iterable[int]) -> Callable[[], Iterable[int]]:
    return lambda: model.objects.filter(pk__in=list(ids)).values_list("pk", flat=True)


def _criteria(ids_in_data: Mapping[str, list]) -> dict[str, _Criterion]:
    def ids(name: str) -> list[int]:
        return [value for value in ids_in_data.get(name) or [] if _is_id(value)]

    return {
        "priorities": _Criterion(str, lambda: Priority.values, _("%(value)r is not a priority")),
        "tiers": _Criterion(str, lambda: Tier.values, _("%(value)r is not a customer tier")),
        "channels": _Criterion(str, lambda: Channel.values, _("%(value)r is not a channel")),
        "languages": _Criterion(str, _language_codes, _("%(value)r is not a language")),
        "organisation_ids": _Criterion(
            int,
            _existing(Organisation, ids("organisation_ids")),
            _("there is no organisation %(value)s"),
        ),
        "reason_ids": _Criterion(
            int,
            _existing(ContactReason, ids("reason_ids")),
            _("there is no contact reason %(value)s"),
        ),
    }


CRITERIA = ("priorities", "tiers", "channels", "languages", "organisation_ids", "reason_ids")


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def parse_conditions(data: object) -> Conditions:
    """Validate conditions JSON and return them typed; :class:`ConditionError` names each bad path
    (``priorities.1``, ``organisation_ids.0``), relative to the conditions object."""
    if data is None:
        return Conditions()
    if not isinstance(data, dict):
        raise ConditionError({"": str(_("must be an object"))})
    errors: dict[str, str] = {}
    for key in data:
        if key not in CRITERIA:
            errors[str(key)] = str(_("unknown condition; use one of: %(names)s")) % {
                "names": ", ".join(CRITERIA)
            }
    parsed: dict[str, frozenset] = {}
    for name, criterion in _criteria(data).items():
        values = data.get(name) or []
        if not isinstance(values, list):
            errors[name] = str(_("must be a list"))
            continue
        valid = None
        for index, value in enumerate(values):
            well_typed = _is_id(value) if criterion.kind is int else isinstance(value, str)
            if well_typed:
                valid = set(criterion.valid_values()) if valid is None else valid
            if not well_typed or value not in valid:
                errors[f"{name}.{index}"] = str(criterion.invalid_message) % {"value": value}
        parsed[name] = frozenset(values)
    if errors:
        raise ConditionError(errors)
    return Conditions(**parsed)


def reason_ancestry(reason_id: int | None) -> frozenset[int]:
    """The reason and its ancestors, in one query however deep the tree is."""
    if reason_id is None:
        return frozenset()
    parents = dict(ContactReason.objects.values_list("pk", "parent_id"))
    found: set[int] = set()
    current: int | None = reason_id
    while current is not None and current not in found:  # "not in found" guards against a cycle
        found.add(current)
        current = parents.get(current)
    return frozenset(found)


def facts_for(ticket: Ticket) -> TicketFacts:
    customer = ticket.customer
    return TicketFacts(
        priority=ticket.priority,
        channel=ticket.channel,
        tier=customer.effective_tier,
        language=customer.language,
        organisation_id=ticket.organisation_id,
        reason_ids=reason_ancestry(ticket.reason_id),
    )
