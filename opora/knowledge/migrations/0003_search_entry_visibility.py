"""Ticket search reads one table: each message's search entry carries copies of its ticket's id,
team and assignee (what visibility filters on), so a search no longer joins every candidate to
its message and ticket.

PostgreSQL only (SQLite keeps its FTS5 tables): the copies are filled in for existing entries and
kept in step by two triggers — when a ticket changes team or assignee, and when a message moves
to another ticket (merge, split). Database triggers rather than service code, because merges move
messages with a bulk UPDATE and any future bulk change is covered too."""

from django.db import migrations, models

POSTGRES_FORWARD = [
    """
    UPDATE knowledge_messagesearchentry e
    SET ticket_id = t.id, team_id = t.team_id, assignee_id = t.assignee_id
    FROM tickets_message m JOIN tickets_ticket t ON t.id = m.ticket_id
    WHERE m.id = e.message_id
    """,
    # For the triggers (all entries of a ticket) and the collaborator filter.
    "CREATE INDEX IF NOT EXISTS knowledge_message_search_ticket"
    " ON knowledge_messagesearchentry (ticket_id)",
    # An agent's newest matches: walked newest first within their teams / their assignments.
    "CREATE INDEX IF NOT EXISTS knowledge_message_search_team"
    " ON knowledge_messagesearchentry (team_id, message_id)",
    "CREATE INDEX IF NOT EXISTS knowledge_message_search_assignee"
    " ON knowledge_messagesearchentry (assignee_id, message_id) WHERE assignee_id IS NOT NULL",
    """
    CREATE OR REPLACE FUNCTION knowledge_entry_follow_ticket() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE knowledge_messagesearchentry
        SET team_id = NEW.team_id, assignee_id = NEW.assignee_id
        WHERE ticket_id = NEW.id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER knowledge_entry_follow_ticket
    AFTER UPDATE OF team_id, assignee_id ON tickets_ticket FOR EACH ROW
    WHEN (OLD.team_id IS DISTINCT FROM NEW.team_id
          OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id)
    EXECUTE FUNCTION knowledge_entry_follow_ticket()
    """,
    """
    CREATE OR REPLACE FUNCTION knowledge_entry_follow_message() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE knowledge_messagesearchentry e
        SET ticket_id = t.id, team_id = t.team_id, assignee_id = t.assignee_id
        FROM tickets_ticket t
        WHERE t.id = NEW.ticket_id AND e.message_id = NEW.id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER knowledge_entry_follow_message
    AFTER UPDATE OF ticket_id ON tickets_message FOR EACH ROW
    WHEN (OLD.ticket_id IS DISTINCT FROM NEW.ticket_id)
    EXECUTE FUNCTION knowledge_entry_follow_message()
    """,
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS knowledge_entry_follow_message ON tickets_message",
    "DROP FUNCTION IF EXISTS knowledge_entry_follow_message()",
    "DROP TRIGGER IF EXISTS knowledge_entry_follow_ticket ON tickets_ticket",
    "DROP FUNCTION IF EXISTS knowledge_entry_follow_ticket()",
    "DROP INDEX IF EXISTS knowledge_message_search_ticket",
    "DROP INDEX IF EXISTS knowledge_message_search_team",
    "DROP INDEX IF EXISTS knowledge_message_search_assignee",
]


def _run(statements: list[str]):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0002_search_indexes")]

    operations = [
        migrations.AddField(
            model_name="messagesearchentry",
            name="ticket_id",
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="messagesearchentry",
            name="team_id",
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="messagesearchentry",
            name="assignee_id",
            field=models.BigIntegerField(null=True),
        ),
        migrations.RunPython(_run(POSTGRES_FORWARD), _run(POSTGRES_BACKWARD)),
    ]
