"""Article search ranks title hits first, and only those while they fill the page, so it needs
the articles whose title holds a query word without reading every matching body's vector.

PostgreSQL: a GIN index over the title's own tsvector, in the article's language — the
expression must stay exactly opora.knowledge.search.postgres.ARTICLE_TITLE_VECTOR for the planner
to use it. SQLite needs nothing: FTS5 filters on the title column by itself."""

from django.db import migrations

POSTGRES_FORWARD = (
    "CREATE INDEX IF NOT EXISTS knowledge_article_title_search_gin ON knowledge_article"
    " USING gin (to_tsvector(CASE language WHEN 'en' THEN 'english'::regconfig"
    " ELSE 'russian'::regconfig END, title))"
)
POSTGRES_BACKWARD = "DROP INDEX IF EXISTS knowledge_article_title_search_gin"


def _on_postgres(statement: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0004_articleattachment")]

    operations = [
        migrations.RunPython(_on_postgres(POSTGRES_FORWARD), _on_postgres(POSTGRES_BACKWARD))
    ]
