"""Check the row counts the database keeps (relations/tally.py) against a fresh count, and repair them."""

from django.core.management.base import BaseCommand, CommandError

from relations import tally


class Command(BaseCommand):
    help = (
        "Compare the tallies behind page counts and the era chart with a fresh count of the rows; "
        "--fix recounts them (needed only if rows were written with the triggers disabled)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="recount every tally from the rows")
        parser.add_argument("--database", default="default")

    def handle(self, *args, fix=False, database="default", **options):
        wrong = tally.verify(database)
        for key, (tallied, counted) in sorted(wrong.items()):
            self.stdout.write(f"{key}: tallied {tallied}, counted {counted}")
        if not wrong:
            self.stdout.write(self.style.SUCCESS("Every tally matches a fresh count."))
            return
        if not fix:
            raise CommandError(f"{len(wrong)} tallies differ from a fresh count; run with --fix to recount them.")
        tally.rebuild(database)
        self.stdout.write(self.style.SUCCESS(f"Recounted; {len(tally.verify(database))} tallies differ now."))
