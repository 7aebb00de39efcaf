"""Background work of the e-mail channel, through Django's tasks framework."""

from django_tasks import task

from . import ingest, outbound


@task()
def send_envelope(envelope_id: int) -> str:
    return outbound.deliver(envelope_id)


@task()
def send_acknowledgements(ticket_ids: list[int]) -> int:
    return outbound.send_acknowledgements(ticket_ids)


@task()
def retry_spooled_mail() -> int:
    return len(ingest.retry_spooled())


@task()
def poll_imap() -> int:
    from .imap import poll_all

    return sum(result.fetched for result in poll_all())
