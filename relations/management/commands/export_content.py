from django.core.management.base import BaseCommand

from relations.content import export


class Command(BaseCommand):
    help = (
        "Write the whole record (drafts included) in the fixtures format to a directory. "
        "`load_content --directory DIR` on an empty database reproduces it."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="Where to write the YAML files (created if missing).")

    def handle(self, *args, directory, **options):
        for name, count in export(directory).items():
            self.stdout.write(f"{name}: {count} records")
        self.stdout.write(self.style.SUCCESS(f"Record exported to {directory}."))
