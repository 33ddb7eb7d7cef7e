#!/usr/bin/env python
"""`make csv-memory`: does the API's CSV export of every event stream in flat memory?

Builds two PostgreSQL databases, the real content plus about 10,000 and about 100,000
published events (each with two countries and two citations), serves each with gunicorn
(one worker, the benchmark's production settings), downloads
`/api/v1/events/?format=csv` through urllib in 64 KiB reads, and reads the worker's peak
resident memory (VmHWM in /proc) before and after. Flat memory means the peak at 100,000
events is about the peak at 10,000. Prints both, their ratio, and the download times.

Databases are kept between runs (`--rebuild` starts them again).
"""

import argparse
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
from bench import gunicorn  # noqa: E402

PYTHON = sys.executable
SIZES = (10_000, 100_000)
BATCH = 5_000
PATH = "/api/v1/events/?format=csv"


def database_url(size):
    return f"postgres://postgres@127.0.0.1:5432/afrelations_csv_{size}"


def environment(size):
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_DEBUG"}}
    env.update(DJANGO_SETTINGS_MODULE="afrelations.settings.bench", DATABASE_URL=database_url(size))
    return env


def exists(size):
    name = database_url(size).rsplit("/", 1)[1]
    found = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        capture_output=True,
        text=True,
        check=True,
    )
    return found.stdout.strip() == "1"


def prepare(size, rebuild):
    if exists(size) and not rebuild:
        return
    name = database_url(size).rsplit("/", 1)[1]
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    for args in (("migrate", "--noinput", "-v0"), ("load_content",)):
        subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=environment(size), check=True)
    subprocess.run([PYTHON, __file__, "--add-events", str(size)], cwd=ROOT, env=environment(size), check=True)


def add_events(total):
    """Bulk-insert published events until there are ``total``, with two countries and two citations each."""
    import datetime
    import random

    import django

    django.setup()
    from django.contrib.contenttypes.models import ContentType

    from relations.cache import bump_content_version
    from relations.models import Citation, Country, Event, Source
    from relations.services import refresh_planner_statistics

    rng = random.Random(1919)
    countries = list(Country.objects.filter(kind="state").values_list("pk", flat=True))
    sources = list(Source.objects.values_list("pk", flat=True))
    content_type = ContentType.objects.get_for_model(Event)
    through = Event.countries.through
    start = datetime.date(1830, 1, 1).toordinal()
    missing = total - Event.objects.count()
    for offset in range(0, missing, BATCH):
        events = Event.objects.bulk_create(
            Event(
                slug=f"csv-memory-event-{n}",
                title=f"Event {n} for the CSV memory measurement",
                date=datetime.date.fromordinal(start + rng.randrange(70_000)),
                kind="visit",
                summary="An event that exists to measure the CSV export. **Not** a fact.",
                publication="published",
            )
            for n in range(offset, min(offset + BATCH, missing))
        )
        through.objects.bulk_create(
            through(event_id=event.pk, country_id=country) for event in events for country in rng.sample(countries, 2)
        )
        Citation.objects.bulk_create(
            Citation(content_type=content_type, object_id=event.pk, source_id=source, locator="p. 1", order=order)
            for event in events
            for order, source in enumerate(rng.sample(sources, 2))
        )
    refresh_planner_statistics()
    bump_content_version()


def peak_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmHWM for process {pid}")


def worker_pid(master):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.2)
    sys.exit("gunicorn started no worker")


def measure(size):
    with gunicorn(environment(size), 1, "--timeout", "600") as (base, server):
        worker = worker_pid(server.pid)
        # Warm up: every module the export needs is imported before the baseline is read.
        urllib.request.urlopen(f"{base}/api/v1/events/?format=csv&kind=treaty", timeout=60).read()  # noqa: S310
        before = peak_kib(worker)
        started = time.perf_counter()
        lines = size_bytes = 0
        with urllib.request.urlopen(base + PATH, timeout=600) as response:  # noqa: S310 - loopback only
            while chunk := response.read(65536):
                size_bytes += len(chunk)
                lines += chunk.count(b"\n")
        seconds = time.perf_counter() - started
        return {"rows": lines - 1, "bytes": size_bytes, "seconds": seconds, "before": before, "peak": peak_kib(worker)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--add-events", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--rebuild", action="store_true", help="build the databases again")
    args = parser.parse_args()
    if args.add_events:
        return add_events(args.add_events)
    results = {}
    for size in SIZES:
        prepare(size, args.rebuild)
        results[size] = measure(size)
    print("| events | rows | MB sent | seconds | worker peak RSS before, MiB | after, MiB |")
    print("|---:|---:|---:|---:|---:|---:|")
    for size, row in results.items():
        print(
            f"| {size:,} | {row['rows']:,} | {row['bytes'] / 2**20:.1f} | {row['seconds']:.1f} "
            f"| {row['before'] / 1024:.1f} | {row['peak'] / 1024:.1f} |"
        )
    small, large = (results[size] for size in SIZES)
    print(f"\npeak RSS at {SIZES[1]:,} / at {SIZES[0]:,}: {large['peak'] / small['peak']:.2f}")


if __name__ == "__main__":
    main()
