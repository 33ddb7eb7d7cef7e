#!/usr/bin/env python
"""`make bench`: how the site's cost grows with the data, measured against a trivial view.

Part 1, in process: for every public page type, every API list (first and middle page;
for events and sources also the middle page as a client following next reaches it)
and the main admin changelists and dashboard, the number of queries and the time of uncached and
cached requests (best and median), each divided by the same figure of a trivial Django
view measured in the same process just before it. Run at scale 1 (the real content) and
scale 100 (the real content plus 99 times as much synthetic data), alternating the
scales over four rounds. Part 2: gunicorn (2 workers, production settings) driven
by wrk from a second process on loopback, for the trivial view, a cached page, an
uncached page and an API list. Prints a table, writes bench-results/bench.json.

Timing on a shared machine is noisy: only ratios measured in one run mean anything.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
RESULTS = ROOT / "bench-results"
SCALES = (1, 100)
REPEAT = 11


def database_url(scale):
    if os.environ.get("BENCH_POSTGRES"):
        return f"postgres://postgres@127.0.0.1:5432/afrelations_bench_{scale}"
    return f"sqlite:////tmp/afrelations-bench-{scale}.sqlite3"


def environment(scale):
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_DEBUG"}}
    env.update(DJANGO_SETTINGS_MODULE="afrelations.settings.bench", DATABASE_URL=database_url(scale))
    if os.environ.get("BENCH_REDIS_URL"):
        env["REDIS_URL"] = os.environ["BENCH_REDIS_URL"]
    return env


def manage(scale, *args):
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=environment(scale), check=True)


def prepare(scale):
    """A fresh database with the real content and, above scale 1, synthetic content."""
    url = database_url(scale)
    if url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        name = url.rsplit("/", 1)[1]
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=True)
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    manage(scale, "migrate", "--noinput", "-v0")
    manage(scale, "load_content")
    if scale > 1:
        manage(scale, "seed_synthetic", "--scale", str(scale - 1))


# ---------------------------------------------------------------- part 1, in process


def worker(scale):
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from relations.models import Country, Era, Event, Mission, Source
    from relations.views import EventListView, MissionListView, SourceListView, today

    def slug_of(queryset):
        obj = queryset.published().order_by("pk").first()
        return obj.slug if obj else "missing"

    anonymous = Client()
    admin = Client()
    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    admin.force_login(user)

    # The middle page: the paginator counts a page in the second half from the end
    # (relations/paginator.py), so the page in the middle skips the most rows of any.
    def middle_page(count, per_page):
        return max(1, round(count / per_page / 2))

    published_missions = (
        Mission.objects.published().filter(country__in=Country.objects.published().values("pk")).count()
    )
    middle_missions = middle_page(published_missions, MissionListView.paginate_by)
    middle_events = middle_page(Event.objects.published().count(), EventListView.paginate_by)
    middle_sources = middle_page(Source.objects.published().count(), SourceListView.paginate_by)

    def api_middle(url, per_page):
        return middle_page(anonymous.get(f"/api/v1/{url}/?page_size=1").json().get("count", 0), per_page)

    current = Era.objects.published().containing(today()).first()  # the site's today (Kabul), as the home page's
    todays_era = current.slug if current else slug_of(Era.objects)
    country = "pakistan" if Country.objects.published().filter(slug="pakistan").exists() else slug_of(Country.objects)
    targets = [
        # The performance issue's yardstick ("a 200-row Django template page measures about 68x").
        ("page", "yardstick: 200-row template page", "/bench/rows"),
        ("page", "home", "/"),
        ("page", "era list", "/eras/"),
        ("page", "era detail", f"/eras/{slug_of(Era.objects)}/"),
        # Today's era, where the home page sends readers: every counterpart has a period in it.
        ("page", "era detail, today's era", f"/eras/{todays_era}/"),
        ("page", "country list", "/countries/"),
        ("page", "country detail", f"/countries/{country}/"),
        ("page", "relations on a date", "/relations/?on=2000-01-01"),
        ("page", "organisations", "/organisations/"),
        ("page", "missions", "/missions/"),
        ("page", "missions, middle page", f"/missions/?page={middle_missions}"),
        ("page", "events", "/events/"),
        ("page", "events, middle page", f"/events/?page={middle_events}"),
        ("page", "event detail", f"/events/{slug_of(Event.objects)}/"),
        ("page", "sources", "/sources/"),
        ("page", "sources, middle page", f"/sources/?page={middle_sources}"),
        ("page", "source detail", f"/sources/{slug_of(Source.objects)}/"),
        ("page", "search", "/search/?q=treaty"),
        ("page", "sitemap", "/sitemap.xml"),
        ("page", "events feed", "/feeds/events/"),
    ]

    def api_continued(url, number):
        """Page ``number`` as a client walking the list reaches it: the next link of the page before."""
        following = anonymous.get(f"/api/v1/{url}/?page={max(1, number - 1)}").json().get("next") or ""
        return following.removeprefix("http://testserver")

    for resource in ("eras", "countries", "relations", "missions", "heads-of-mission", "events", "sources"):
        middle = api_middle(resource, 50)
        targets.append(("api", f"api {resource}", f"/api/v1/{resource}/"))
        targets.append(("api", f"api {resource}, middle page", f"/api/v1/{resource}/?page={middle}"))
        if resource in {"events", "sources"}:  # long at both scales, and in an order a next link continues
            targets.append(("api", f"api {resource}, middle page by next", api_continued(resource, middle)))
    for model in ("event", "mission", "country", "relationperiod", "source"):
        targets.append(("admin", f"admin {model} list", f"/admin/relations/{model}/"))
    # Where every editor lands: the dashboard of drafts, uncited claims and recent changes.
    targets.append(("admin", "admin dashboard", "/admin/"))

    def timed(client, url, clear):
        if clear:
            cache.clear()
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
        return response.status_code, elapsed

    def samples(client, url, clear):
        timed(client, url, clear)
        return [timed(client, url, clear)[1] for _ in range(REPEAT)]

    # One request first for each client, so that per-process lookups made once (content types, Django's
    # check that SQLite reads JSON, the dashboard's compiled parts) count for no target.
    anonymous.get("/")
    admin.get("/admin/")
    rows = []
    for kind, label, url in targets:
        client = admin if kind == "admin" else anonymous
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            status, _ = timed(client, url, True)
        row = {"kind": kind, "label": label, "url": url, "status": status, "queries": len(queries)}
        if status == 200:
            # The trivial view just before each target, so that both see the same moment of the machine.
            row["trivial"] = samples(anonymous, "/bench/trivial", False)
            row["uncached"] = samples(client, url, True)
            row["cached"] = samples(client, url, False)
        rows.append(row)
    print(json.dumps({"scale": scale, "rows": rows}))


def reduce_rounds(rounds):
    """One scale's rounds (each a worker's samples) as times and ratios to the trivial view.

    ``best`` is the fastest of all samples: on a shared machine, noise (other tenants, the
    scheduler) only ever adds time, so the minimum is the most repeatable estimate of what a
    request costs. ``median`` is reported beside it. Ratios divide by the trivial view's figure
    of the same kind, over the same rounds.
    """
    rows = []
    trivial = [t for run in rounds for row in run["rows"] for t in row.get("trivial", ())]
    if not trivial:  # every target failed: report the statuses and query counts only
        reference = {"best": None, "median": None}
    else:
        reference = {"best": min(trivial), "median": statistics.median(trivial)}
    for per_round in zip(*(run["rows"] for run in rounds), strict=True):
        first = per_round[0]
        row = {key: first[key] for key in ("kind", "label", "url", "status", "queries")}
        row["queries"] = max(r["queries"] for r in per_round)
        for key in ("uncached", "cached"):
            values = [t for r in per_round for t in r.get(key, ())]
            if values and reference["best"]:
                # Each round's best as well: an entry slow in every round is a cost, slow in one a spell.
                rounds_best = [min(r[key]) for r in per_round if r.get(key)]
                row[key] = {"best": min(values), "median": statistics.median(values), "rounds_best": rounds_best}
                row[f"{key}_ratio"] = round(min(values) / reference["best"], 2)
                row[f"{key}_median_ratio"] = round(statistics.median(values) / reference["median"], 2)
        rows.append(row)
    return {"trivial_seconds": reference, "rows": rows}


def in_process(scale):
    result = subprocess.run(
        [PYTHON, __file__, "--worker", str(scale)], cwd=ROOT, env=environment(scale), capture_output=True, text=True
    )
    if result.returncode:
        sys.exit(f"benchmark worker failed at scale {scale}:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- part 2, gunicorn + wrk


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback only
                return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"{url} did not answer")


def parse_wrk(output):
    def seconds(text):
        value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
        return float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1}[unit]

    percentiles = {f"p{p}": seconds(v) * 1000 for p, v in re.findall(r"^\s+(\d+)%\s+(\S+)$", output, re.M)}
    throughput = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "requests_per_second": throughput,
        "requests": total,
        "non_2xx_3xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(map(int, errors.groups())) if errors else 0,
        **{key: round(value, 2) for key, value in percentiles.items()},
    }


@contextmanager
def gunicorn(env, workers, *extra):
    """gunicorn serving afrelations with ``env`` on a free loopback port: yields (base URL, server)."""
    port = free_port()
    server = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "afrelations.wsgi", "--workers", str(workers), *extra]
        + ["--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz")
        yield base, server
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def under_gunicorn(scale, seconds):
    with gunicorn(environment(scale), 2) as (base, _server):
        targets = [
            ("trivial view", "/bench/trivial", []),
            ("cached page (/countries/)", "/countries/", []),
            ("uncached page (/countries/, fresh render)", "/countries/", ["-H", "Cookie: sessionid=bench"]),
            ("API list (/api/v1/events/)", "/api/v1/events/", []),
        ]
        results = []
        for label, path, extra in targets:
            for _ in range(2):  # warm both workers' caches
                urllib.request.urlopen(base + path, timeout=10).read()  # noqa: S310
            output = subprocess.run(
                ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", *extra, base + path],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            results.append({"label": label, "path": path, **parse_wrk(output)})
        reference = results[0]["requests_per_second"]
        for row in results:
            row["throughput_ratio"] = round(row["requests_per_second"] / reference, 2)
        return results


# ---------------------------------------------------------------- report


def table(per_scale):
    first, last = per_scale[SCALES[0]], per_scale[SCALES[-1]]
    lines = [
        f"| target | queries ×{SCALES[0]} | queries ×{SCALES[-1]} | uncached ×{SCALES[0]} | uncached ×{SCALES[-1]} "
        f"| cached ×{SCALES[-1]} | time ×{SCALES[-1]} / ×{SCALES[0]} |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for a, b in zip(first["rows"], last["rows"], strict=True):
        # Ratios to the trivial view, so that the machine's speed on each run cancels out.
        growth = round(b["uncached_ratio"] / a["uncached_ratio"], 2) if "uncached" in a and "uncached" in b else "—"
        lines.append(
            f"| {a['label']} | {a['queries']} | {b['queries']} | {a.get('uncached_ratio', a['status'])} "
            f"| {b.get('uncached_ratio', b['status'])} | {b.get('cached_ratio', '—')} | {growth} |"
        )
    return "\n".join(lines)


def gunicorn_table(rows):
    lines = [
        "| target | req/s | × trivial | p50 ms | p90 ms | p99 ms | non-2xx/3xx |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['label']} | {row['requests_per_second']:.0f} | {row['throughput_ratio']} | {row.get('p50', '')} "
            f"| {row.get('p90', '')} | {row.get('p99', '')} | {row['non_2xx_3xx']} |"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=int, default=8, help="wrk duration per target")
    parser.add_argument("--skip-prepare", action="store_true", help="reuse the databases of the last run")
    parser.add_argument("--rounds", type=int, default=4, help="in-process rounds per scale, alternating scales")
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker)
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: run `make bench` (it installs it) or apt-get install wrk")
    if not args.skip_prepare:
        for scale in SCALES:
            prepare(scale)
    # Every run, not only a prepared one: the static root is in /tmp, which a new machine starts without.
    manage(SCALES[-1], "collectstatic", "--noinput", "-v0")
    rounds = {scale: [] for scale in SCALES}
    for _ in range(args.rounds):  # alternate the scales, so that a slow spell of the machine hits both
        for scale in SCALES:
            rounds[scale].append(in_process(scale))
    per_scale = {scale: reduce_rounds(rounds[scale]) for scale in SCALES}
    print(
        f"\nIn process, best of {REPEAT * args.rounds} requests each, as multiples of the trivial view's best "
        "(medians are in the JSON):\n"
    )
    print(table(per_scale))
    served = under_gunicorn(SCALES[-1], args.seconds)
    print(f"\ngunicorn, 2 workers, production settings, scale {SCALES[-1]}, wrk -t2 -c16 on loopback:\n")
    print(gunicorn_table(served))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench.json").write_text(json.dumps({"in_process": per_scale, "gunicorn": served}, indent=2))
    print(f"\nwritten to {(RESULTS / 'bench.json').relative_to(ROOT)}")


if __name__ == "__main__":
    main()
