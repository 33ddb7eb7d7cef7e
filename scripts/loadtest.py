#!/usr/bin/env python
"""`make loadtest`: gunicorn as in production, 32 concurrent clients for 60 s on loopback.

A realistic mix of public pages and API calls (wrk with a Lua script cycling through
them) from a second process. Prints throughput and latency percentiles; fails unless
there were zero socket errors and zero non-2xx/3xx responses.
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import environment, gunicorn, manage, parse_wrk, prepare  # noqa: E402

SCALE = 1
MIX = [
    "/",
    "/eras/",
    "/countries/",
    "/countries/pakistan/",
    "/countries/united-states/",
    "/countries/russia/",
    "/relations/?on=1990-01-01",
    "/relations/?on=2024-01-01",
    "/missions/",
    "/events/",
    "/events/?page=2",
    "/sources/",
    "/search/?q=embassy",
    "/sitemap.xml",
    "/feeds/events/",
    "/api/v1/",
    "/api/v1/countries/",
    "/api/v1/events/?era=islamic-republic",
    "/api/v1/events/?country=pakistan",
    "/api/v1/relations/?on=2000-01-01",
    "/api/v1/missions/?direction=in_afghanistan",
    "/api/v1/sources/",
    "/healthz",
]
LUA = """
paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--clients", type=int, default=32)
    args = parser.parse_args()
    prepare(SCALE)
    manage(SCALE, "collectstatic", "--noinput", "-v0")
    with gunicorn(environment(SCALE), 2) as (base, _server):
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(LUA % ", ".join(f'"{path}"' for path in MIX))
        output = subprocess.run(
            ["wrk", "-t2", f"-c{args.clients}", f"-d{args.seconds}s", "--latency", "-s", script.name, base],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        os.unlink(script.name)
    result = parse_wrk(output)
    print(output)
    print(
        f"{args.clients} clients, {args.seconds} s, {len(MIX)} URLs: {result['requests']} requests, "
        f"{result['requests_per_second']:.0f} req/s, p50 {result.get('p50')} ms, p90 {result.get('p90')} ms, "
        f"p99 {result.get('p99')} ms, non-2xx/3xx {result['non_2xx_3xx']}, socket errors {result['socket_errors']}"
    )
    if result["non_2xx_3xx"] or result["socket_errors"]:
        sys.exit("FAILED: errors under load")


if __name__ == "__main__":
    main()
