"""Check what the database keeps to spare scans (tallies: relations/tally.py; page anchors:
relations/anchors.py) against a fresh computation, and repair them."""

from django.core.management.base import BaseCommand, CommandError

from relations import anchors, tally


class Command(BaseCommand):
    help = (
        "Compare the tallies behind page counts and the era chart with a fresh count of the rows, and the "
        "page anchors of long lists with a fresh pass over them; --fix recomputes both (tallies are needed "
        "only if rows were written with the triggers disabled; anchors, after writes no save made)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="recount every tally and recompute the page anchors")
        parser.add_argument("--database", default="default")

    def handle(self, *args, fix=False, database="default", **options):
        wrong = tally.verify(database)
        for key, (tallied, counted) in sorted(wrong.items()):
            self.stdout.write(f"{key}: tallied {tallied}, counted {counted}")
        outdated, misplaced = anchors.verify(database)
        for name in outdated:
            self.stdout.write(f"{name}: page anchors predate the last write (its pages are read by OFFSET meanwhile)")
        for name in misplaced:
            self.stdout.write(f"{name}: page anchors differ from a fresh pass over the list")
        if fix and (wrong or outdated or misplaced):
            tally.rebuild(database)
            anchors.rebuild(using=database)
            outdated, misplaced = anchors.verify(database)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Recounted; {len(tally.verify(database))} tallies differ now, "
                    f"{len(outdated) + len(misplaced)} lists' page anchors are not current."
                )
            )
            return
        if wrong or misplaced:
            raise CommandError(
                f"{len(wrong)} tallies differ from a fresh count and {len(misplaced)} lists' page anchors from a "
                "fresh pass; run with --fix to recompute them."
            )
        self.stdout.write(self.style.SUCCESS("Every tally matches a fresh count; no page anchor is wrong."))
        if outdated:
            self.stdout.write("Out-of-date anchors are never used; --fix recomputes them.")
