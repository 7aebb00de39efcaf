"""opora import_assets FILE.csv — register customers' assets; all rows or none (docs/entitlements.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from opora.core.errors import InvalidInput
from opora.entitlements import services


class Command(BaseCommand):
    help = "Import assets (serial, product, customer_email, purchased_on[, plan, plan_starts_on]) from CSV."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--check", action="store_true", help="Only validate the file; import nothing."
        )

    def handle(self, *args, file: Path, check: bool, **options) -> None:
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error}") from error
        try:
            rows = services.parse_asset_csv(data)
            if check:
                self.stdout.write(f"{len(rows)} rows are valid; nothing imported (--check).")
                return
            result = services.import_assets(rows)
        except services.ImportRejected as rejected:
            for error in rejected.errors:
                self.stderr.write(f"row {error.row}, {error.column or '-'}: {error.message}")
            raise CommandError(rejected.message) from rejected
        except InvalidInput as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            f"Imported {result.rows} rows: {result.created} new, {result.updated} updated, "
            f"{result.unchanged} unchanged, {result.plans_added} paid plans added."
        )
