"""Background work of customer success, through Django's tasks framework."""

from django_tasks import task

from . import services


@task()
def send_lifecycle_message(delivery_id: int) -> bool:
    return services.deliver(delivery_id)


@task()
def run_due_lifecycle_messages() -> int:
    """Run daily (register in `opora scheduler`)."""
    return services.run_due_lifecycle_messages()
