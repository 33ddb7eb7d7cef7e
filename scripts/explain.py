#!/usr/bin/env python
"""EXPLAIN the queries behind the main pages and API lists, on the benchmark's scale-100 database.

Run `BENCH_POSTGRES=1 make bench` once (it builds `afrelations_bench_100` on PostgreSQL), then
`.venv/bin/python scripts/explain.py`. It first runs VACUUM ANALYZE, as autovacuum would have
in production (the load commands now VACUUM ANALYZE too; without a visibility map no count can
be an index-only scan). For every query of every target it prints the plan's top line and the
scans it makes (which index, or which table read in full), and flags sequential scans of the
large tables (events, missions, periods, citations, sources), which an index should have avoided.
"""

import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "afrelations.settings.bench")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/afrelations_bench_100")

LARGE = ("relations_event", "relations_mission", "relations_relationperiod", "relations_citation", "relations_source")
PER_PAGE = 50
TARGETS = (
    "/",
    "/eras/",
    "/eras/great-game/",
    "/eras/islamic-republic/",
    "/countries/",
    "/countries/pakistan/",
    "/relations/?on=2000-01-01",
    "/missions/",
    "/events/",
    "/events/?page=150",
    "/sources/",
    "/search/?q=treaty",
    "/search/?q=pakistan+embassy&type=missions",
    "/api/v1/eras/",
    "/api/v1/countries/",
    "/api/v1/relations/",
    "/api/v1/missions/",
    "/api/v1/events/",
    "/api/v1/sources/",
    "/api/v1/events/?country=pakistan&date_after=1950-01-01",
    "/api/v1/missions/?direction=in_afghanistan&open_on=2000-01-01",
    "/api/v1/relations/?on=2000-01-01",
)
# The middle page of these API lists, as the benchmark measures it (and as next reaches it).
DEEP = ("relations", "missions", "events", "sources")
SCAN = re.compile(r"((?:Seq Scan|Index Only Scan|Index Scan|Bitmap Index Scan)(?: using| on) \S+(?: on \S+)?)")


def main():
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        sys.exit("Point DATABASE_URL at PostgreSQL (the scale-100 benchmark database).")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    client = Client()
    deep = []
    for resource in DEEP:
        count = client.get(f"/api/v1/{resource}/?page_size=1").json()["count"]
        # The middle page, as in bench.py: the paginator counts later pages from the end.
        middle = max(1, round(count / PER_PAGE / 2))
        deep.append(f"/api/v1/{resource}/?page={middle}")
        # The same page as a client following next reaches it (an index seek where the order allows).
        following = client.get(f"/api/v1/{resource}/?page={max(1, middle - 1)}").json().get("next") or ""
        if "after=" in following:
            deep.append(following.removeprefix("http://testserver"))
    flagged = 0
    for url in (*TARGETS, *deep):
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
            total = next((line for line in plan if line.startswith("Execution Time")), "")
            scans = sorted({match.group(1) for line in plan for match in SCAN.finditer(line)})
            print(f"  {total:<28} {plan[0][:90]}")
            print(f"      {'; '.join(scans)[:150]}")
            for line in plan:
                if "Seq Scan on" in line and any(f"on {table} " in line for table in LARGE):
                    flagged += 1
                    print(f"    ! {line.strip()[:110]}")
    print(f"\n{flagged} sequential scans of large tables.")


if __name__ == "__main__":
    main()
