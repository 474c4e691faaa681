"""What an import accepts: the levels it replaces and the tolerances of its checks."""

from __future__ import annotations

IMPORT_LEVELS: tuple[str, ...] = ("town", "village")

# A feature may stick out of its parent by at most this share of its area and this far;
# within both it is clipped to the parent, beyond either it is rejected.
OUTSIDE_SHARE_MAX = 0.02
OUTSIDE_DISTANCE_MAX_M = 200.0
# Two imported siblings may overlap by at most this share of the smaller one.
OVERLAP_SHARE_MAX = 0.01
# Below this an area difference is rounding on the 1e-7 degree grid, not a change.
NEGLIGIBLE_M2 = 1.0
# Pieces of a parent left between imported units and the parent's edge that are this thin
# (or this small) are digitising gaps: they go to the imported unit they lie along instead
# of becoming detached shreds of a generated neighbour.
GAP_WIDTH_M = 10.0
GAP_AREA_M2 = 1000.0
# Vertices of an imported polygon this close to its parent's boundary (about 10 cm) are
# snapped onto it.
SNAP_DEG = 1e-6
# Differences thinner than this (as 2 * area / perimeter) are grid noise, not a moved edge.
SLIVER_WIDTH_M = 0.05

# Files larger than this are refused before a byte is read (a zipped shapefile: what it
# unpacks to, counted as it unpacks). Putian's 979 village polygons take about 2 MB; a
# surveyed file with dense vertices may be ten times that.
MAX_FILE_BYTES = 50 * 1024 * 1024
# How long an import waits for another one on the same database to finish before it is
# refused: a town import takes a few seconds, a whole county's villages under a minute.
LOCK_WAIT_SECONDS = 30.0
# Features one file may hold: Putian has 979 villages; a file with more is not a city's
# boundaries, and each feature costs memory and a line of the report.
MAX_FEATURES = 50_000
# GeoJSON objects ({...}) per feature allowed for before parsing (feature, properties,
# geometry, and room for nested attributes), so a file of millions of empty objects is
# refused before it is turned into millions of Python dicts.
OBJECTS_PER_FEATURE = 4
# Problems the printed report lists; the report keeps them all.
ERRORS_SHOWN = 100
