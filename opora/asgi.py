"""ASGI entry point: HTTP through Django, WebSockets for live chat (served by daphne)."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opora.settings")
# Django is set up first: the WebSocket consumers import models.
django_application = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from opora.chat.routing import websocket_application  # noqa: E402

application = ProtocolTypeRouter({"http": django_application, "websocket": websocket_application})

# The cyclic garbage collector stalls the whole process, every socket at once: under 1,000 chat
# sockets its full collections took 100-450 ms each, every few seconds (bench/chat.py: p99 round
# trip 264-470 ms; 26-115 ms with the two lines below). What is loaded by now lives as long as the
# process, so it is frozen out of the collector's sight; and young collections wait for 50,000
# new objects instead of 700, so that they no longer promote whatever the chat calls in flight
# hold to the old generation, whose growth is what triggers a full collection.
gc.freeze()
gc.set_threshold(50_000, 20, 10)
