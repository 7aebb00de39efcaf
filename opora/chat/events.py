"""Live updates over the channel layer, sent only once the database change has committed.

Groups: ``chat.<id>`` (the customer and the chat's agent), ``chat.queue.<team>`` (customers
waiting for that team), ``chat.team.<team>`` (its agents), ``chat.agent.<user>`` (one agent).
Every group message is ``{"type": "chat.event", "payload": {...}}``; the payload is what the
browser receives (see docs/chat.md for the protocol).
"""

from typing import TYPE_CHECKING

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

if TYPE_CHECKING:
    from .models import ChatLine, ChatSession


def chat_group(chat_id: int) -> str:
    return f"chat.{chat_id}"


def queue_group(team_id: int | None) -> str:
    return f"chat.queue.{team_id or 0}"


def team_group(team_id: int | None) -> str:
    return f"chat.team.{team_id or 0}"


def agent_group(user_id: int) -> str:
    return f"chat.agent.{user_id}"


def _send_on_commit(group: str, payload: dict) -> None:
    def send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(group, {"type": "chat.event", "payload": payload})

    transaction.on_commit(send)


def line_payload(line: "ChatLine") -> dict:
    return {
        "type": "line",
        "chat": line.session_id,
        "seq": line.seq,
        "kind": line.kind,
        "author": line.author_name,
        "body": line.body,
        "at": line.created_at.isoformat(),
    }


def line_added(line: "ChatLine") -> None:
    _send_on_commit(chat_group(line.session_id), line_payload(line))


def team_queue_changed(team_id: int | None, *, someone_left: bool = False) -> None:
    _send_on_commit(team_group(team_id), {"type": "queue"})
    # Only a departure moves the customers behind it; a newcomer joins at the back.
    if someone_left:
        _send_on_commit(queue_group(team_id), {"type": "queue_moved"})


def chat_taken(session: "ChatSession", previous_agent_id: int | None) -> None:
    _send_on_commit(agent_group(session.agent_id), {"type": "assigned", "chat": session.pk})
    if previous_agent_id and previous_agent_id != session.agent_id:
        _send_on_commit(agent_group(previous_agent_id), {"type": "released", "chat": session.pk})
    _send_on_commit(chat_group(session.pk), {"type": "status_changed", "chat": session.pk})


def transfer_offered(session: "ChatSession") -> None:
    payload = {"type": "queue"}
    if session.transfer_to_id:
        _send_on_commit(agent_group(session.transfer_to_id), payload)
    if session.transfer_team_id:
        _send_on_commit(team_group(session.transfer_team_id), payload)


def chat_ended(session: "ChatSession") -> None:
    _send_on_commit(chat_group(session.pk), {"type": "status_changed", "chat": session.pk})
    if session.agent_id:
        _send_on_commit(agent_group(session.agent_id), {"type": "queue"})
