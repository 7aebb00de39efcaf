"""Search indexes that only one database vendor understands, so none of them is model state.

PostgreSQL: GIN indexes over the stored tsvectors (articles and ticket messages).
SQLite: FTS5 tables holding Snowball stems (see opora/knowledge/search/sqlite.py)."""

from django.db import migrations

POSTGRES_FORWARD = [
    "CREATE INDEX IF NOT EXISTS knowledge_article_search_gin"
    " ON knowledge_article USING gin (search_vector)",
    "CREATE INDEX IF NOT EXISTS knowledge_message_search_gin"
    " ON knowledge_messagesearchentry USING gin (search_vector)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS knowledge_article_search_gin",
    "DROP INDEX IF EXISTS knowledge_message_search_gin",
]
SQLITE_FORWARD = [
    # remove_diacritics 0: «й» must stay distinct from «и»; stems are already lower-cased.
    "CREATE VIRTUAL TABLE IF NOT EXISTS knowledge_article_fts"
    " USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 0')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS knowledge_message_fts"
    " USING fts5(subject, body, tokenize = 'unicode61 remove_diacritics 0')",
]
SQLITE_BACKWARD = [
    "DROP TABLE IF EXISTS knowledge_article_fts",
    "DROP TABLE IF EXISTS knowledge_message_fts",
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
