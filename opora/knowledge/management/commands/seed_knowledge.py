from django.core.management.base import BaseCommand, CommandError

from opora.accounts.models import Role, User
from opora.knowledge.seed import seed_knowledge


class Command(BaseCommand):
    help = "Add the demo knowledge base (ru/en articles) and rebuild the search index."

    def handle(self, *args, **options) -> None:
        author = User.objects.filter(role__in=[Role.ADMIN, Role.MANAGER], is_active=True).first()
        if author is None:
            raise CommandError("Create an admin or manager first: articles need an author.")
        created = seed_knowledge(author)
        self.stdout.write(f"Knowledge base: {created} articles added; search index rebuilt.")
