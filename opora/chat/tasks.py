"""Background work of live chat, through Django's tasks framework (run by `opora worker`)."""

from django_tasks import task

from . import services


@task()
def file_chat_lines(chat_ids: list[int]) -> int:
    return services.file_chats(chat_ids)
