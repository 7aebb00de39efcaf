"""Background work of the messenger channels, through Django's tasks framework."""

from django_tasks import task

from . import services


@task()
def send_reply(delivery_id: int) -> str:
    return services.deliver(delivery_id)


@task()
def send_notice(identity_id: int, kind: str) -> bool:
    return services.send_notice(identity_id, kind)
