"""Background work of the surveys, through Django's tasks framework."""

from django.utils import timezone
from django_tasks import task

from . import reviews, services


@task()
def send_invitation(invitation_id: int) -> bool:
    return services.deliver_invitation(invitation_id)


@task()
def send_reminders() -> int:
    return services.send_reminders()


@task()
def schedule_nps() -> int:
    """Run daily: today's share of the NPS relationship survey."""
    return len(services.schedule_nps(timezone.localdate()))


@task()
def send_review_request(request_id: int) -> bool:
    return reviews.deliver_review_request(request_id)
