"""No zero-area spikes: no ring, shipped or served, runs out along a line and back (issue 20)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon, shape

from layers import codes
from layers.partition import spike_free_coverage
from layers.sources import BOUNDARIES_DIR

# An outline that turns back on itself: the interior angle at the tip is about 0 (the
# shipped spikes were 0.0004-0.002 degrees; no real corner of these units is under 1).
SPIKE_DEGREES = 0.5


def spike_tips(geom) -> list[tuple[float, float]]:
    """Vertices where a ring turns back on itself, angles measured on the ground."""
    tips = []
    for poly in shapely.get_parts(geom):
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)[:-1]
            if len(xy) < 3:
                continue
            scaled = xy * [math.cos(math.radians(float(xy[:, 1].mean()))), 1.0]
            back = np.roll(scaled, 1, axis=0) - scaled
            ahead = np.roll(scaled, -1, axis=0) - scaled
            norms = np.hypot(*back.T) * np.hypot(*ahead.T)
            cosine = (back * ahead).sum(axis=1) / np.where(norms > 0, norms, np.inf)
            angle = np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))
            tips.extend(tuple(xy[i]) for i in np.flatnonzero((norms > 0) & (angle < SPIKE_DEGREES)))
    return tips


@pytest.mark.parametrize("level", codes.LEVELS)
def test_no_shipped_ring_has_a_spike(level):
    data = json.loads((BOUNDARIES_DIR / f"{level}.geojson").read_text(encoding="utf-8"))
    spiky = {
        f["properties"]["code"]: tips
        for f in data["features"]
        if (tips := spike_tips(shape(f["geometry"])))
    }
    assert not spiky


def test_a_spike_is_folded_into_the_neighbour_and_the_units_still_tile():
    # Two squares side by side; the left one sends a 1 km spike, 1 cm wide, into the right.
    d = 0.01
    left = Polygon(
        [(0, 0), (d, 0), (d, 0.004), (d + 0.009, 0.0040001), (d, 0.0040002), (d, d), (0, d)]
    )
    right = shapely.difference(Polygon([(d, 0), (2 * d, 0), (2 * d, d), (d, d)]), left)
    assert spike_tips(left)
    cleaned = spike_free_coverage({"L": left, "R": right})
    assert not spike_tips(cleaned["L"]) and not spike_tips(cleaned["R"])
    assert cleaned["L"].equals(Polygon([(0, 0), (d, 0), (d, d), (0, d)]))
    assert shapely.union_all(list(cleaned.values())).equals(
        Polygon([(0, 0), (2 * d, 0), (2 * d, d), (0, d)])
    )
    assert shapely.intersection(cleaned["L"], cleaned["R"]).area == 0
