from django.core.management.base import BaseCommand

from opora.knowledge import search


class Command(BaseCommand):
    help = "Rebuild the knowledge-base and ticket search index (after bulk imports)."

    def handle(self, *args, **options) -> None:
        search.rebuild_index()
        self.stdout.write("Search index rebuilt.")
