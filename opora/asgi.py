"""ASGI entry point: HTTP through Django, WebSockets for live chat (served by daphne)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opora.settings")
# Django is set up first: the WebSocket consumers import models.
django_application = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from opora.chat.routing import websocket_application  # noqa: E402

application = ProtocolTypeRouter({"http": django_application, "websocket": websocket_application})
