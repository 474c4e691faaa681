"""`onemap boundaries import`: real town or village polygons replace the generated ones.

The whole file is validated before anything is written, and a file with any bad feature
changes nothing: the report names each bad feature (1-based number and code) and why.

A good file is applied in one transaction:

1. each imported unit gets its polygon (repaired if invalid, clipped to its parent, snapped
   to the 1e-7 degree grid) and `geometry_source = "imported"`;
2. the generated siblings under each affected parent are regenerated with the build's
   deterministic `partition()` inside what the imported units leave of the parent;
3. for a town import, the generated villages of every town whose shape changed are
   regenerated inside it (imported villages are kept, clipped to their town);
4. the affected county is re-derived from one arrangement of its villages, as the build
   does, so its villages tile its towns and its towns tile it exactly (see `nesting.nest`);
5. the boundaries version in Meta is bumped, which invalidates the served GeoJSON caches.

Generated geometry is only ever regenerated (deterministically), never edited by hand.
Nothing is written until every geometry of the result has been computed and checked.

Bad input never raises: the report says what is wrong and what to do (English for the CLI
and logs, zh-CN for pages), naming the feature (number and code) and the field.

The steps, one module each: `files` (what the file is; size and zip limits before a byte is
parsed), `reading` with `geojson` (our own reader, structure checked member by member) or
`vector` (GDAL, for GeoPackages and shapefiles) and `coordinates`; `checks` (and `hints`);
`regenerate` (and `nesting`); `writing`, under `lock` (one import per database at a time).
`pipeline` runs them, `report` holds the outcome.
"""

from layers.importing.geometry import METRIC_CRS, METRIC_GRID_M
from layers.importing.hints import LIKELY_PROJECTED
from layers.importing.limits import (
    GAP_AREA_M2,
    GAP_WIDTH_M,
    IMPORT_LEVELS,
    LOCK_WAIT_SECONDS,
    MAX_FEATURES,
    MAX_FILE_BYTES,
    NEGLIGIBLE_M2,
    OUTSIDE_DISTANCE_MAX_M,
    OUTSIDE_SHARE_MAX,
    OVERLAP_SHARE_MAX,
    SLIVER_WIDTH_M,
    SNAP_DEG,
)
from layers.importing.lock import ImportBusy, import_lock
from layers.importing.pipeline import MAX_ATTEMPTS, import_boundaries
from layers.importing.reading import CODE_FIELDS, NAME_FIELDS, PARENT_FIELDS
from layers.importing.report import FeatureError, ImportReport

__all__ = [
    "CODE_FIELDS",
    "GAP_AREA_M2",
    "GAP_WIDTH_M",
    "IMPORT_LEVELS",
    "LIKELY_PROJECTED",
    "LOCK_WAIT_SECONDS",
    "MAX_FEATURES",
    "MAX_FILE_BYTES",
    "MAX_ATTEMPTS",
    "METRIC_CRS",
    "METRIC_GRID_M",
    "NAME_FIELDS",
    "NEGLIGIBLE_M2",
    "OUTSIDE_DISTANCE_MAX_M",
    "OUTSIDE_SHARE_MAX",
    "OVERLAP_SHARE_MAX",
    "PARENT_FIELDS",
    "SLIVER_WIDTH_M",
    "SNAP_DEG",
    "FeatureError",
    "ImportBusy",
    "ImportReport",
    "import_boundaries",
    "import_lock",
]
