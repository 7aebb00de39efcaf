"""A customer chats from the embedded widget, an agent answers from the workspace: two real
browsers (headless Chromium) against daphne serving the ASGI application, WebSockets included."""

import socket
import threading
import time

import pytest

from opora.chat import consumers
from opora.core.testing import PASSWORD
from opora.tickets.models import Channel, Message

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def asgi_live_server(django_db_setup, django_db_blocker):
    """daphne in a thread of this process, so it shares the test database (also SQLite's
    in-memory one). Twisted's reactor runs once per process: one server for the session."""
    from daphne.server import Server
    from django.urls import get_resolver
    from twisted.internet import reactor

    from opora.asgi import application

    # Import every app's URLs now, not inside the first request (slow on a busy machine).
    assert get_resolver().url_patterns

    port = free_port()
    ready = threading.Event()
    server = Server(
        application=application,
        endpoints=[f"tcp:port={port}:interface=127.0.0.1"],
        signal_handlers=False,
        ready_callable=ready.set,
        verbosity=0,
    )
    with django_db_blocker.unblock():
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        assert ready.wait(10), "daphne did not start"
        yield f"http://127.0.0.1:{port}"
        reactor.callFromThread(reactor.stop)
        thread.join(5)


def test_customer_and_agent_chat_through_the_widget(browser, asgi_live_server, anna):
    base = asgi_live_server
    customer = browser.new_context(locale="en-US").new_page()
    agent = browser.new_context(locale="en-US").new_page()
    for page in (customer, agent):
        page.set_default_timeout(30_000)

    # The customer opens the widget on a page that embeds it with one script tag.
    customer.goto(f"{base}/chat/demo/")
    customer.click("#opora-chat .launcher")
    customer.fill("#opora-chat form.start input[name=name]", "Masha")
    customer.fill("#opora-chat form.start textarea[name=body]", "My router blinks red")
    customer.click("#opora-chat form.start button[type=submit]")
    customer.wait_for_selector("#opora-chat .status:has-text('number 1 in the queue')")
    customer.wait_for_selector("#opora-chat .line.customer:has-text('My router blinks red')")

    # The agent accepts it from the live-chat page.
    agent.goto(f"{base}/login/")
    agent.fill("#id_username", "anna")
    agent.fill("#id_password", PASSWORD)
    agent.click("button[type=submit]")
    agent.wait_for_load_state()
    agent.goto(f"{base}/chat/")
    agent.click("[data-waiting-chat] .chat-accept")
    pane = agent.locator(".chat-pane")
    pane.locator(".chat-line.customer:has-text('My router blinks red')").wait_for()

    customer.wait_for_selector("#opora-chat .line.system:has-text('Anna joined the chat')")
    pane.locator(".chat-input").fill("Please unplug it for ten seconds")
    pane.locator(".chat-send").click()
    customer.wait_for_selector("#opora-chat .line.agent:has-text('unplug it for ten seconds')")

    customer.fill("#opora-chat textarea.input", "Green now, thank you!")
    customer.press("#opora-chat textarea.input", "Enter")
    pane.locator(".chat-line.customer:has-text('Green now')").wait_for()

    # Both sides' lines are the ticket's timeline. Read on the chat's database thread, which
    # files them (see conftest: the in-memory test database refuses a concurrent reader).
    def on_chat_thread(read):
        return consumers.DATABASE_THREADS.submit(read).result()

    deadline = time.monotonic() + 5
    while on_chat_thread(Message.objects.count) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    bodies = on_chat_thread(
        lambda: list(Message.objects.order_by("pk").values_list("body", "channel"))
    )
    assert bodies == [
        ("My router blinks red", Channel.CHAT),
        ("Please unplug it for ten seconds", Channel.CHAT),
        ("Green now, thank you!", Channel.CHAT),
    ]
    customer.context.close()
    agent.context.close()
