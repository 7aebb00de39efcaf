"""Routing of new tickets: the first matching rule picks the team (and maybe the priority),
then the team's strategy picks an assignee among its available agents.

Who can be assigned: active team members who may reply publicly (not light agents), whose
status is *online*, and who are under the team's cap of open tickets. Nobody suitable → the
ticket waits unassigned in the team's queue (an offline agent never gets it). Teams without
routing settings assign manually.

Round robin keeps its pointer (the last agent assigned) in ``TeamRouting``; the row is locked
with ``SELECT … FOR UPDATE`` while choosing, so concurrent processes share one rotation, and
least-load choices made at the same moment do not both pick the same agent.

Every decision is audited with ``via="routing"``: the rule's name, the strategy and its
outcome, plus the team/priority/assignee changes the ticket services record.
"""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from opora.accounts.models import Team, User
from opora.core.snapshot import cached, snapshot_open
from opora.sla.conditions import reason_ancestry
from opora.tickets import services as ticket_services
from opora.tickets.models import Status, Ticket

from .actions import ASSIGNABLE_ROLES
from .audit import record_decision
from .conditions import RuleConditions, RuleFacts
from .models import Availability, ConfiguredRule, RoutingRule, Skill, Strategy, TeamRouting

ROUTING_ACTOR = ticket_services.Actor(via="routing")
# An agent's load: tickets that need their attention now (waiting on the customer does not).
LOAD_STATUSES = (Status.NEW, Status.OPEN)


def _active_rules() -> list[RoutingRule]:
    return list(RoutingRule.objects.filter(is_active=True).select_related("team", "required_skill"))


def conditions_of(rule: ConfiguredRule) -> RuleConditions:
    """Parsed once per configuration snapshot (parsing checks ids against the database)."""
    key = f"automation.conditions.{type(rule).__name__}.{rule.pk}"
    return cached(key, lambda: rule.parsed_conditions)


def match_rule(ticket: Ticket, first_message_body: str) -> RoutingRule | None:
    facts = RuleFacts(ticket, first_message_body=first_message_body)
    rules = cached("automation.routing-rules", _active_rules)
    return next((rule for rule in rules if conditions_of(rule).matches(facts)), None)


def team_was_chosen(ticket: Ticket, actor: ticket_services.Actor) -> bool:
    """Whether an agent put the ticket in a team on purpose. The ticket services give every new
    ticket a team, so only a team other than the default one can tell that it was chosen."""
    is_agent = actor.user is not None and actor.user.is_agent_like and actor.customer is None
    return is_agent and ticket.team_id != getattr(ticket_services._default_team(), "pk", None)


def route_new_ticket(ticket: Ticket, actor: ticket_services.Actor, first_message_body: str) -> bool:
    """Apply the routing rules (unless an agent chose the team), then the team's assignment.
    True if the ticket changed (its team, priority or assignee)."""
    rule = None if team_was_chosen(ticket, actor) else match_rule(ticket, first_message_body)
    if rule is not None:
        record_decision(ticket, ROUTING_ACTOR, "routing_rule", rule.name)
        changes: dict[str, object] = {"team": rule.team}
        if rule.priority:
            changes["priority"] = rule.priority
        ticket = ticket_services.update_ticket(ticket, ROUTING_ACTOR, changes)
    assigned = None
    if ticket.assignee_id is None and ticket.team_id is not None:
        assigned = assign(ticket, ROUTING_ACTOR, rule)
    return rule is not None or assigned is not None


def _teams_assigning_automatically() -> set[int]:
    return set(
        TeamRouting.objects.exclude(strategy=Strategy.MANUAL).values_list("team_id", flat=True)
    )


def _open_load() -> Subquery:
    return Subquery(
        Ticket.objects.filter(assignee=OuterRef("pk"), status__in=LOAD_STATUSES)
        .order_by()
        .values("assignee")
        .annotate(count=Count("pk"))
        .values("count"),
        output_field=IntegerField(),
    )


def available_agents(team: Team, routing: TeamRouting) -> QuerySet[User]:
    """Members who may take a ticket now, each annotated with ``open_load`` where the strategy
    or the team's cap reads it (round-robin without a cap does not: counting every agent's open
    tickets was most of that query's cost)."""
    agents = team.members.filter(
        is_active=True,
        role__in=ASSIGNABLE_ROLES,
        agent_status__status=Availability.ONLINE,
    ).order_by("pk")
    if routing.strategy == Strategy.ROUND_ROBIN and not routing.max_open_tickets_per_agent:
        return agents
    agents = agents.annotate(open_load=Coalesce(_open_load(), Value(0)))
    if routing.max_open_tickets_per_agent:
        agents = agents.filter(open_load__lt=routing.max_open_tickets_per_agent)
    return agents


def required_skills(ticket: Ticket, rule: RoutingRule | None) -> set[Skill]:
    skills = set(Skill.objects.filter(reasons__in=reason_ancestry(ticket.reason_id)).distinct())
    if rule is not None and rule.required_skill is not None:
        skills.add(rule.required_skill)
    return skills


def _with_skills(agents: QuerySet[User], skills: set[Skill]) -> QuerySet[User]:
    # One subquery per skill (not a join) keeps each agent once and its load uncounted twice.
    for skill in skills:
        agents = agents.filter(
            pk__in=Skill.agents.through.objects.filter(skill=skill).values("user")
        )
    return agents


def _next_in_rotation(agents: list[User], last_assigned_id: int | None) -> User:
    after = [agent for agent in agents if last_assigned_id is None or agent.pk > last_assigned_id]
    return (after or agents)[0]


def choose_agent(
    ticket: Ticket, routing: TeamRouting, rule: RoutingRule | None = None
) -> tuple[User | None, str]:
    """The agent the team's strategy picks (or None) and how, for the audit trail."""
    agents = available_agents(routing.team, routing)
    if routing.strategy == Strategy.SKILLS:
        skills = required_skills(ticket, rule)
        agents = _with_skills(agents, skills)
        how = _("skills %(skills)s") % {"skills": ", ".join(sorted(s.name for s in skills)) or "—"}
    else:
        how = routing.get_strategy_display()
    if routing.strategy == Strategy.ROUND_ROBIN:
        candidates = list(agents)
        chosen = _next_in_rotation(candidates, routing.last_assigned_id) if candidates else None
    else:  # least load, also among the skilled
        chosen = agents.order_by("open_load", "pk").first()
    return chosen, str(how)


def assign(
    ticket: Ticket, actor: ticket_services.Actor, rule: RoutingRule | None = None
) -> User | None:
    """Assign by the ticket's team strategy; returns the agent, or None if it stays queued."""
    if snapshot_open() and ticket.team_id not in cached(
        "automation.auto-teams", _teams_assigning_automatically
    ):
        return None  # in a batch, teams that assign by hand cost no query per ticket
    routing = (
        TeamRouting.objects.select_for_update()
        .select_related("team")
        .filter(team_id=ticket.team_id)
        .first()
    )
    if routing is None or routing.strategy == Strategy.MANUAL:
        return None
    agent, how = choose_agent(ticket, routing, rule)
    if agent is None:
        record_decision(
            ticket,
            actor,
            "assignment",
            _("%(how)s: nobody available in %(team)s; left in the team queue")
            % {"how": how, "team": routing.team},
        )
        return None
    record_decision(ticket, actor, "assignment", f"{how}: {agent}")
    ticket_services.update_ticket(ticket, actor, {"assignee": agent})
    routing.last_assigned = agent
    routing.save(update_fields=["last_assigned"])
    return agent
