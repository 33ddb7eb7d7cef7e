"""The world map: Natural Earth shapes, projected once, coloured by relation status.

Shapes come from the npm package ``world-atlas`` (Natural Earth 1:110m, TopoJSON
keyed by ISO 3166 numeric code). ``build_paths`` decodes the TopoJSON (arcs and
quantisation transform), projects it with the Natural Earth projection and turns
each country into one SVG path; ``manage.py build_map`` writes the result to
``relations/data/world_paths.json`` so production needs no Node packages. Pages
render the SVG server-side: no JavaScript, a ``<title>``/``<desc>``, a text legend.

Former states (Soviet Union, Yugoslavia, …) have no shape of their own: they are
drawn over their successors' territory, with their own status and name.
"""

import json
import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .models import RelationStatus

DATA_FILE = Path(__file__).resolve().parent / "data" / "world_paths.json"
ATLAS_FILE = Path(settings.BASE_DIR) / "node_modules" / "world-atlas" / "countries-110m.json"

WIDTH = 960
# Natural Earth projection of latitude ±90 spans about ±1.42 radians, of longitude ±180 about ±2.73.
SCALE = WIDTH / (2 * 2.7347)
AFGHANISTAN = "004"
ANTARCTICA = "010"

# Statuses in the order the legend lists them, and the CSS class of each.
STATUS_ORDER = (
    RelationStatus.DIPLOMATIC,
    RelationStatus.RECOGNITION,
    RelationStatus.INFORMAL,
    RelationStatus.SUSPENDED,
    RelationStatus.SEVERED,
    RelationStatus.NONE,
)


def natural_earth(longitude, latitude):
    """Project degrees with the Natural Earth I projection (Šavrič et al.), as d3-geo does."""
    lam, phi = math.radians(longitude), math.radians(latitude)
    phi2 = phi * phi
    phi4 = phi2 * phi2
    x = lam * (0.8707 - 0.131979 * phi2 + phi4 * (-0.013791 + phi4 * (0.003971 * phi2 - 0.001529 * phi4)))
    y = phi * (1.007226 + phi2 * (0.015085 + phi4 * (-0.044475 + 0.028874 * phi2 - 0.005916 * phi4)))
    return x * SCALE + WIDTH / 2, -y * SCALE + HEIGHT_HALF


HEIGHT_HALF = round(1.4224 * SCALE, 1)
# Antarctica is left out, so the map stops a little south of Cape Horn.
HEIGHT = round(natural_earth(0, -58)[1])


def decode_arcs(topology):
    """Absolute [longitude, latitude] points of every arc (TopoJSON delta-encodes quantised arcs)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring_points(ring, arcs):
    points = []
    for index in ring:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def ring_path(points):
    """One closed subpath in relative coordinates rounded to 0.1 px, dropping repeated points."""
    if any(abs(a[0] - b[0]) > 180 for a, b in zip(points, points[1:], strict=False)):
        # A ring across the antimeridian (Russia's Chukotka, Fiji): keep it in one
        # piece east of 180°; the little that falls off the map's edge is clipped.
        points = [(lon + 360 if lon < 0 else lon, lat) for lon, lat in points]
    projected = [natural_earth(lon, lat) for lon, lat in points]
    out = []
    last = None
    for x, y in projected:
        point = (round(x * 10), round(y * 10))
        if point == last:
            continue
        if last is None:
            out.append(f"M{point[0] / 10:g} {point[1] / 10:g}")
        else:
            out.append(f"l{(point[0] - last[0]) / 10:g} {(point[1] - last[1]) / 10:g}")
        last = point
    if len(out) < 3:
        return ""
    return "".join(out) + "z"


def build_paths(topology):
    """{iso numeric: {"name": ..., "d": svg path}} for every country in the topology."""
    arcs = decode_arcs(topology)
    shapes = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        name = geometry.get("properties", {}).get("name", "")
        # A few territories (Kosovo, Northern Cyprus, Somaliland) have no ISO numeric code.
        code = geometry.get("id") or f"x-{name}"
        if code == ANTARCTICA:
            continue
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        d = "".join(ring_path(ring_points(ring, arcs)) for polygon in polygons for ring in polygon)
        shapes[code] = {"name": name, "d": d}
    return shapes


@lru_cache(maxsize=1)
def world_paths():
    """The projected shapes: from the generated data file, else built from node_modules at first use."""
    if DATA_FILE.exists():
        return json.loads(DATA_FILE.read_text())
    return build_paths(json.loads(ATLAS_FILE.read_text()))


@dataclass(frozen=True)
class Counterpart:
    """What the map needs to know about one country: its code, name, status and successors' codes."""

    iso_numeric: str
    name: str
    status: str
    successors: tuple = ()


def status_label(status):
    return RelationStatus(status).label if status else _("no information")


def legend(counterparts):
    """[(status, label, count)] for the statuses shown, in a fixed order, for the text legend."""
    counts = Counter(c.status for c in counterparts if c.status)
    return [(status, RelationStatus(status).label, counts[status]) for status in STATUS_ORDER if counts[status]]


def render_map(counterparts, *, title, description, labelled_by=None):
    """The SVG markup of the world map for ``counterparts`` (Counterpart records).

    States with a shape are filled by their status; former states are drawn over
    their successors' shapes; Afghanistan is marked; the rest is grey.
    """
    return mark_safe(_render_map(tuple(counterparts), str(title), str(description), labelled_by or ""))  # noqa: S308


@lru_cache(maxsize=64)
def _render_map(counterparts, title, description, labelled_by):
    shapes = world_paths()
    by_code = {c.iso_numeric: c for c in counterparts if c.iso_numeric}
    layers = []
    for code, shape in shapes.items():
        if code == AFGHANISTAN:
            layers.append(
                format_html('<path class="afghanistan" d="{}"><title>{}</title></path>', shape["d"], _("Afghanistan"))
            )
            continue
        counterpart = by_code.get(code)
        status = counterpart.status if counterpart else ""
        name = counterpart.name if counterpart else shape["name"]
        layers.append(
            format_html(
                '<path class="s-{}" d="{}"><title>{}: {}</title></path>',
                status or "unknown",
                shape["d"],
                name,
                status_label(status),
            )
        )
    for former in counterparts:
        if not former.successors or not former.status:
            continue
        d = "".join(shapes[code]["d"] for code in former.successors if code in shapes)
        if d:
            layers.append(
                format_html(
                    '<path class="former s-{}" d="{}"><title>{}: {}</title></path>',
                    former.status,
                    d,
                    former.name,
                    status_label(former.status),
                )
            )
    described = f' aria-describedby="map-desc {escape(labelled_by)}"' if labelled_by else ' aria-describedby="map-desc"'
    return (
        f'<svg class="world-map" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="map-title"{described}'
        f' xmlns="http://www.w3.org/2000/svg">'
        f'<title id="map-title">{escape(title)}</title><desc id="map-desc">{escape(description)}</desc>'
        f'<rect class="sea" width="{WIDTH}" height="{HEIGHT}" rx="8"/>' + "".join(layers) + "</svg>"
    )
