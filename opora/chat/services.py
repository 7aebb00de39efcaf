"""Live chat rules: the queue, accepting within a cap, transfers, numbered lines, ending, CSAT.

Every chat line is also a ticket Message (through opora.tickets.services), so the chat is the
ticket's timeline. Live updates go out through the channel layer only after the transaction
commits (see :mod:`.events`), so nobody is told about a line that was rolled back.

A line is numbered, stored and broadcast first (``post_line``, one small transaction: the round
trip people wait on) and filed into the ticket by a background job (``file_chats``), off that
path.
"""

import logging
from datetime import datetime, timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from opora.accounts.models import Team, User
from opora.core.errors import Forbidden, InvalidInput, InvalidTransition, NotFound, OporaError
from opora.customers.models import Customer
from opora.feedback import services as feedback_services
from opora.feedback.models import InvitationChannel, Response, SurveyKind
from opora.feedback.questions import localised
from opora.sla import clock
from opora.tickets import services as ticket_services
from opora.tickets.models import Channel, Status, Ticket

from . import events
from .models import (
    AgentChatLimit,
    ChatLine,
    ChatSession,
    ChatSettings,
    ChatStatus,
    LineKind,
)
from .waiting import estimated_wait_seconds

logger = logging.getLogger(__name__)

VISITOR_TOKEN_SALT = "opora.chat.visitor"
# A widget token outlives any realistic chat, but not a stolen laptop's week.
VISITOR_TOKEN_MAX_AGE = timedelta(hours=24)
# A queued customer whose socket has been gone this long has left (a page reload is quicker).
ABANDON_GRACE = timedelta(seconds=60)
MAX_LINE_LENGTH = 5000
# How many recent accepts the wait estimate looks at.
WAIT_HISTORY = 20

# System line bodies are event codes; the widget and workspace show them in their own language.
EVENT_JOINED = "joined"
EVENT_TRANSFERRING = "transferring"
EVENT_ENDED = "ended"


def chat_settings() -> ChatSettings:
    return ChatSettings.objects.select_related("hours", "team").first() or ChatSettings()


def is_open(now: datetime | None = None) -> bool:
    """Whether agents answer chats now (outside the opening hours the widget is a ticket form)."""
    hours = chat_settings().hours
    if hours is None:
        return True
    now = now or timezone.now()
    try:
        return clock.is_open(hours.as_clock(now.date()), now)
    except clock.NoWorkingTimeError:
        return False  # a calendar without any working time is never open


def max_chats(agent: User) -> int:
    limit = AgentChatLimit.objects.filter(agent=agent).values_list("max_chats", flat=True).first()
    return limit if limit is not None else chat_settings().max_chats_per_agent


# ---------------------------------------------------------------- visitor identity


def visitor_token(session: ChatSession) -> str:
    """The signed key the widget holds instead of a login: it opens this one chat only."""
    return signing.TimestampSigner(salt=VISITOR_TOKEN_SALT).sign(str(session.pk))


def session_for_token(token: str) -> ChatSession:
    try:
        pk = signing.TimestampSigner(salt=VISITOR_TOKEN_SALT).unsign(
            token, max_age=VISITOR_TOKEN_MAX_AGE
        )
    except signing.BadSignature as error:
        raise Forbidden(_("This chat link is not valid any more")) from error
    session = ChatSession.objects.select_related("ticket__customer", "agent").filter(pk=pk).first()
    if session is None:
        raise NotFound(_("Chat not found"))
    return session


# ---------------------------------------------------------------- starting


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise InvalidInput(_("Write a message first"), fields={"body": "required"})
    if len(body) > MAX_LINE_LENGTH:
        raise InvalidInput(
            _("A message may be at most %(n)s characters") % {"n": MAX_LINE_LENGTH},
            fields={"body": "too_long"},
        )
    return body


def _clean_contact(name: str, email: str) -> tuple[str, str]:
    name, email = (name or "").strip(), (email or "").strip().lower()
    errors = {}
    if not name:
        errors["name"] = "required"
    elif len(name) > 200:
        errors["name"] = "too_long"
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = "invalid"
    if errors:
        raise InvalidInput(_("Check your name and e-mail address"), fields=errors)
    return name, email


def _customer(name: str, email: str, language: str) -> Customer:
    """The customer by e-mail, as the e-mail channel finds them; otherwise a new (guest) one."""
    existing = Customer.objects.with_email(email).order_by("pk").first() if email else None
    return existing or Customer.objects.create(name=name, email=email, language=language)


def _subject(body: str) -> str:
    first_line = body.splitlines()[0]
    return _("Chat: %(text)s") % {"text": first_line[:80]}


@transaction.atomic
def start_chat(
    name: str, email: str, body: str, *, language: str = "ru", now: datetime | None = None
) -> ChatSession:
    """A customer's first message: a chat ticket, and a place at the back of the queue."""
    now = now or timezone.now()
    name, email = _clean_contact(name, email)
    body = _clean_body(body)
    if not is_open(now):
        raise InvalidTransition(
            _("Chat is closed now; leave us a message instead"), code="chat_closed"
        )
    customer = _customer(name, email, language)
    team = chat_settings().team
    ticket = ticket_services.create_ticket(
        ticket_services.NewTicket(
            customer=customer, subject=_subject(body), body=body, channel=Channel.CHAT, team=team
        ),
        ticket_services.Actor(customer=customer, via="chat"),
    )
    # Routing may have placed the ticket; the chat queues where the ticket now is.
    session = ChatSession.objects.create(ticket=ticket, team=ticket.team, queued_at=now, last_seq=1)
    ChatLine.objects.create(
        session=session,
        seq=1,
        kind=LineKind.CUSTOMER,
        author_name=customer.name,
        body=body,
        message=ticket.messages.get(),
        created_at=now,
    )
    events.team_queue_changed(session.team_id)
    return session


@transaction.atomic
def leave_message(
    name: str, email: str, subject: str, body: str, *, language: str = "ru"
) -> Ticket:
    """The widget's offline form: an ordinary ticket the team answers by e-mail."""
    name, email = _clean_contact(name, email)
    if not email:
        raise InvalidInput(
            _("Leave an e-mail address so that we can answer"), fields={"email": "required"}
        )
    body = _clean_body(body)
    customer = _customer(name, email, language)
    return ticket_services.create_ticket(
        ticket_services.NewTicket(
            customer=customer,
            subject=(subject or "").strip()[:250] or _subject(body),
            body=body,
            channel=Channel.WEB,
            team=chat_settings().team,
        ),
        ticket_services.Actor(customer=customer, via="chat"),
    )


# ---------------------------------------------------------------- lines


def _locked(session: ChatSession) -> ChatSession:
    return (
        ChatSession.objects.select_for_update(of=("self",))
        .select_related("ticket__customer", "agent")
        .get(pk=session.pk)
    )


def _store(session_id: int, seq: int, kind: str, author_name: str, body: str) -> ChatLine:
    """Store a numbered line and tell everyone in the chat once committed."""
    line = ChatLine.objects.create(
        session_id=session_id,
        seq=seq,
        kind=kind,
        author_name=author_name,
        body=body,
        created_at=timezone.now(),
    )
    events.line_added(line)
    return line


def _append(session: ChatSession, kind: str, author_name: str, body: str) -> ChatLine:
    """Number the line within its (locked) chat and store it."""
    session.last_seq += 1
    session.save(update_fields=["last_seq"])
    return _store(session.pk, session.last_seq, kind, author_name, body)


def _next_seq(session: ChatSession, agent: User | None) -> int:
    """The number of the chat's next line, in one statement whose row lock holds the chat
    until the transaction ends (the ORM would read under a lock and then write: two). Refused
    when the chat has ended or, for an agent's line, is no longer that agent's."""
    condition, params = "status <> %s", [ChatStatus.ENDED]
    if agent is not None:
        condition, params = f"{condition} AND agent_id = %s", [*params, agent.pk]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {connection.ops.quote_name(ChatSession._meta.db_table)} "
            f"SET last_seq = last_seq + 1 WHERE id = %s AND {condition} RETURNING last_seq",
            [session.pk, *params],
        )
        numbered = cursor.fetchone()
    if numbered is not None:
        return numbered[0]
    if ChatSession.objects.filter(pk=session.pk, status=ChatStatus.ENDED).exists():
        raise InvalidTransition(_("This chat has ended"), code="chat_ended")
    raise Forbidden(_("Only the agent handling this chat may write in it"))


@transaction.atomic
def post_line(session: ChatSession, body: str, *, agent: User | None = None) -> ChatLine:
    """A line from the customer (agent=None) or from the chat's agent, numbered, stored and
    broadcast once committed: the round trip people wait on, two statements. It reaches the
    ticket timeline through :func:`file_lines`, in a background job (a ticket message costs
    four times the queries of the line). ``session`` is the caller's: its ticket and customer
    are not read again."""
    body = _clean_body(body)
    seq = _next_seq(session, agent)
    if agent is None:
        return _store(session.pk, seq, LineKind.CUSTOMER, session.ticket.customer.name, body)
    # Refused now, as filing it would be, rather than shown and then missing from the ticket.
    ticket_services.check_author(session.ticket, ticket_services.Actor(user=agent, via="chat"))
    return _store(session.pk, seq, LineKind.AGENT, agent.first_name or agent.username, body)


@transaction.atomic
def file_lines(session: ChatSession) -> int:
    """Copy the chat's lines that are not on its ticket yet into the timeline, in order, as
    ticket messages (with their SLA, search index, audit and automation effects) dated when
    they were written; returns how many. Idempotent: under the chat's row lock a line is filed
    once however often this runs, so one run may catch up the lines of several posts."""
    session = _locked(session)
    # An agent line is the current agent's: the chat changes hands only after filing (_take).
    authors = {
        LineKind.CUSTOMER: ticket_services.Actor(customer=session.ticket.customer, via="chat"),
        LineKind.AGENT: ticket_services.Actor(user=session.agent, via="chat"),
    }
    pending = session.lines.filter(message__isnull=True).exclude(kind=LineKind.SYSTEM)
    filed = 0
    for line in pending.order_by("seq"):
        try:
            message = ticket_services.add_message(
                session.ticket,
                authors[line.kind],
                line.body,
                channel=Channel.CHAT,
                created_at=line.created_at,
            )
        except OporaError:
            # Only a change since the line was posted (its agent made a light agent, its ticket
            # closed by hand) refuses it; the line stays in the chat and the others are filed.
            logger.exception("Chat line %s could not be added to its ticket", line)
            continue
        ChatLine.objects.filter(pk=line.pk).update(message=message)
        filed += 1
    return filed


def file_chats(chat_ids: list[int]) -> int:
    """File the pending lines of several chats (one background job for all the chats a server
    process saw lines in lately), a transaction per chat; returns how many lines."""
    filed = 0
    for session in ChatSession.objects.filter(pk__in=chat_ids).order_by("pk"):
        try:
            filed += file_lines(session)
        except Exception:
            # One chat failing must not hold up the rest of the batch; its lines stay pending
            # and are filed by its next job, the scheduler's sweep (file_stragglers) or when the
            # chat changes hands or ends.
            logger.exception("Filing the lines of chat %s failed", session.pk)
    return filed


# A line its server process did not hand to a filing job (killed within that second) is filed by
# the scheduler once it is this old; one refused by its ticket is tried again until it is
# UNFILED_SWEEP_UNTIL old, then left to the chat's end (which files what is pending) and the log.
UNFILED_SWEEP_AFTER = timedelta(minutes=1)
UNFILED_SWEEP_UNTIL = timedelta(minutes=5)


def file_stragglers(now: datetime | None = None) -> int:
    """File the lines left off their tickets for over a minute (a periodic job)."""
    now = now or timezone.now()
    chat_ids = (
        ChatLine.objects.filter(
            message__isnull=True,
            created_at__lte=now - UNFILED_SWEEP_AFTER,
            created_at__gt=now - UNFILED_SWEEP_UNTIL,
        )
        .exclude(kind=LineKind.SYSTEM)
        .values_list("session_id", flat=True)
        .distinct()
    )
    return file_chats(list(chat_ids))


def lines_after(session: ChatSession, seq: int) -> list[ChatLine]:
    """What a reconnecting client missed: every line numbered above the last one it saw."""
    return list(session.lines.filter(seq__gt=max(seq, 0)).order_by("seq"))


# ---------------------------------------------------------------- the queue


def agent_teams(agent: User) -> QuerySet[Team]:
    return Team.objects.all() if agent.sees_every_ticket else agent.teams.all()


def may_answer(agent: User, team_id: int | None) -> bool:
    """Agents answer chats of their teams; managers and all-seeing agents any chat."""
    if not (agent.is_active and agent.can_reply_publicly):
        return False
    return agent.sees_every_ticket or (
        team_id is not None and agent.teams.filter(pk=team_id).exists()
    )


def queue_position(session: ChatSession) -> int:
    """1 for the next customer to be answered in the chat's team."""
    ahead = ChatSession.objects.waiting().filter(team_id=session.team_id)
    ahead = ahead.filter(
        Q(queued_at__lt=session.queued_at) | Q(queued_at=session.queued_at, pk__lt=session.pk)
    )
    return ahead.count() + 1


def estimated_wait(session: ChatSession, position: int) -> int | None:
    recent = (
        ChatSession.objects.filter(team_id=session.team_id, accepted_at__isnull=False)
        .order_by("-accepted_at")
        .values_list("accepted_at", flat=True)[:WAIT_HISTORY]
    )
    return estimated_wait_seconds(position, list(recent))


def waiting_for(agent: User) -> QuerySet[ChatSession]:
    """The queued chats an agent may accept, oldest first."""
    queued = ChatSession.objects.waiting().select_related("ticket__customer", "team")
    if agent.sees_every_ticket:
        return queued
    return queued.filter(team__in=agent.teams.all())


def chats_of(agent: User) -> QuerySet[ChatSession]:
    """The agent's live chats and the transfers offered to them."""
    offered = Q(transfer_to=agent) | Q(transfer_team__in=agent_teams(agent))
    return (
        ChatSession.objects.filter(status=ChatStatus.ACTIVE)
        .filter(Q(agent=agent) | offered)
        .select_related("ticket__customer", "team", "agent", "transfer_to", "transfer_team")
    )


def _check_capacity(agent: User) -> None:
    active = ChatSession.objects.filter(agent=agent, status=ChatStatus.ACTIVE).count()
    if active >= max_chats(agent):
        raise InvalidTransition(
            _("%(agent)s is already handling %(n)s chats, the most allowed at once")
            % {"agent": agent, "n": active},
            code="at_capacity",
        )


def _take(session: ChatSession, agent: User, team: Team | None, now: datetime) -> None:
    """Make ``agent`` the chat's (and the ticket's one accountable) agent."""
    file_lines(session)  # the previous agent's lines are theirs
    previous_agent_id = session.agent_id
    session.agent = agent
    session.team = team
    session.transfer_to = session.transfer_team = None
    session.save()
    changes: dict = {}
    if session.ticket.assignee_id != agent.pk:
        changes["assignee"] = agent
    if team is not None and session.ticket.team_id != team.pk:
        changes["team"] = team
    if session.ticket.status == Status.NEW:
        changes["status"] = Status.OPEN
    if changes:
        ticket_services.update_ticket(
            session.ticket, ticket_services.Actor(user=agent, via="chat"), changes
        )
    _append(session, LineKind.SYSTEM, agent.first_name or agent.username, EVENT_JOINED)
    events.chat_taken(session, previous_agent_id)


@transaction.atomic
def accept(session: ChatSession, agent: User, now: datetime | None = None) -> ChatSession:
    """An agent takes the next chat of the queue (or a specific one), within their cap."""
    session = _locked(session)
    if not may_answer(agent, session.team_id):
        raise Forbidden(_("This chat is for another team"))
    if session.status != ChatStatus.QUEUED:
        raise InvalidTransition(_("Someone has already taken this chat"), code="taken")
    _check_capacity(agent)
    session.status = ChatStatus.ACTIVE
    session.accepted_at = now or timezone.now()
    session.customer_left_at = None
    _take(session, agent, session.team, session.accepted_at)
    events.team_queue_changed(session.team_id, someone_left=True)
    return session


@transaction.atomic
def offer_transfer(
    session: ChatSession, agent: User, *, to_agent: User | None = None, to_team: Team | None = None
) -> ChatSession:
    """Hand the chat to a colleague or a team; it stays with ``agent`` until they accept."""
    session = _locked(session)
    if session.agent_id != agent.pk or session.status != ChatStatus.ACTIVE:
        raise Forbidden(_("Only the agent handling this chat may transfer it"))
    if (to_agent is None) == (to_team is None):
        raise InvalidInput(_("Choose a colleague or a team"), fields={"to": "required"})
    if to_agent is not None:
        if to_agent.pk == agent.pk or not to_agent.is_agent_like or not to_agent.can_reply_publicly:
            raise InvalidInput(_("Choose another agent"), fields={"to": "invalid"})
        # No blind transfer: a colleague who is already full is told to the sender now.
        _check_capacity(to_agent)
    session.transfer_to, session.transfer_team = to_agent, to_team
    session.save(update_fields=["transfer_to", "transfer_team"])
    _append(session, LineKind.SYSTEM, agent.first_name or agent.username, EVENT_TRANSFERRING)
    events.transfer_offered(session)
    return session


@transaction.atomic
def accept_transfer(session: ChatSession, agent: User, now: datetime | None = None) -> ChatSession:
    session = _locked(session)
    offered_to_me = session.transfer_to_id == agent.pk or (
        session.transfer_team_id is not None and may_answer(agent, session.transfer_team_id)
    )
    if session.status != ChatStatus.ACTIVE or not offered_to_me or not agent.can_reply_publicly:
        raise Forbidden(_("This chat was not offered to you"))
    _check_capacity(agent)
    team = session.transfer_team or session.team
    # Handed to a person outside the chat's team: the chat follows them into one of theirs.
    if session.transfer_to_id and not may_answer(agent, session.team_id):
        team = agent.teams.order_by("line", "pk").first() or session.team
    _take(session, agent, team, now or timezone.now())
    return session


@transaction.atomic
def end_chat(
    session: ChatSession, *, agent: User | None = None, now: datetime | None = None
) -> ChatSession:
    """End by the agent, or by the customer (agent=None); leaving while queued is abandonment.
    Ending twice changes nothing. An answered chat is offered the CSAT question."""
    session = _locked(session)
    if agent is not None and session.agent_id != agent.pk:
        raise Forbidden(_("Only the agent handling this chat may end it"))
    if session.status == ChatStatus.ENDED:
        return session
    file_lines(session)  # an ended chat is all on its ticket
    was_queued = session.status == ChatStatus.QUEUED
    session.status = ChatStatus.ENDED
    session.ended_at = now or timezone.now()
    session.abandoned = was_queued
    session.transfer_to = session.transfer_team = None
    if not was_queued:
        survey = feedback_services.survey_for(SurveyKind.CSAT, session.ticket.customer)
        if survey is not None:
            session.csat_invitation = feedback_services.invite(
                survey,
                session.ticket.customer,
                ticket=session.ticket,
                now=session.ended_at,
                channel=InvitationChannel.CHAT,  # asked in the widget, not mailed as well
            )
    session.save()
    _append(session, LineKind.SYSTEM, "", EVENT_ENDED)
    events.chat_ended(session)
    if was_queued:
        events.team_queue_changed(session.team_id, someone_left=True)
    return session


def csat_question(session: ChatSession) -> dict | None:
    """The score question of the chat's CSAT invitation, unless already answered."""
    invitation = session.csat_invitation
    if invitation is None or invitation.is_expired:
        return None
    if Response.objects.filter(invitation=invitation).exists():
        return None
    question = invitation.version.score_question
    return {"text": localised(question["text"]), "min": question["min"], "max": question["max"]}


def record_csat(session: ChatSession, score: int) -> Response:
    """The customer's answer in the widget: a normal feedback Response for the chat's ticket."""
    session = ChatSession.objects.select_related("csat_invitation").get(pk=session.pk)
    if session.csat_invitation is None:
        raise InvalidTransition(_("There is no survey for this chat"), code="no_survey")
    if not isinstance(score, int) or isinstance(score, bool):
        raise InvalidInput(_("Choose a score"), fields={"score": "invalid"})
    return feedback_services.record_score(session.csat_invitation, score)


# ---------------------------------------------------------------- presence


def customer_left(session: ChatSession, now: datetime | None = None) -> None:
    ChatSession.objects.filter(pk=session.pk, status=ChatStatus.QUEUED).update(
        customer_left_at=now or timezone.now()
    )


def customer_back(session: ChatSession) -> None:
    ChatSession.objects.filter(pk=session.pk).update(customer_left_at=None)


def abandon_stale(now: datetime | None = None) -> list[int]:
    """End queued chats whose customer left more than ABANDON_GRACE ago (any process may run it)."""
    now = now or timezone.now()
    stale = ChatSession.objects.waiting().filter(customer_left_at__lt=now - ABANDON_GRACE)
    ended = []
    for session in stale:
        if end_chat(session, now=now).abandoned:
            ended.append(session.pk)
    return ended
