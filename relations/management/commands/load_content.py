from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from relations.content import FixtureError, load
from relations.services import refresh_planner_statistics


class Command(BaseCommand):
    help = (
        "Load the record from fixtures/ (YAML) in dependency order, in one transaction. "
        "Re-running changes nothing; a broken fixture changes nothing and names the file and record."
    )

    def add_arguments(self, parser):
        parser.add_argument("--directory", default=str(settings.BASE_DIR / "fixtures"))

    def handle(self, *args, directory, **options):
        try:
            report = load(directory)
        except FixtureError as error:
            raise CommandError(f"Nothing was loaded. {error}") from error
        if report.changed:
            refresh_planner_statistics()
        for bucket in ("created", "updated"):
            for label, count in sorted(getattr(report, bucket).items()):
                self.stdout.write(f"{bucket} {count} {label}")
        total = sum(report.unchanged.values())
        if report.changed:
            self.stdout.write(self.style.SUCCESS(f"Content loaded ({total} records already up to date)."))
        else:
            self.stdout.write(self.style.SUCCESS(f"Content already up to date ({total} records); nothing changed."))
