import json

from django.core.management.base import BaseCommand, CommandError

from relations import maps


class Command(BaseCommand):
    help = (
        "Project the Natural Earth shapes from node_modules/world-atlas once and write "
        "relations/data/world_paths.json, so the site draws its map without Node packages."
    )

    def handle(self, *args, **options):
        if not maps.ATLAS_FILE.exists():
            raise CommandError(f"{maps.ATLAS_FILE} is missing: run `npm ci` first.")
        shapes = maps.build_paths(json.loads(maps.ATLAS_FILE.read_text()))
        maps.DATA_FILE.parent.mkdir(parents=True, exist_ok=True)
        maps.DATA_FILE.write_text(json.dumps(shapes, sort_keys=True, separators=(",", ":")))
        maps.world_paths.cache_clear()
        self.stdout.write(f"Wrote {len(shapes)} shapes to {maps.DATA_FILE}")
