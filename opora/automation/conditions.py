"""Conditions of routing rules, triggers and automations: the SLA criteria plus a few more.

The SLA module's criteria (priorities, tiers, channels, languages, organisation_ids,
reason_ids) are parsed and matched by :mod:`opora.sla.conditions` itself; this module adds
what routing and automation also need and keeps the same rules: data, never code; absent or
empty criteria match everything; criteria AND together, values within one OR together.

* ``keywords``: any of them in the subject or the customer's first message, case-insensitive
  (``casefold`` covers Cyrillic and Latin; "ё" counts as "е", as Russian writers mix them);
  matched as substrings so that "возврат" also finds "возврата".
* ``statuses``, ``types``, ``team_ids``: the ticket's current values.
* ``changed_fields``: on an update, any of these fields changed.

Each kind of rule allows only the extra criteria that make sense for it (a routing rule runs
on creation, so it has no ``changed_fields``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from opora.accounts.models import Team
from opora.sla.conditions import (
    CRITERIA,
    ConditionError,
    Conditions,
    TicketFacts,
    facts_for,
    parse_conditions,
)
from opora.tickets.models import Status, Ticket, TicketType

# Fields whose changes ``changed_fields`` can name: those an update can change.
WATCHABLE_FIELDS = ("status", "priority", "type", "reason", "team", "assignee", "subject")
MAX_KEYWORDS = 50
MAX_KEYWORD_LENGTH = 100

KEYWORDS = "keywords"
STATUSES = "statuses"
TYPES = "types"
TEAM_IDS = "team_ids"
CHANGED_FIELDS = "changed_fields"

ROUTING_CRITERIA = frozenset({KEYWORDS})
TRIGGER_CRITERIA = frozenset({KEYWORDS, STATUSES, TYPES, TEAM_IDS, CHANGED_FIELDS})
# A time-based automation names its status separately (the status it waits in).
AUTOMATION_CRITERIA = frozenset({KEYWORDS, TYPES, TEAM_IDS})


def text_too_long(limit: int) -> str:
    return ngettext(
        "must be a non-empty text of at most %(count)d character",
        "must be a non-empty text of at most %(count)d characters",
        limit,
    ) % {"count": limit}


def normalise_text(text: str) -> str:
    return text.casefold().replace("ё", "е")


@dataclass
class RuleFacts:
    """What rule conditions read about a ticket; the first message is read only if a rule asks."""

    ticket: Ticket
    changed: frozenset[str] = frozenset()
    first_message_body: str | None = None

    @cached_property
    def base(self) -> TicketFacts:
        return facts_for(self.ticket)

    @cached_property
    def text(self) -> str:
        body = self.first_message_body
        if body is None:
            first = self.ticket.messages.order_by("created_at", "pk").values_list("body").first()
            body = first[0] if first else ""
        return normalise_text(f"{self.ticket.subject}\n{body}")


@dataclass(frozen=True)
class RuleConditions:
    base: Conditions = field(default_factory=Conditions)
    keywords: tuple[str, ...] = ()
    statuses: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()
    team_ids: frozenset[int] = frozenset()
    changed_fields: frozenset[str] = frozenset()

    def matches(self, facts: RuleFacts) -> bool:
        ticket = facts.ticket
        # The cheap checks on the ticket itself first; facts and text cost queries.
        return (
            (not self.statuses or ticket.status in self.statuses)
            and (not self.types or ticket.type in self.types)
            and (not self.team_ids or ticket.team_id in self.team_ids)
            and (not self.changed_fields or bool(self.changed_fields & facts.changed))
            and self.base.matches(facts.base)
            and (not self.keywords or any(word in facts.text for word in self.keywords))
        )


def _choice_list(
    data: Mapping, name: str, valid: Callable[[], Collection], message, errors: dict[str, str]
) -> frozenset:
    values = data.get(name) or []
    if not isinstance(values, list):
        errors[name] = str(_("must be a list"))
        return frozenset()
    allowed = valid() if values else ()
    for index, value in enumerate(values):
        if isinstance(value, bool) or value not in allowed:
            errors[f"{name}.{index}"] = str(message) % {"value": value}
    return frozenset(values)


def _keywords(data: Mapping, errors: dict[str, str]) -> tuple[str, ...]:
    values = data.get(KEYWORDS) or []
    if not isinstance(values, list) or len(values) > MAX_KEYWORDS:
        errors[KEYWORDS] = ngettext(
            "must be a list of at most %(count)d word",
            "must be a list of at most %(count)d words",
            MAX_KEYWORDS,
        ) % {"count": MAX_KEYWORDS}
        return ()
    words = []
    for index, value in enumerate(values):
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_KEYWORD_LENGTH:
            errors[f"{KEYWORDS}.{index}"] = text_too_long(MAX_KEYWORD_LENGTH)
        else:
            words.append(normalise_text(value.strip()))
    return tuple(words)


def _team_ids(data: Mapping) -> Callable[[], Collection[int]]:
    def existing() -> Collection[int]:
        wanted = [value for value in data.get(TEAM_IDS) or [] if isinstance(value, int)]
        return set(Team.objects.filter(pk__in=wanted).values_list("pk", flat=True))

    return existing


def parse_rule_conditions(data: object, extras: frozenset[str]) -> RuleConditions:
    """Validate conditions JSON; :class:`ConditionError` names every bad path (``keywords.2``)."""
    if data is None:
        return RuleConditions()
    if not isinstance(data, dict):
        raise ConditionError({"": str(_("must be an object"))})
    allowed = (*CRITERIA, *sorted(extras))
    errors: dict[str, str] = {
        str(key): str(_("unknown condition; use one of: %(names)s")) % {"names": ", ".join(allowed)}
        for key in data
        if key not in allowed
    }
    try:
        base = parse_conditions({key: value for key, value in data.items() if key in CRITERIA})
    except ConditionError as error:
        errors.update(error.errors)
        base = Conditions()
    parsed = RuleConditions(
        base=base,
        keywords=_keywords(data, errors),
        statuses=_choice_list(
            data, STATUSES, lambda: Status.values, _("%(value)r is not a status"), errors
        ),
        types=_choice_list(
            data, TYPES, lambda: TicketType.values, _("%(value)r is not a ticket type"), errors
        ),
        team_ids=_choice_list(
            data, TEAM_IDS, _team_ids(data), _("there is no team %(value)s"), errors
        ),
        changed_fields=_choice_list(
            data,
            CHANGED_FIELDS,
            lambda: WATCHABLE_FIELDS,
            _("%(value)r is not a field that can change"),
            errors,
        ),
    )
    if errors:
        raise ConditionError(errors)
    return parsed
