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
