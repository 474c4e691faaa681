"""The module SDK: everything a module may use of the core, and nothing else.

A module imports `modules.sdk` and its own package only (tests/test_architecture.py checks
it); docs/modules.md documents every name here. Built-in modules are written on it exactly
as an outside package would be.
"""

from access.audit import record as record_audit
from access.permissions import ROLE_LABELS, ROLES, Permission
from access.scoped import children as unit_children
from access.scoped import layer as boundary_layer
from access.scoped import profile as unit_profile
from access.scoped import require_unit, unit_names, units
from access.viewer import Forbidden, NotFound, Viewer
from layers.assign import VillageIndex, assign_villages
from layers.codes import (
    LEVEL_LABELS,
    LEVELS,
    DivisionCode,
    InvalidCode,
    child_level,
    prefix_range,
    town_kind,
)
from layers.crs import CRS_NAMES, UnknownCRS, parse_crs, to_wgs84_arrays
from layers.uploads import (
    Unreadable,
    check_size,
    decode_text,
    formula_safe,
    formula_unquoted,
    load_json,
    read_file,
    text_encoding,
    upload_bytes,
)
from modules.sdk.context import current_core
from modules.sdk.exporting import csv_bytes, xlsx_bytes
from modules.sdk.graphs import SAFE_GRAPH_CONFIG
from modules.sdk.hooks import ENTRY_POINT_GROUP, PROJECT, hookimpl, hookspec
from modules.sdk.importing import Columns, FileRefused, RowError, Table, kind_of, read_rows
from modules.sdk.map_page import MAP_FOCUS, MAP_GRAPH, MAP_SELECTED
from modules.sdk.policies import SEE_PHONES, mask_phone, phone_as_seen, sees_phone
from modules.sdk.settings import (
    Setting,
    SettingsError,
    SettingValues,
    config_file,
    module_settings,
    var_dir,
)
from modules.sdk.situation import in_storm_time, iso_moment, narrowed_viewer
from modules.sdk.tables import add_tables
from modules.sdk.types import (
    EXPOSURE,
    INSTRUCTION,
    CollectionSpec,
    CoreServices,
    FeaturePage,
    FeatureQuery,
    LayerSpec,
    MeasureSpec,
    ModuleInfo,
    PageSpec,
    PanelSpec,
    Signal,
    SignalRefused,
    Site,
    SituationEvent,
    SituationItem,
    WorkerSpec,
    public,
)
from store.engine import dialect_name
from store.models import Base, UTCDateTime

__all__ = [
    # hooks and the values they return
    "ENTRY_POINT_GROUP",
    "PROJECT",
    "hookimpl",
    "hookspec",
    "ModuleInfo",
    "LayerSpec",
    "PanelSpec",
    "MeasureSpec",
    "PageSpec",
    "WorkerSpec",
    "Site",
    "Signal",
    "SignalRefused",
    "EXPOSURE",
    "INSTRUCTION",
    "SituationEvent",
    "SituationItem",
    "CollectionSpec",
    "FeatureQuery",
    "FeaturePage",
    "narrowed_viewer",
    "in_storm_time",
    "iso_moment",
    "CoreServices",
    "current_core",
    "public",
    # who is looking, and what they may do
    "Viewer",
    "Forbidden",
    "NotFound",
    "Permission",
    "ROLES",
    "ROLE_LABELS",
    # divisions as the viewer may see them
    "require_unit",
    "unit_profile",
    "unit_children",
    "units",
    "unit_names",
    "boundary_layer",
    # division codes, parsed once at the edge
    "DivisionCode",
    "InvalidCode",
    "LEVELS",
    "LEVEL_LABELS",
    "child_level",
    "town_kind",
    "prefix_range",
    # places: villages by point-in-polygon, coordinate systems
    "VillageIndex",
    "assign_villages",
    "CRS_NAMES",
    "UnknownCRS",
    "parse_crs",
    "to_wgs84_arrays",
    # storage and audit
    "Base",
    "UTCDateTime",
    "add_tables",
    "dialect_name",
    "record_audit",
    # shared policies: uploaded tables read one way, phones masked one way
    "Columns",
    "FileRefused",
    "RowError",
    "kind_of",
    "read_rows",
    "Table",
    "Unreadable",
    "check_size",
    "read_file",
    "decode_text",
    "text_encoding",
    "upload_bytes",
    "load_json",
    # downloads: every text cell safe from running as a formula
    "csv_bytes",
    "xlsx_bytes",
    "formula_safe",
    "formula_unquoted",
    "SEE_PHONES",
    "mask_phone",
    "sees_phone",
    "phone_as_seen",
    # settings
    "Setting",
    "SettingValues",
    "SettingsError",
    "module_settings",
    "config_file",
    "var_dir",
    # the map page's public component ids
    "MAP_FOCUS",
    "MAP_SELECTED",
    "MAP_GRAPH",
    "SAFE_GRAPH_CONFIG",
]
