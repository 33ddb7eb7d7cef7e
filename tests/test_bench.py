"""The benchmark's arithmetic: best and median of alternating rounds, as ratios to the trivial view."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import bench  # noqa: E402


def run(trivial, uncached, cached, queries=5):
    row = {"kind": "page", "label": "p", "url": "/p", "status": 200, "queries": queries}
    return {"rows": [{**row, "trivial": trivial, "uncached": uncached, "cached": cached}]}


def test_rounds_reduce_to_the_best_and_the_median_of_every_sample():
    rounds = [run([2.0, 1.0], [30.0, 50.0], [1.5, 9.0]), run([4.0, 3.0], [20.0, 90.0], [1.0, 3.0], queries=6)]
    result = bench.reduce_rounds(rounds)
    assert result["trivial_seconds"] == {"best": 1.0, "median": 2.5}
    row = result["rows"][0]
    assert row["queries"] == 6  # the larger count of the two rounds
    assert row["uncached"] == {"best": 20.0, "median": 40.0, "rounds_best": [30.0, 20.0]}
    assert row["uncached_ratio"] == 20.0 and row["uncached_median_ratio"] == 16.0
    assert row["cached_ratio"] == 1.0 and row["cached_median_ratio"] == 0.9


def test_a_target_that_failed_has_no_times():
    failed = {"rows": [{"kind": "page", "label": "p", "url": "/p", "status": 404, "queries": 3}]}
    row = bench.reduce_rounds([failed, failed])["rows"][0]
    assert "uncached" not in row and row["status"] == 404
