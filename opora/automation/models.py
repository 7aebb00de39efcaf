"""Routing (rules, team strategies, agent availability and skills), triggers, time-based
automations and macros. Conditions and actions are JSON validated by :mod:`.conditions` and
:mod:`.actions`; ``clean()`` names each bad path (``conditions.keywords.0``, ``actions.1.value``)
for the admin and the API alike."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opora.accounts.models import Team
from opora.sla.conditions import ConditionError
from opora.sla.models import path_error
from opora.tickets.models import ContactReason, Priority, Status, Ticket

from .actions import MACRO_ACTIONS, RULE_ACTIONS, Action, parse_actions
from .conditions import (
    AUTOMATION_CRITERIA,
    ROUTING_CRITERIA,
    TRIGGER_CRITERIA,
    RuleConditions,
    parse_rule_conditions,
)

CONDITIONS_HELP = _(
    'Which tickets the rule applies to, e.g. {"channels": ["email"], "reason_ids": [7], '
    '"keywords": ["refund", "возврат"], "priorities": ["urgent"], "tiers": ["vip"], '
    '"languages": ["ru"], "organisation_ids": [3]}. Empty means every ticket.'
)
ACTIONS_HELP = _(
    'A list of actions, e.g. [{"type": "set_field", "field": "status", "value": "solved"}, '
    '{"type": "add_tag", "tag": "vip"}, {"type": "reply", "body": "Hello {{ customer.name }}"}, '
    '{"type": "send_email", "subject": "...", "body": "..."}, {"type": "assign"}, '
    '{"type": "webhook", "url": "https://...", "secret_env": "WEBHOOK_SECRET"}].'
)


def _json_errors(field: str, parse: Callable[[], object]) -> dict[str, list[ValidationError]]:
    """``{field: [errors]}`` naming each bad path inside the field's JSON, or {} if it parses."""
    try:
        parse()
    except ConditionError as error:
        return {field: [path_error(field, path, text) for path, text in error.errors.items()]}
    return {}


class ConfiguredRule(models.Model):
    """What every rule has: a unique name, a place in the order, an on/off switch, conditions."""

    # Which extra criteria (see .conditions) this kind of rule accepts.
    condition_criteria: frozenset[str] = frozenset()

    name = models.CharField(_("name"), max_length=120, unique=True)
    position = models.PositiveIntegerField(
        _("position"), default=0, help_text=_("Rules are tried in ascending position.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    conditions = models.JSONField(
        _("conditions"), default=dict, blank=True, help_text=CONDITIONS_HELP
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def parsed_conditions(self) -> RuleConditions:
        return parse_rule_conditions(self.conditions, self.condition_criteria)

    def json_errors(self) -> dict[str, list[ValidationError]]:
        return _json_errors("conditions", lambda: self.parsed_conditions)

    def clean(self) -> None:
        errors = self.json_errors()
        if errors:
            raise ValidationError(errors)


class RuleWithActions(ConfiguredRule):
    actions = models.JSONField(_("actions"), default=list, help_text=ACTIONS_HELP)

    class Meta(ConfiguredRule.Meta):
        abstract = True

    @property
    def parsed_actions(self) -> list[Action]:
        return parse_actions(self.actions, RULE_ACTIONS)

    def json_errors(self) -> dict[str, list[ValidationError]]:
        return {**super().json_errors(), **_json_errors("actions", lambda: self.parsed_actions)}


# --- Routing ------------------------------------------------------------------------------------


class Skill(models.Model):
    """Something an agent knows; tickets of its contact reasons (and their sub-reasons) need it."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    agents = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("agents"), related_name="skills", blank=True
    )
    reasons = models.ManyToManyField(
        ContactReason,
        verbose_name=_("contact reasons that need it"),
        related_name="required_skills",
        blank=True,
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")

    def __str__(self) -> str:
        return self.name


class RoutingRule(ConfiguredRule):
    """New tickets matching the conditions go to ``team`` (first matching rule by position)."""

    condition_criteria = ROUTING_CRITERIA

    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="routing_rules"
    )
    priority = models.CharField(
        _("set priority"),
        max_length=10,
        choices=Priority.choices,
        blank=True,
        help_text=_("Empty: keep the ticket's priority."),
    )
    required_skill = models.ForeignKey(
        Skill,
        verbose_name=_("required skill"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text=_("Used by teams that assign by skill."),
    )

    class Meta(ConfiguredRule.Meta):
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")


class Strategy(models.TextChoices):
    MANUAL = "manual", _("Manual (the team picks from its queue)")
    ROUND_ROBIN = "round_robin", _("Round robin")
    LEAST_LOAD = "least_load", _("Least load")
    SKILLS = "skills", _("By skill, then least load")


class TeamRouting(models.Model):
    """How a team assigns its new tickets. A team without this row assigns manually."""

    team = models.OneToOneField(
        Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="routing"
    )
    strategy = models.CharField(
        _("assignment"), max_length=20, choices=Strategy.choices, default=Strategy.MANUAL
    )
    max_open_tickets_per_agent = models.PositiveIntegerField(
        _("open tickets per agent at most"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10_000)],
        help_text=_("Agents at the limit get no new tickets. Empty: no limit."),
    )
    # The round-robin pointer lives in the database, locked while choosing, so that several
    # processes share one rotation.
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("team routing")
        verbose_name_plural = _("team routing")

    def __str__(self) -> str:
        return f"{self.team}: {self.get_strategy_display()}"


class Availability(models.TextChoices):
    ONLINE = "online", _("Online")
    AWAY = "away", _("Away")
    OFF = "off", _("Off")


class AgentStatus(models.Model):
    """Whether an agent takes new tickets now. An agent without this row counts as off."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_status"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Availability.choices, default=Availability.OFF
    )
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("agent status")
        verbose_name_plural = _("agent statuses")

    def __str__(self) -> str:
        return f"{self.user}: {self.get_status_display()}"


# --- Triggers and automations -------------------------------------------------------------------


class TriggerEvent(models.TextChoices):
    CREATED = "created", _("Ticket created")
    UPDATED = "updated", _("Ticket updated")


class Trigger(RuleWithActions):
    """Acts right away when a ticket is created or changed and the conditions match."""

    condition_criteria = TRIGGER_CRITERIA

    event = models.CharField(_("when"), max_length=10, choices=TriggerEvent.choices)

    class Meta(RuleWithActions.Meta):
        verbose_name = _("trigger")
        verbose_name_plural = _("triggers")


class Automation(RuleWithActions):
    """Acts on tickets that have stayed in ``status`` for ``hours``: once per stay."""

    condition_criteria = AUTOMATION_CRITERIA

    status = models.CharField(_("in status"), max_length=20, choices=Status.choices)
    hours = models.PositiveIntegerField(
        _("for hours"), validators=[MinValueValidator(1), MaxValueValidator(24 * 366)]
    )

    class Meta(RuleWithActions.Meta):
        verbose_name = _("automation")
        verbose_name_plural = _("automations")


class AutomationRun(models.Model):
    """An automation fired for a ticket's stay in a status (the stay began ``episode_started_at``):
    the record that makes a pass idempotent."""

    automation = models.ForeignKey(Automation, on_delete=models.CASCADE, related_name="runs")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="automation_runs")
    episode_started_at = models.DateTimeField()
    ran_at = models.DateTimeField(default=timezone.now)
    # Why the actions were refused (e.g. an invalid transition); empty when they ran.
    error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["automation", "ticket", "episode_started_at"], name="automation_run_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.automation} on #{self.ticket_id}"


class Delivery(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Retrying")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One webhook call: the payload is fixed when the rule fires, then sent (and retried) by a task."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="webhook_deliveries")
    rule_name = models.CharField(max_length=120)
    url = models.URLField(max_length=2000)
    secret_env = models.CharField(max_length=100)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return f"{self.rule_name} → {self.url}"


# --- Macros -------------------------------------------------------------------------------------


class Macro(models.Model):
    """Field changes and a reply in one click: personal (owner), a team's, or everyone's."""

    name = models.CharField(_("name"), max_length=120)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="macros",
        help_text=_("Set for a personal macro."),
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="macros",
        help_text=_("Set for a team's macro; leave owner and team empty for everyone's."),
    )
    actions = models.JSONField(_("actions"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("macro")
        verbose_name_plural = _("macros")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(owner__isnull=True) | models.Q(team__isnull=True),
                name="macro_personal_or_team",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def parsed_actions(self) -> list[Action]:
        return parse_actions(self.actions, MACRO_ACTIONS)

    def clean(self) -> None:
        errors = _json_errors("actions", lambda: self.parsed_actions)
        if self.owner_id and self.team_id:
            errors["team"] = [
                path_error("team", "", str(_("a macro belongs to a person or a team, not both")))
            ]
        if errors:
            raise ValidationError(errors)
