"""`opora serve`: the production web server, workers sized for the machine.

daphne (ASGI: HTTP and the live-chat WebSockets) by default; `--wsgi` runs gunicorn instead
(then live chat needs a daphne alongside it for /ws/)."""

import os
import shutil
import signal
import socket
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

# PostgreSQL connections per daphne process: the chat's database threads keep theirs
# (OPORA_CHAT_DB_THREADS, 4), HTTP requests share the rest.
DAPHNE_DB_CONNECTIONS = 12


class Command(BaseCommand):
    help = "Serve Opora with daphne (ASGI, production); --wsgi for gunicorn"

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("OPORA_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("OPORA_WORKERS", str(2 * (os.cpu_count() or 1)))),
        )
        parser.add_argument("--no-collectstatic", action="store_true")
        parser.add_argument("--wsgi", action="store_true", help="gunicorn, without WebSockets")

    def handle(self, *args, bind: str, workers: int, no_collectstatic: bool, **options):
        if not options["wsgi"]:
            if not no_collectstatic:
                call_command("collectstatic", interactive=False, verbosity=0)
            return self.serve_asgi(bind, workers)
        gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or shutil.which(
            "gunicorn"
        )
        if gunicorn is None:
            raise CommandError("gunicorn is not installed")
        if not no_collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(
            f"Serving Opora on http://{bind}/ with {workers} workers (DEBUG={settings.DEBUG})"
        )
        os.execv(
            gunicorn,
            [
                gunicorn,
                "opora.wsgi:application",
                "--bind",
                bind,
                "--workers",
                str(workers),
                "--access-logfile",
                "-",
                "--max-requests",
                "5000",
                "--max-requests-jitter",
                "500",
            ],
        )

    def serve_asgi(self, bind: str, workers: int) -> None:
        """daphne processes sharing one listening socket. Chat events cross processes only
        through Redis: without REDIS_URL (in-memory layer) one process serves everything."""
        daphne = shutil.which("daphne", path=os.path.dirname(sys.executable)) or shutil.which(
            "daphne"
        )
        if daphne is None:
            raise CommandError("daphne is not installed")
        if not settings.REDIS_URL:
            workers = 1
        # Under ASGI a persistent connection stays with a worker thread (Django ticket #33497):
        # requests take a PostgreSQL connection from a pool per process instead (settings).
        os.environ.setdefault("DB_CONN_MAX_AGE", "0")
        os.environ.setdefault("OPORA_DB_POOL_MAX", str(DAPHNE_DB_CONNECTIONS))
        host, _sep, port = bind.rpartition(":")
        listener = socket.create_server((host or "127.0.0.1", int(port)), backlog=2048)
        listener.set_inheritable(True)
        command = [daphne, "--fd", str(listener.fileno()), "-v", "1"]
        command.append("opora.asgi:application")
        self.stdout.write(
            f"Serving Opora (ASGI) on http://{bind}/ with {workers} daphne process(es)"
        )
        if workers == 1:
            os.execv(daphne, command)
        children = [subprocess.Popen(command, pass_fds=[listener.fileno()]) for _ in range(workers)]

        def stop(signum, frame):
            for child in children:
                child.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        for child in children:
            child.wait()
