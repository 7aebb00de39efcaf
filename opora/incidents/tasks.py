"""Background work of incidents, through Django's tasks framework."""

from django_tasks import task

from . import services


@task()
def deliver_broadcast_task(broadcast_id: int) -> int:
    """Large incidents: write the broadcast to every linked ticket. Safe to run again."""
    return services.deliver_broadcast(broadcast_id)
