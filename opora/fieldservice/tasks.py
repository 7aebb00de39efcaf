"""Background work of field service, through Django's tasks framework."""

from django_tasks import task

from . import services


@task()
def send_appointment(work_order_id: int) -> bool:
    return services.deliver_appointment(work_order_id)
