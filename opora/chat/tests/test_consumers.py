"""Both WebSocket ends, through the real ASGI stack (session auth, origin check, visitor token)."""

import asyncio
import functools

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client

from opora.chat import consumers, services
from opora.chat.models import AgentChatLimit, ChatSession, ChatStatus
from opora.chat.routing import websocket_application
from opora.core.testing import make_user
from opora.feedback.models import Response
from opora.tickets.models import Channel, Message

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def sync(function):
    """The test's own database calls, run on the consumers' database thread (see conftest)."""

    async def call(*args, **kwargs):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            consumers.DATABASE_THREADS, functools.partial(function, *args, **kwargs)
        )

    return call


async def start(name="Carol", body="Hello, my order is late", email="carol@example.com"):
    return await sync(services.start_chat)(name, email, body, language="en")


async def visitor(session, last_seq=0, token=None):
    token = token or await sync(services.visitor_token)(session)
    socket = WebsocketCommunicator(
        websocket_application, f"/ws/chat/visitor/?token={token}&last_seq={last_seq}&lang=en"
    )
    connected, code = await socket.connect()
    assert connected, code
    return socket


async def agent(user, origin=b"http://testserver"):
    def session_cookie():
        client = Client()
        client.force_login(user)
        return client.cookies["sessionid"].value

    cookie = await sync(session_cookie)()
    socket = WebsocketCommunicator(
        websocket_application,
        "/ws/chat/agent/",
        headers=[(b"cookie", f"sessionid={cookie}".encode()), (b"origin", origin)],
    )
    connected, code = await socket.connect()
    assert connected, code
    return socket


async def until(socket, message_type, **match):
    """The next message of a type (and matching fields), skipping others on the way."""
    while True:
        message = await socket.receive_json_from(timeout=10)
        if message["type"] == message_type and all(message.get(k) == v for k, v in match.items()):
            return message


async def fetch(session):
    return await sync(ChatSession.objects.get)(pk=session.pk)


async def timeline(session, lines):
    """The ticket's messages once ``lines`` are there: chat lines are filed in the background."""
    messages = Message.objects.filter(ticket=session.ticket_id).order_by("pk")
    for _attempt in range(100):
        filed = await sync(list)(messages.values_list("body", "channel", "author_user"))
        if len(filed) >= lines:
            break
        await asyncio.sleep(0.05)
    return filed


async def test_customer_sees_queue_position_then_moves_up(anna, boris):
    first, second = await start(), await start("Dave", "Me too", "dave@example.com")
    customer = await visitor(second)
    line = await until(customer, "line")
    assert (line["seq"], line["body"], line["kind"]) == (1, "Me too", "customer")
    status = await until(customer, "status")
    assert (status["status"], status["position"], status["wait"]) == ("queued", 2, None)

    desk = await agent(anna)
    await desk.send_json_to({"type": "accept", "chat": first.pk})
    moved = await until(customer, "status")
    assert moved["position"] == 1
    await customer.disconnect()
    await desk.disconnect()


async def test_accepted_chat_is_the_ticket_timeline(anna):
    session = await start()
    customer = await visitor(session)
    await until(customer, "status")
    desk = await agent(anna)
    await desk.send_json_to({"type": "accept", "chat": session.pk})
    joined = await until(customer, "line", kind="system")
    assert (joined["body"], joined["author"]) == ("joined", "Anna")
    assert (await until(customer, "status"))["agent"] == "Anna"

    await customer.send_json_to({"type": "message", "body": "Order 1234"})
    assert (await until(desk, "line", kind="customer"))["body"] == "Order 1234"
    await desk.send_json_to({"type": "message", "chat": session.pk, "body": "Found it"})
    reply = await until(customer, "line", kind="agent")
    assert (reply["body"], reply["author"], reply["seq"]) == ("Found it", "Anna", 4)

    session = await fetch(session)
    assert session.status == ChatStatus.ACTIVE and session.agent_id == anna.pk
    assert session.accepted_at >= session.queued_at
    assert await timeline(session, 3) == [
        ("Hello, my order is late", Channel.CHAT, None),
        ("Order 1234", Channel.CHAT, None),
        ("Found it", Channel.CHAT, anna.pk),
    ]
    ticket = await sync(lambda: session.ticket)()
    assert (ticket.channel, ticket.assignee_id) == (Channel.CHAT, anna.pk)
    await customer.disconnect()
    await desk.disconnect()


async def test_agent_cannot_exceed_their_cap(anna):
    await sync(AgentChatLimit.objects.create)(agent=anna, max_chats=1)
    first, second = await start(), await start("Dave", "Hi", "dave@example.com")
    desk = await agent(anna)
    await desk.send_json_to({"type": "accept", "chat": first.pk})
    await until(desk, "assigned")
    await desk.send_json_to({"type": "accept", "chat": second.pk})
    error = await until(desk, "error")
    assert (error["code"], error["chat"]) == ("at_capacity", second.pk)
    assert (await fetch(second)).status == ChatStatus.QUEUED
    await desk.disconnect()


async def test_transfer_to_team_waits_for_the_receiver(anna, boris, team_beta):
    session = await start()
    customer = await visitor(session)
    first, second = await agent(anna), await agent(boris)
    await first.send_json_to({"type": "accept", "chat": session.pk})
    await until(first, "assigned")
    await first.send_json_to({"type": "transfer", "chat": session.pk, "to_team": team_beta.pk})
    await until(second, "queue")
    # No blind transfer: until Boris accepts, the chat stays Anna's.
    assert (await fetch(session)).agent_id == anna.pk
    await second.send_json_to({"type": "accept_transfer", "chat": session.pk})
    await until(second, "assigned", chat=session.pk)
    await until(first, "released", chat=session.pk)

    await customer.send_json_to({"type": "message", "body": "Still there?"})
    assert (await until(second, "line", kind="customer"))["body"] == "Still there?"
    moved = await fetch(session)
    ticket = await sync(lambda: moved.ticket)()
    assert (moved.agent_id, moved.team_id) == (boris.pk, team_beta.pk)
    assert (ticket.assignee_id, ticket.team_id) == (boris.pk, team_beta.pk)
    # Anna is no longer in the chat: she cannot write in it.
    await first.send_json_to({"type": "message", "chat": session.pk, "body": "me again"})
    assert (await until(first, "error"))["code"] in {"forbidden", "not_found"}
    for socket in (customer, first, second):
        await socket.disconnect()


async def test_transfer_to_a_full_colleague_is_refused(anna, team_alpha):
    colleague = await sync(make_user)("vera", "agent")
    await sync(team_alpha.members.add)(colleague)
    await sync(AgentChatLimit.objects.create)(agent=colleague, max_chats=0)
    session = await start()
    desk = await agent(anna)
    await desk.send_json_to({"type": "accept", "chat": session.pk})
    await until(desk, "assigned")
    await desk.send_json_to({"type": "transfer", "chat": session.pk, "to_agent": colleague.pk})
    assert (await until(desk, "error"))["code"] == "at_capacity"
    await desk.disconnect()


async def test_reconnect_resends_what_the_customer_missed(anna):
    session = await start()
    customer = await visitor(session)
    desk = await agent(anna)
    await desk.send_json_to({"type": "accept", "chat": session.pk})
    await until(customer, "line", seq=2)
    await customer.disconnect()
    # Lines written while the customer is away.
    await desk.send_json_to({"type": "message", "chat": session.pk, "body": "one"})
    await until(desk, "line", seq=3)
    await desk.send_json_to({"type": "message", "chat": session.pk, "body": "two"})
    await until(desk, "line", seq=4)

    back = await visitor(session, last_seq=2)
    resent = [await until(back, "line"), await until(back, "line")]
    assert [(line["seq"], line["body"]) for line in resent] == [(3, "one"), (4, "two")]
    assert (await until(back, "status"))["status"] == "active"
    # The agent's socket resends too.
    await desk.send_json_to({"type": "resume", "chat": session.pk, "last_seq": 3})
    assert (await until(desk, "line"))["seq"] == 4
    await back.disconnect()
    await desk.disconnect()


async def test_typing_reaches_the_other_side_only(anna):
    session = await start()
    customer = await visitor(session)
    await until(customer, "status")
    desk = await agent(anna)
    await desk.send_json_to({"type": "accept", "chat": session.pk})
    await until(customer, "status", status="active")
    await until(desk, "assigned")
    await customer.send_json_to({"type": "typing"})
    assert (await until(desk, "typing"))["who"] == "customer"
    await desk.send_json_to({"type": "typing", "chat": session.pk})
    assert (await until(customer, "typing"))["who"] == "agent"
    # Neither side hears its own typing.
    for socket in (customer, desk):
        while not await socket.receive_nothing(timeout=0.5):
            assert (await socket.receive_json_from())["type"] != "typing"
    await customer.disconnect()
    await desk.disconnect()


async def test_customer_leaving_the_queue_is_abandonment(anna):
    session = await start()
    customer = await visitor(session)
    await until(customer, "status")
    await customer.send_json_to({"type": "end"})
    status = await until(customer, "status")
    assert (status["status"], status["csat"]) == ("ended", None)
    session = await fetch(session)
    assert session.abandoned and session.accepted_at is None and session.ended_at is not None
    await customer.disconnect()


async def test_ended_chat_offers_csat_in_the_widget(anna, builtin_surveys):
    session = await start()
    customer = await visitor(session)
    desk = await agent(anna)
    await desk.send_json_to({"type": "accept", "chat": session.pk})
    await until(customer, "status", status="active")
    await desk.send_json_to({"type": "end", "chat": session.pk})
    ended = await until(customer, "status", status="ended")
    assert (ended["csat"]["min"], ended["csat"]["max"]) == (1, 5)
    assert "satisfied" in ended["csat"]["text"]
    await customer.send_json_to({"type": "csat", "score": 5})
    await until(customer, "csat_thanks")
    response = await sync(Response.objects.select_related("invitation").get)()
    assert (response.score, response.kind, response.invitation.ticket_id) == (
        5,
        "csat",
        session.ticket_id,
    )
    session = await fetch(session)
    assert not session.abandoned and session.ended_at >= session.accepted_at
    await customer.disconnect()
    await desk.disconnect()


async def test_bad_or_forged_visitor_token_is_refused(anna):
    session = await start()
    other = await start("Dave", "Mine", "dave@example.com")
    token = await sync(services.visitor_token)(session)
    forged = token.replace(f"{session.pk}:", f"{other.pk}:", 1)
    for bad in ("", "garbage", forged):
        socket = WebsocketCommunicator(websocket_application, f"/ws/chat/visitor/?token={bad}")
        await socket.connect()
        # Closed at once with 4403 (the widget then starts afresh), before any line is sent.
        assert await socket.receive_output(timeout=10) == {"type": "websocket.close", "code": 4403}


async def test_customer_token_opens_only_its_own_chat(anna):
    mine = await start()
    theirs = await start("Dave", "Private matter", "dave@example.com")
    customer = await visitor(mine)
    # Whatever chat id the client names, it writes into its own chat only.
    await customer.send_json_to({"type": "message", "chat": theirs.pk, "body": "sneaky"})
    line = await until(customer, "line", body="sneaky")
    assert line["chat"] == mine.pk
    assert not await sync(Message.objects.filter(ticket=theirs.ticket_id, body="sneaky").exists)()
    await customer.disconnect()


async def test_agent_outside_the_team_cannot_accept_or_read(boris, team_alpha):
    session = await start()  # queued for Alpha, the default team
    desk = await agent(boris)
    await desk.send_json_to({"type": "accept", "chat": session.pk})
    assert (await until(desk, "error"))["code"] in {"forbidden", "not_found"}
    await desk.send_json_to({"type": "resume", "chat": session.pk, "last_seq": 0})
    assert (await until(desk, "error"))["code"] == "not_found"
    assert (await fetch(session)).status == ChatStatus.QUEUED
    await desk.disconnect()


async def test_light_agent_cannot_accept(lena):
    session = await start()
    desk = await agent(lena)
    await desk.send_json_to({"type": "accept", "chat": session.pk})
    assert (await until(desk, "error"))["code"] == "forbidden"
    assert (await fetch(session)).status == ChatStatus.QUEUED
    await desk.disconnect()


async def test_agent_socket_refuses_anonymous_customers_and_foreign_origins(anna, carol):
    anonymous = WebsocketCommunicator(
        websocket_application, "/ws/chat/agent/", headers=[(b"origin", b"http://testserver")]
    )
    assert not (await anonymous.connect())[0]
    customer_user = await sync(lambda: carol.user)()
    for user, origin in ((customer_user, b"http://testserver"), (anna, b"http://evil.example")):

        def cookie(user=user):
            client = Client()
            client.force_login(user)
            return client.cookies["sessionid"].value

        socket = WebsocketCommunicator(
            websocket_application,
            "/ws/chat/agent/",
            headers=[
                (b"cookie", f"sessionid={await sync(cookie)()}".encode()),
                (b"origin", origin),
            ],
        )
        assert not (await socket.connect())[0]
