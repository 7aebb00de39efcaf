"""The two WebSocket ends of a chat: the customer's widget and the agent's workspace.

Both are thin: they check who is talking, call :mod:`.services` and pass the events of the
channel layer on to the browser. Protocol: docs/chat.md.
"""

import asyncio
import functools
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.db import close_old_connections, connections
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from opora.accounts.models import Team, User
from opora.core.errors import NotFound, OporaError
from opora.tickets.access import visible_tickets

from . import events, services, tasks
from .models import ChatSession, ChatStatus

# Close codes: 4403 refused (bad token, not an agent).
REFUSED = 4403
# Threads (and so database connections) per server process for chat work.
DATABASE_THREADS = ThreadPoolExecutor(
    max_workers=int(os.environ.get("OPORA_CHAT_DB_THREADS", "4")), thread_name_prefix="chat-db"
)
# Seconds a process gathers the chats that had lines before handing them to one filing job.
FILING_DELAY = float(os.environ.get("OPORA_CHAT_FILING_DELAY", "1"))
# A connection that served a chat call this recently (seconds) is not checked with a query of
# its own before the next one (CONN_HEALTH_CHECKS): under load those checks took a fifth of
# these threads' database time. One that breaks during a call is still closed after it.
RECHECK_AFTER_IDLE = 5.0
_thread = threading.local()

logger = logging.getLogger(__name__)


def _database_work(function: Callable, language: str) -> Callable[[], Any]:
    """``function`` as run on one of the chat threads above."""

    def run():
        close_old_connections()
        if time.monotonic() - getattr(_thread, "last_call", float("-inf")) < RECHECK_AFTER_IDLE:
            for connection in connections.all(initialized_only=True):
                connection.health_check_done = True
        try:
            with translation.override(language):
                return function()
        finally:
            # These few threads live as long as the process, so their connections stay open
            # (whatever DB_CONN_MAX_AGE says for the per-request HTTP threads): connecting
            # anew for every chat line costs more than storing it.
            for connection in connections.all(initialized_only=True):
                connection.close_at = None
            close_old_connections()  # now closes only broken connections
            _thread.last_call = time.monotonic()

    return run


class FilingRequests:
    """The chats of this process that have lines not yet handed to a filing job.

    Filing a line into its ticket (services.file_lines: 15–18 queries against the round trip's
    4, ~10 ms of CPU) in this process took most of a core at 100 lines/s and, through the GIL,
    made the round trips wait (bench/chat.py). So `opora worker` files them
    (tasks.file_chat_lines), one job for the chats that had lines in the last FILING_DELAY
    seconds. A job is enqueued after its lines committed, so it finds them; filing is
    idempotent, so lines met by an earlier job are not filed twice."""

    def __init__(self) -> None:
        self.chat_ids: set[int] = set()
        self.timer: asyncio.TimerHandle | None = None

    def add(self, chat_id: int) -> None:
        self.chat_ids.add(chat_id)
        if self.timer is None:
            self.timer = asyncio.get_running_loop().call_later(FILING_DELAY, self.enqueue)

    def enqueue(self) -> None:
        chat_ids, self.chat_ids, self.timer = sorted(self.chat_ids), set(), None
        job = functools.partial(tasks.file_chat_lines.enqueue, chat_ids)
        work = _database_work(job, settings.LANGUAGE_CODE)
        DATABASE_THREADS.submit(work).add_done_callback(_log_failure)


filing_requests = FilingRequests()


def _log_failure(future: Future) -> None:
    # The lines of a job not enqueued are filed by the scheduler's sweep a minute later
    # (services.file_stragglers), or sooner when their chat is next taken or ended.
    if future.exception() is not None:
        logger.error("Enqueueing a chat filing job failed", exc_info=future.exception())


def _language(code: str | None) -> str:
    known = {lang for lang, _name in settings.LANGUAGES}
    return code if code in known else settings.LANGUAGE_CODE


def status_payload(session: ChatSession) -> dict:
    """Where the chat stands, as the customer's widget shows it."""
    payload: dict[str, Any] = {"type": "status", "chat": session.pk, "status": session.status}
    if session.status == ChatStatus.QUEUED:
        position = services.queue_position(session)
        payload |= {"position": position, "wait": services.estimated_wait(session, position)}
    elif session.status == ChatStatus.ACTIVE and session.agent is not None:
        payload["agent"] = session.agent.first_name or session.agent.username
    elif session.status == ChatStatus.ENDED:
        payload["csat"] = services.csat_question(session)
    return payload


class ChatConsumer(AsyncJsonWebsocketConsumer):
    """What both ends share: calling the domain in a worker thread and reporting its refusals."""

    language = "ru"

    async def dispatch(self, message: dict) -> None:
        # Channels' own dispatch first hops to its one shared sync thread to close that thread's
        # stale database connections, for every event of every socket; this consumer does no
        # database work there (see call), so the hop only queued the events behind each other.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def call(self, function: Callable, *args, **kwargs) -> Any:
        run = _database_work(functools.partial(function, *args, **kwargs), self.language)
        # Each call is its own transaction: chats need not queue behind one another in a
        # single database thread, so they run on a small pool of their own.
        return await sync_to_async(run, thread_sensitive=False, executor=DATABASE_THREADS)()

    async def post_line(self, session: ChatSession, body: str, agent: User | None = None) -> None:
        await self.call(services.post_line, session, body, agent=agent)
        # Broadcast already; its copy on the ticket follows in the background.
        filing_requests.add(session.pk)

    async def send_error(self, error: OporaError, chat_id: int | None = None) -> None:
        await self.send_json(
            {"type": "error", "chat": chat_id, "code": error.code, "message": error.message}
        )

    async def send_lines(self, session: ChatSession, last_seq: int) -> None:
        for line in await self.call(services.lines_after, session, last_seq):
            await self.send_json(events.line_payload(line))

    async def typing(self, chat_id: int, who: str) -> None:
        # Typing is ephemeral: it goes straight to the chat's group and is never stored.
        await self.channel_layer.group_send(
            events.chat_group(chat_id),
            {"type": "chat.event", "payload": {"type": "typing", "chat": chat_id, "who": who}},
        )


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


class VisitorConsumer(ChatConsumer):
    """The customer's widget. It holds a signed visitor token, not a session: the widget is
    embedded on other sites, so the socket is not tied to our cookies or origin."""

    async def connect(self) -> None:
        query = parse_qs(self.scope.get("query_string", b"").decode())
        self.language = _language((query.get("lang") or [None])[0])
        try:
            self.session = await self.call(
                services.session_for_token, (query.get("token") or [""])[0]
            )
        except OporaError:
            # Accepted only to be closed with a code the widget understands (start afresh)
            # rather than a bare handshake failure it would keep retrying.
            await self.accept()
            await self.close(code=REFUSED)
            return
        self.groups_joined = [
            events.chat_group(self.session.pk),
            events.queue_group(self.session.team_id),
        ]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        last_seq = _int((query.get("last_seq") or ["0"])[0])

        def catch_up() -> list[dict]:
            # One trip to the database thread: the customer is back; what did they miss?
            services.customer_back(self.session)
            missed = services.lines_after(self.session, last_seq)
            return [events.line_payload(line) for line in missed] + [self._status()]

        # A reconnect names the last line it saw; everything after it is sent again.
        for message in await self.call(catch_up):
            await self.send_json(message)

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)
        if hasattr(self, "session"):
            await self.call(services.customer_left, self.session)

    def _status(self) -> dict:
        session = ChatSession.objects.select_related("agent", "csat_invitation__version").get(
            pk=self.session.pk
        )
        return status_payload(session)

    async def send_status(self) -> None:
        await self.send_json(await self.call(self._status))

    async def receive_json(self, content: Any, **kwargs) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        try:
            if kind == "message":
                await self.post_line(self.session, str(content.get("body", "")))
            elif kind == "typing":
                await self.typing(self.session.pk, "customer")
            elif kind == "end":
                await self.call(services.end_chat, self.session)
            elif kind == "csat":
                await self.call(services.record_csat, self.session, content.get("score"))
                await self.send_json({"type": "csat_thanks", "chat": self.session.pk})
        except OporaError as error:
            await self.send_error(error, self.session.pk)

    async def chat_event(self, event: dict) -> None:
        payload = event["payload"]
        kind = payload["type"]
        if kind in {"queue_moved", "status_changed"}:
            await self.send_status()
        elif kind == "typing" and payload["who"] == "customer":
            return
        else:
            await self.send_json(payload)


class AgentConsumer(ChatConsumer):
    """The agent's workspace: a logged-in agent (session cookie, same origin only)."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_agent_like:
            await self.close(code=REFUSED)
            return
        self.user: User = user
        self.language = _language(user.language)
        self.groups_joined = set(await self.call(self._initial_groups))
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    def _initial_groups(self) -> list[str]:
        teams = list(services.agent_teams(self.user).values_list("pk", flat=True))
        if self.user.sees_every_ticket:
            teams.append(None)  # chats of no team
        mine = ChatSession.objects.filter(agent=self.user, status=ChatStatus.ACTIVE)
        return [
            events.agent_group(self.user.pk),
            *(events.team_group(team) for team in teams),
            *(events.chat_group(pk) for pk in mine.values_list("pk", flat=True)),
        ]

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", set()):
            await self.channel_layer.group_discard(group, self.channel_name)

    def _session(self, chat_id: Any) -> ChatSession:
        """A chat the agent may see: its ticket is visible to them, or it is offered to them."""
        offered = Q(transfer_to=self.user) | Q(transfer_team__in=services.agent_teams(self.user))
        session = (
            ChatSession.objects.filter(pk=_int(chat_id, -1))
            .filter(Q(ticket__in=visible_tickets(self.user)) | offered)
            .select_related("ticket", "agent")
            .first()
        )
        if session is None:
            raise NotFound(_("Chat not found"))
        return session

    async def receive_json(self, content: Any, **kwargs) -> None:
        if not isinstance(content, dict):
            return
        kind, chat_id = content.get("type"), content.get("chat")
        try:
            session = await self.call(self._session, chat_id)
            if kind == "resume":
                await self.send_lines(session, _int(content.get("last_seq")))
            elif kind in {"accept", "accept_transfer"}:
                await self.take(session, kind)
            elif kind == "message":
                await self.post_line(session, str(content.get("body", "")), agent=self.user)
            elif kind == "typing" and session.agent_id == self.user.pk:
                await self.typing(session.pk, "agent")
            elif kind == "transfer":
                await self.call(self._transfer, session, content)
            elif kind == "end":
                await self.call(services.end_chat, session, agent=self.user)
        except OporaError as error:
            await self.send_error(error, _int(chat_id) or None)

    async def join_chat(self, chat_id: int) -> None:
        group = events.chat_group(chat_id)
        self.groups_joined.add(group)
        await self.channel_layer.group_add(group, self.channel_name)

    async def take(self, session: ChatSession, kind: str) -> None:
        # Join the chat before taking it, so that the customer's first words after the accept
        # cannot slip past; leave again if the accept is refused.
        joined_before = events.chat_group(session.pk) in self.groups_joined
        await self.join_chat(session.pk)
        try:
            if kind == "accept":
                await self.call(services.accept, session, self.user)
            else:
                await self.call(services.accept_transfer, session, self.user)
        except OporaError:
            if not joined_before:
                self.groups_joined.discard(events.chat_group(session.pk))
                await self.channel_layer.group_discard(
                    events.chat_group(session.pk), self.channel_name
                )
            raise

    def _transfer(self, session: ChatSession, content: dict) -> ChatSession:
        to_agent = to_team = None
        if content.get("to_agent"):
            to_agent = User.objects.filter(pk=_int(content["to_agent"], -1), is_active=True).first()
            if to_agent is None:
                raise NotFound(_("Agent not found"))
        if content.get("to_team"):
            to_team = Team.objects.filter(pk=_int(content["to_team"], -1)).first()
            if to_team is None:
                raise NotFound(_("Team not found"))
        return services.offer_transfer(session, self.user, to_agent=to_agent, to_team=to_team)

    async def chat_event(self, event: dict) -> None:
        payload = event["payload"]
        kind = payload["type"]
        if kind == "assigned":
            await self.join_chat(payload["chat"])
        elif kind == "released":
            group = events.chat_group(payload["chat"])
            self.groups_joined.discard(group)
            await self.channel_layer.group_discard(group, self.channel_name)
        elif kind == "typing" and payload["who"] == "agent":
            return
        await self.send_json(payload)
