"""Actions of triggers, automations and macros, stored as data (a JSON list) and validated here.

Each entry is an object with a ``type``; the other keys depend on it:

* ``{"type": "set_field", "field": "status", "value": "solved"}`` — status, priority or type by
  value; team and assignee by id (``null`` unassigns);
* ``{"type": "assign"}`` — pick the assignee by the ticket team's assignment strategy;
* ``{"type": "add_tag", "tag": "vip"}``;
* ``{"type": "reply", "body": "...", "internal": false}`` — a public reply or internal note;
* ``{"type": "send_email", "subject": "...", "body": "..."}`` — an e-mail to the customer;
* ``{"type": "webhook", "url": "https://...", "secret_env": "CRM_WEBHOOK_SECRET"}``.

Texts may use the canned-response placeholders (``{{ customer.name }}``...), filled by
:mod:`opora.tickets.canned`, never a template language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from opora.accounts.models import Role, Team, User
from opora.sla.conditions import ConditionError
from opora.tickets.models import Priority, Status, TicketType

from .conditions import text_too_long


class ActionType:
    SET_FIELD = "set_field"
    ASSIGN = "assign"
    ADD_TAG = "add_tag"
    REPLY = "reply"
    SEND_EMAIL = "send_email"
    WEBHOOK = "webhook"


RULE_ACTIONS = frozenset(
    {
        ActionType.SET_FIELD,
        ActionType.ASSIGN,
        ActionType.ADD_TAG,
        ActionType.REPLY,
        ActionType.SEND_EMAIL,
        ActionType.WEBHOOK,
    }
)
# Macros act for the agent who clicks: they change the ticket and reply, nothing leaves Opora.
MACRO_ACTIONS = frozenset({ActionType.SET_FIELD, ActionType.ADD_TAG, ActionType.REPLY})

CHOICE_FIELDS = {"status": Status, "priority": Priority, "type": TicketType}
SETTABLE_FIELDS = (*CHOICE_FIELDS, "team", "assignee")
ASSIGNABLE_ROLES = (Role.ADMIN, Role.MANAGER, Role.AGENT)
ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,99}$")
MAX_ACTIONS = 20
MAX_TEXT = 10_000


@dataclass(frozen=True)
class SetField:
    field: str
    value: str | int | None


@dataclass(frozen=True)
class AutoAssign:
    pass


@dataclass(frozen=True)
class AddTag:
    tag: str


@dataclass(frozen=True)
class Reply:
    body: str
    internal: bool = False


@dataclass(frozen=True)
class SendEmail:
    subject: str
    body: str


@dataclass(frozen=True)
class Webhook:
    url: str
    secret_env: str


Action = SetField | AutoAssign | AddTag | Reply | SendEmail | Webhook


def _text(entry: dict, key: str, path: str, errors: dict[str, str], limit: int = MAX_TEXT) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        errors[f"{path}.{key}"] = text_too_long(limit)
        return ""
    return value.strip()


def _set_field(entry: dict, path: str, errors: dict[str, str]) -> SetField:
    name, value = entry.get("field"), entry.get("value")
    if name not in SETTABLE_FIELDS:
        errors[f"{path}.field"] = str(_("use one of: %(names)s")) % {
            "names": ", ".join(SETTABLE_FIELDS)
        }
    elif name in CHOICE_FIELDS:
        if value not in CHOICE_FIELDS[name].values:
            errors[f"{path}.value"] = str(_("%(value)r is not a valid %(field)s")) % {
                "value": value,
                "field": name,
            }
    elif name == "team":
        if not _is_id(value) or not Team.objects.filter(pk=value).exists():
            errors[f"{path}.value"] = str(_("there is no team %(value)s")) % {"value": value}
    elif value is not None and not (
        _is_id(value)
        and User.objects.filter(pk=value, role__in=ASSIGNABLE_ROLES, is_active=True).exists()
    ):
        errors[f"{path}.value"] = str(_("there is no active agent %(value)s")) % {"value": value}
    return SetField(str(name), value)


def _webhook(entry: dict, path: str, errors: dict[str, str]) -> Webhook:
    url = _text(entry, "url", path, errors, limit=2000)
    parts = urlsplit(url)
    if url and (parts.scheme not in {"http", "https"} or not parts.hostname):
        errors[f"{path}.url"] = str(_("must be an http or https address"))
    secret_env = entry.get("secret_env")
    if not isinstance(secret_env, str) or not ENV_NAME.match(secret_env):
        errors[f"{path}.secret_env"] = str(
            _("name the environment variable that holds the signing secret, e.g. WEBHOOK_SECRET")
        )
    return Webhook(url, str(secret_env))


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _parse_one(entry: dict, path: str, errors: dict[str, str]) -> Action:
    kind = entry.get("type")
    if kind == ActionType.SET_FIELD:
        return _set_field(entry, path, errors)
    if kind == ActionType.ASSIGN:
        return AutoAssign()
    if kind == ActionType.ADD_TAG:
        return AddTag(_text(entry, "tag", path, errors, limit=60).lower().replace(" ", "-"))
    if kind == ActionType.REPLY:
        internal = entry.get("internal", False)
        if not isinstance(internal, bool):
            errors[f"{path}.internal"] = str(_("must be true or false"))
        return Reply(_text(entry, "body", path, errors), internal is True)
    if kind == ActionType.SEND_EMAIL:
        return SendEmail(
            _text(entry, "subject", path, errors, limit=250), _text(entry, "body", path, errors)
        )
    return _webhook(entry, path, errors)


# Keys each action type accepts besides "type": anything else is a typo worth reporting.
_KEYS = {
    ActionType.SET_FIELD: {"field", "value"},
    ActionType.ASSIGN: set(),
    ActionType.ADD_TAG: {"tag"},
    ActionType.REPLY: {"body", "internal"},
    ActionType.SEND_EMAIL: {"subject", "body"},
    ActionType.WEBHOOK: {"url", "secret_env"},
}


def parse_actions(data: Any, allowed: frozenset[str]) -> list[Action]:
    """Validate actions JSON; :class:`ConditionError` names every bad path (``1.value``)."""
    if not isinstance(data, list) or len(data) > MAX_ACTIONS:
        raise ConditionError(
            {
                "": ngettext(
                    "must be a list of at most %(count)d action",
                    "must be a list of at most %(count)d actions",
                    MAX_ACTIONS,
                )
                % {"count": MAX_ACTIONS}
            }
        )
    errors: dict[str, str] = {}
    actions: list[Action] = []
    for index, entry in enumerate(data):
        path = str(index)
        if not isinstance(entry, dict):
            errors[path] = str(_("must be an object"))
            continue
        kind = entry.get("type")
        if kind not in allowed:
            errors[f"{path}.type"] = str(_("use one of: %(names)s")) % {
                "names": ", ".join(sorted(allowed))
            }
            continue
        for key in sorted(set(entry) - _KEYS[kind] - {"type"}):
            errors[f"{path}.{key}"] = str(_("unknown key for this action"))
        actions.append(_parse_one(entry, path, errors))
    if errors:
        raise ConditionError(errors)
    return actions
