"""`opora feedback_reminders`: the one reminder for survey mails still unanswered after N days."""

from django.core.management.base import BaseCommand

from opora.feedback import services


class Command(BaseCommand):
    help = "Send the survey reminders that are due."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"{services.send_reminders()} reminders sent")
