"""Telegram webhook throughput: updates/s through POST /messengers/telegram/<bot>/webhook.

    .venv/bin/python bench/telegram_webhook.py                 # 2,000 updates, SQLite and PostgreSQL
    .venv/bin/python bench/telegram_webhook.py --smoke         # 200 updates
    PG_BENCH_URL=postgres://postgres@127.0.0.1:5432/postgres   # the server for the scratch database
                                                               # opora_bench_telegram (made, then dropped)

The mix: text messages from 300 Telegram users (the first from each opens a ticket, later ones
join it), 10 % edited messages and 10 % duplicate deliveries (which must write nothing). The
whole request path runs: secret check, JSON parsing, idempotency, customer and ticket services.

The bar: >= 30 updates/s, Telegram's own limit on messages a bot may send per second; a desk that
ingests at least that fast keeps up with the busiest bot. The verdict is on PostgreSQL (SQLite
is printed for comparison); exits 1 on FAIL.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BAR_PER_SECOND = 30
ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret"
DB_NAME = "opora_bench_telegram"


def updates(count: int, seed: int = 42) -> list[dict]:
    rng = random.Random(seed)
    users = [(100_000 + n, rng.choice(["Мария", "Иван", "Alex", "Olga"])) for n in range(300)]
    sent: list[dict] = []
    while len(sent) < count:
        roll = rng.random()
        if roll < 0.10 and sent:
            sent.append(rng.choice(sent))  # the same delivery again
            continue
        user_id, name = rng.choice(users)
        person = {"id": user_id, "is_bot": False, "first_name": name, "language_code": "ru"}
        message = {
            "message_id": len(sent) + 1,
            "from": person,
            "chat": {"id": user_id, "first_name": name, "type": "private"},
            "date": 1763890000 + len(sent),
            "text": rng.choice(["Не приходит счёт", "Где мой заказ?", "App crashes on start"]),
        }
        key = "edited_message" if roll < 0.20 else "message"
        sent.append({"update_id": 500_000 + len(sent), key: message})
    return sent


def run(count: int) -> int:
    """Measure in this process against DATABASE_URL, or SQLite in OPORA_DATA_DIR."""
    os.environ["OPORA_TESTING"] = "1"
    os.environ["DJANGO_SETTINGS_MODULE"] = "opora.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0)
    from opora.accounts.models import SupportLine, Team
    from opora.messengers.models import Bot, InboundUpdate
    from opora.tickets.models import Message, Ticket

    team = Team.objects.create(name="Первая линия", line=SupportLine.FIRST, is_default=True)
    Bot.objects.create(bot_id="bench", name="Bench", webhook_secret=SECRET, team=team)
    client = Client()
    bodies = [json.dumps(update).encode() for update in updates(count)]
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    started = time.perf_counter()
    for body in bodies:
        response = client.post(
            "/messengers/telegram/bench/webhook",
            body,
            content_type="application/json",
            headers=headers,
        )
        if response.status_code != 200:
            print(response.status_code, response.content[:300])
            return 2
    elapsed = time.perf_counter() - started
    distinct = len({json.loads(body)["update_id"] for body in bodies})
    stored = InboundUpdate.objects.count()
    rate = count / elapsed
    print(
        f"{connection.vendor}: {count} updates in {elapsed:.1f} s = {rate:,.1f} updates/s "
        f"({Ticket.objects.count()} tickets, {Message.objects.count()} messages, "
        f"{stored} updates stored of {distinct} distinct)"
    )
    # Duplicates must have written nothing: one stored update per distinct update id.
    return 0 if stored == distinct and rate >= BAR_PER_SECOND else 1


def measure(count: int, database_url: str | None) -> int:
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "OPORA_DATA_DIR": data_dir, "SECRET_KEY": "bench"}
        env.pop("DATABASE_URL", None)
        if database_url:
            env["DATABASE_URL"] = database_url
        command = [sys.executable, __file__, "--run", "--updates", str(count)]
        return subprocess.run(command, env=env, cwd=ROOT, check=False).returncode


def scratch_postgres(admin_url: str, *, drop: bool = False) -> str | None:
    try:
        import psycopg

        with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
            if not drop:
                connection.execute(f"CREATE DATABASE {DB_NAME}")
    except Exception as error:  # no server: the PostgreSQL figure is reported as skipped
        print(f"PostgreSQL skipped: {error}")
        return None
    return admin_url.rsplit("/", 1)[0] + f"/{DB_NAME}"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--smoke", action="store_true", help="200 updates, for CI")
    parser.add_argument("--run", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    count = 200 if args.smoke else args.updates
    if args.run:
        return run(count)
    if measure(count, None) == 2:
        return 2
    admin_url = os.environ.get("PG_BENCH_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    postgres_url = scratch_postgres(admin_url)
    if postgres_url is None:
        return 0
    try:
        code = measure(count, postgres_url)
    finally:
        scratch_postgres(admin_url, drop=True)
    print(f"{'PASS' if code == 0 else 'FAIL'} on PostgreSQL against the bar of {BAR_PER_SECOND}/s")
    return code


if __name__ == "__main__":
    sys.exit(main())
