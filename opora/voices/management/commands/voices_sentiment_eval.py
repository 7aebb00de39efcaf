"""Print the sentiment scorer's accuracy on the held-out labelled sample, per language."""

from pathlib import Path

from django.core.management.base import BaseCommand

from opora.voices.evaluation import HELD_OUT, evaluate

LABELS = ("positive", "neutral", "negative")


class Command(BaseCommand):
    help = "Measure sentiment accuracy on a labelled CSV (language,label,text)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(HELD_OUT))

    def handle(self, *args, path: str, **options):
        for score in evaluate(Path(path)):
            self.stdout.write(
                f"{score.language}: {score.correct}/{score.examples} correct, "
                f"accuracy {score.accuracy:.1%} (3 classes; chance ≈ 33%)"
            )
            for expected in LABELS:
                row = " ".join(f"{score.confusion.get((expected, got), 0):>4}" for got in LABELS)
                self.stdout.write(f"  {expected:>8} → pos/neu/neg {row}")
