"""The WebSocket application (mounted by opora/asgi.py)."""

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from . import consumers

websocket_application = URLRouter(
    [
        # The widget: embedded on customers' sites (any origin), opened by a signed visitor token.
        path("ws/chat/visitor/", consumers.VisitorConsumer.as_asgi()),
        # The workspace: a logged-in agent's session cookie, and our own origin only.
        path(
            "ws/chat/agent/",
            AllowedHostsOriginValidator(AuthMiddlewareStack(consumers.AgentConsumer.as_asgi())),
        ),
    ]
)
