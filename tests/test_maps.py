import json

import pytest

from relations import charts, maps
from relations.models import RelationStatus


def test_topojson_arcs_are_decoded_from_quantised_deltas():
    topology = {"transform": {"scale": [0.5, 2], "translate": [10, -5]}, "arcs": [[[0, 0], [2, 1], [1, -1]]]}
    assert maps.decode_arcs(topology) == [[(10, -5), (11, -3), (11.5, -5)]]


def test_a_ring_joins_arcs_and_reverses_negative_indexes():
    arcs = [[(0, 0), (1, 0)], [(1, 0), (1, 1)], [(0, 0), (1, 1)]]
    assert maps.ring_points([0, 1, ~2], arcs) == [(0, 0), (1, 0), (1, 1), (0, 0)]


def test_natural_earth_projection_centres_the_prime_meridian_and_the_equator():
    x, y = maps.natural_earth(0, 0)
    assert x == pytest.approx(maps.WIDTH / 2)
    west, _ = maps.natural_earth(-180, 0)
    east, _ = maps.natural_earth(180, 0)
    assert west == pytest.approx(0, abs=1) and east == pytest.approx(maps.WIDTH, abs=1)
    assert maps.natural_earth(0, 60)[1] < y < maps.natural_earth(0, -40)[1]


def test_world_shapes_are_built_from_the_world_atlas_package():
    shapes = maps.build_paths(json.loads(maps.ATLAS_FILE.read_text()))
    assert {"004", "643", "356", "586", "840"} <= set(shapes)  # Afghanistan, Russia, India, Pakistan, USA
    assert "010" not in shapes  # Antarctica is left out
    assert shapes["643"]["name"] == "Russia"
    assert shapes["004"]["d"].startswith("M") and shapes["004"]["d"].endswith("z")


def test_rings_across_the_antimeridian_are_not_drawn_across_the_world():
    shapes = maps.world_paths()
    # No single step of Russia's outline may span more than half the map.
    for step in shapes["643"]["d"].replace("z", " ").split("l")[1:]:
        dx = float(step.split()[0])
        assert abs(dx) < maps.WIDTH / 2


def counterparts():
    return [
        maps.Counterpart("356", "Indiana", RelationStatus.DIPLOMATIC),
        maps.Counterpart("586", "Pakistania", RelationStatus.SEVERED),
        maps.Counterpart("810", "Old Union", RelationStatus.INFORMAL, successors=("643", "804")),
        maps.Counterpart("", "An organisation", RelationStatus.DIPLOMATIC),
    ]


def test_map_colours_each_country_by_status_with_a_title_for_each_shape():
    svg = maps.render_map(counterparts(), title="Relations on a day", description="Described.")
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert '<title id="map-title">Relations on a day</title><desc id="map-desc">Described.</desc>' in svg
    assert '<path class="s-diplomatic" d="' in svg and "<title>Indiana: diplomatic relations</title>" in svg
    assert "<title>Pakistania: severed</title>" in svg
    assert '<path class="afghanistan"' in svg
    assert 'class="s-unknown"' in svg  # every other country


def test_former_states_are_drawn_over_their_successors_territory():
    svg = maps.render_map(counterparts(), title="t", description="d")
    former = svg.split('<path class="former s-informal" d="', 1)[1].split('"', 1)[0]
    shapes = maps.world_paths()
    assert former == shapes["643"]["d"] + shapes["804"]["d"]
    assert svg.index('class="former') > svg.index('class="s-diplomatic"')  # drawn on top
    assert "<title>Old Union: informal contact</title>" in svg


def test_map_escapes_names_and_titles():
    svg = maps.render_map(
        [maps.Counterpart("356", "<b>x</b>", RelationStatus.DIPLOMATIC)], title="<t>", description="&"
    )
    assert "<b>x</b>" not in svg and "&lt;b&gt;x&lt;/b&gt;" in svg and "&lt;t&gt;" in svg


def test_legend_counts_statuses_in_a_fixed_order():
    assert maps.legend(counterparts()) == [
        ("diplomatic", "diplomatic relations", 2),
        ("informal", "informal contact", 1),
        ("severed", "severed", 1),
    ]


def test_build_map_command_writes_the_shapes_file(tmp_path, monkeypatch):
    from django.core.management import call_command

    target = tmp_path / "world_paths.json"
    monkeypatch.setattr(maps, "DATA_FILE", target)
    call_command("build_map")
    assert json.loads(target.read_text())["004"]["name"] == "Afghanistan"
    maps.world_paths.cache_clear()


def test_year_series_counts_relations_in_force_at_the_end_of_each_year():
    # Periods 1920-01-01 – 1922-06-01 and from 1921-03-01 (open), as the database counts them by year.
    series = charts.year_series({1920: 1, 1921: 1}, {1922: 1}, {1921: 3}, 1919, 1923)
    assert series.relations == [0, 1, 2, 1, 1]
    assert series.events == [0, 0, 3, 0, 0]
    assert series.decades() == [("1919", 0, 0), ("1920–1923", 1, 3)]
    svg = str(charts.over_time(series, title="T", description="D"))
    assert '<title id="chart-title">T</title>' in svg and "<polyline" in svg and 'class="bar"' in svg


def test_the_committed_shapes_file_matches_the_world_atlas_package():
    """relations/data/world_paths.json serves deployments without Node; `manage.py build_map` refreshes it."""
    committed = json.loads(maps.DATA_FILE.read_text())
    assert committed == maps.build_paths(json.loads(maps.ATLAS_FILE.read_text()))


def test_without_any_map_data_the_map_is_empty_not_an_error(tmp_path, monkeypatch):
    monkeypatch.setattr(maps, "DATA_FILE", tmp_path / "missing.json")
    monkeypatch.setattr(maps, "ATLAS_FILE", tmp_path / "missing-too.json")
    maps.world_paths.cache_clear()
    maps._render_map.cache_clear()
    try:
        svg = maps.render_map(counterparts(), title="t", description="d")
        assert svg.startswith("<svg") and '<title id="map-title">t</title>' in svg and "<path" not in svg
    finally:
        maps.world_paths.cache_clear()
        maps._render_map.cache_clear()


def _timeline_bars_with_format_html(periods, today):
    """The bars of ``charts.status_timeline`` as they were written with ``format_html_join`` (every part
    escaped by Django): kept here as the oracle the faster f-strings must equal, byte for byte. (The
    frame around them, unchanged, is the function's own.)"""
    from django.utils.html import format_html_join

    periods = [p for p in periods if p.starts_on]
    start = periods[0].starts_on
    end = max(p.ends_on or today for p in periods)
    total = max((end - start).days, 1)
    width = 900
    return format_html_join(
        "",
        '<rect class="s-{}" x="{}" y="4" width="{}" height="28"><title>{}: {}</title></rect>',
        (
            (
                p.status,
                charts.r((p.starts_on - start).days / total * width),
                charts.r(max(((p.ends_on or today) - p.starts_on).days / total * width, 2)),
                p.get_status_display(),
                p.span_display,
            )
            for p in periods
        ),
    )


@pytest.mark.parametrize("language", ["en", "fa", "ps"])
def test_the_status_timeline_writes_what_format_html_wrote(language):
    """Every status, each precision, a period still open, a one-day period (the 2-pixel floor) and a
    period without a start (left off), in each language of the site."""
    import datetime

    from django.utils import translation

    from relations.dates import Precision
    from relations.models import RelationPeriod

    day = datetime.date
    periods = [RelationPeriod(status=RelationStatus.NONE, starts_on=None)]
    start = day(1747, 1, 1)
    for number, status in enumerate(RelationStatus.values * 3):
        precision = list(Precision)[number % 3]
        ends = start + datetime.timedelta(days=400 + 97 * number)
        periods.append(
            RelationPeriod(
                status=status,
                starts_on=start,
                starts_on_precision=precision,
                ends_on=ends,
                ends_on_precision=list(Precision)[(number + 1) % 3],
            )
        )
        start = ends
    periods.append(
        RelationPeriod(status=RelationStatus.INFORMAL, starts_on=start, ends_on=start + datetime.timedelta(1))
    )
    periods.append(RelationPeriod(status=RelationStatus.DIPLOMATIC, starts_on=start + datetime.timedelta(1)))
    today = day(2026, 11, 30)
    with translation.override(language):
        written = charts.status_timeline(periods, today)
        bars = _timeline_bars_with_format_html(periods, today)
        frame = written.split("</title>", 1)  # the chart's own title, then the bars, then the years
        assert frame[1].startswith(bars) and frame[1][len(bars) :].startswith('<text x="0" y="52">1747</text>')
        assert written.count("<rect ") == len(periods) - 1  # the period without a start is left off
        assert f"{translation.gettext('present')}</title></rect><text" in written  # the open period, last
    assert charts.status_timeline([], today) == ""
