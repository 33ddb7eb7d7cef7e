#!/usr/bin/env python
"""EXPLAIN the queries behind the main pages and API lists, on the benchmark's scale-100 database.

Run `BENCH_POSTGRES=1 make bench` once (it builds `afrelations_bench_100` on PostgreSQL), then
`.venv/bin/python scripts/explain.py`. For every query of every target it prints the plan's
top line and flags sequential scans of the large tables (events, missions, periods,
citations, sources), which an index should have avoided.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "afrelations.settings.bench")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/afrelations_bench_100")

LARGE = ("relations_event", "relations_mission", "relations_relationperiod", "relations_citation", "relations_source")
TARGETS = (
    "/",
    "/countries/",
    "/countries/pakistan/",
    "/relations/?on=2000-01-01",
    "/missions/",
    "/events/",
    "/events/?page=150",
    "/sources/",
    "/search/?q=treaty",
    "/api/v1/events/",
    "/api/v1/events/?country=pakistan&date_after=1950-01-01",
    "/api/v1/missions/?direction=in_afghanistan&open_on=2000-01-01",
    "/api/v1/relations/?on=2000-01-01",
)


def main():
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        sys.exit("Point DATABASE_URL at PostgreSQL (the scale-100 benchmark database).")
    client = Client()
    flagged = 0
    for url in TARGETS:
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            status = client.get(url).status_code
        print(f"\n{url} ({status}, {len(queries)} queries)")
        for query in queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS OFF) {sql}")
                plan = [row[0] for row in cursor.fetchall()]
            seq = [line.strip() for line in plan if "Seq Scan on" in line and any(t in line for t in LARGE)]
            total = next((line for line in plan if line.startswith("Execution Time")), "")
            print(f"  {total:<28} {plan[0][:90]}")
            for line in seq:
                flagged += 1
                print(f"    ! {line[:110]}")
    print(f"\n{flagged} sequential scans of large tables.")


if __name__ == "__main__":
    main()
