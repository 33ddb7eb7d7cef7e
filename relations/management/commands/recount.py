"""Check what the database keeps to spare scans (tallies: relations/tally.py; page anchors:
relations/anchors.py; the uncited claims: relations/uncited.py) against a fresh computation, and repair them."""

from django.core.management.base import BaseCommand, CommandError

from relations import anchors, tally, uncited


class Command(BaseCommand):
    help = (
        "Compare the tallies behind page counts and the era chart with a fresh count of the rows, the list of "
        "uncited claims with a fresh pass, and the page anchors of long lists with a fresh pass over them; "
        "--fix recomputes them (tallies and the uncited list are needed only if rows were written with the "
        "triggers disabled; anchors, after writes no save made)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="recount every tally and recompute the page anchors")
        parser.add_argument("--database", default="default")

    def handle(self, *args, fix=False, database="default", **options):
        wrong = tally.verify(database)
        for key, (tallied, counted) in sorted(wrong.items()):
            self.stdout.write(f"{key}: tallied {tallied}, counted {counted}")
        listed_cited, unlisted = uncited.verify(database)
        for model, pk in sorted(listed_cited):
            self.stdout.write(f"{model} #{pk}: listed as uncited, but cited")
        for model, pk in sorted(unlisted):
            self.stdout.write(f"{model} #{pk}: uncited, but not listed")
        wrong_uncited = len(listed_cited) + len(unlisted)
        outdated, misplaced = anchors.verify(database)
        for name in outdated:
            self.stdout.write(f"{name}: page anchors predate the last write (its pages are read by OFFSET meanwhile)")
        for name in misplaced:
            self.stdout.write(f"{name}: page anchors differ from a fresh pass over the list")
        if fix and (wrong or wrong_uncited or outdated or misplaced):
            tally.rebuild(database)
            uncited.rebuild(database)
            anchors.rebuild(using=database)
            outdated, misplaced = anchors.verify(database)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Recounted; {len(tally.verify(database))} tallies differ now, "
                    f"{sum(map(len, uncited.verify(database)))} claims are listed wrongly as uncited or not, "
                    f"{len(outdated) + len(misplaced)} lists' page anchors are not current."
                )
            )
            return
        if wrong or wrong_uncited or misplaced:
            raise CommandError(
                f"{len(wrong)} tallies differ from a fresh count, {wrong_uncited} claims are listed wrongly as "
                f"uncited or not, and {len(misplaced)} lists' page anchors differ from a fresh pass; run with --fix "
                "to recompute them."
            )
        self.stdout.write(
            self.style.SUCCESS(
                "Every tally matches a fresh count, the uncited claims are listed exactly; no page anchor is wrong."
            )
        )
        if outdated:
            self.stdout.write("Out-of-date anchors are never used; --fix recomputes them.")
