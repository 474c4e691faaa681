"""The hooks a module may implement (pluggy hookspecs), each with named arguments only.

A module implements those it needs, marked `@hookimpl`, and may take fewer arguments than a
hook offers (pluggy passes only those it names). docs/modules.md documents each one; a test
checks that every signature here appears there.
"""

from __future__ import annotations

import pluggy

from access.permissions import Permission
from modules.sdk.types import (
    CollectionSpec,
    LayerSpec,
    MeasureSpec,
    ModuleInfo,
    PageSpec,
    PanelSpec,
    Site,
    SituationItem,
    WorkerSpec,
)

PROJECT = "onemap"
ENTRY_POINT_GROUP = "onemap.modules"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec(firstresult=True)
def module_info() -> ModuleInfo:
    """Return this module's ModuleInfo (id and title)."""


@hookspec
def register_tables(metadata) -> None:
    """Add this module's tables to the shared SQLAlchemy metadata."""


@hookspec
def register_migrations() -> str | None:
    """Return the directory of this module's Alembic migration scripts."""


@hookspec
def register_permissions() -> list[Permission]:
    """Return the Permissions this module checks, each with the roles that hold it."""


@hookspec
def register_layers(viewer, moment, session, unit, core) -> list[LayerSpec]:
    """Return LayerSpec objects to draw for this viewer at this moment, inside `unit`."""


@hookspec
def register_collections(viewer, session, core) -> list[CollectionSpec]:
    """Return CollectionSpec objects: this module's layers as OGC API – Features collections
    the viewer may read (under /ogc/collections/), each paging its own features."""


@hookspec
def register_panels(viewer, session, core, unit) -> list[PanelSpec]:
    """Return PanelSpec objects for the map page's side panel: figures for `unit`, the map's
    focus (None for the viewer's whole scope), asked again whenever the focus changes."""


@hookspec
def register_pages(core) -> list[PageSpec]:
    """Return PageSpec objects: pages of the module's own, listed in the header."""


@hookspec
def register_sites(viewer, session, unit) -> list[Site]:
    """Return this module's sites that the viewer may see (inside `unit` when given)."""


@hookspec
def register_workers(core) -> list[WorkerSpec]:
    """Return WorkerSpec objects: background loops run by `onemap worker`."""


@hookspec
def register_commands(commands, core) -> None:
    """Add click commands to `onemap` (`commands` is its click.Group); a command returns its
    exit status and acts as the system (`core.viewer()`)."""


@hookspec
def register_measures(viewer) -> list[MeasureSpec]:
    """Return MeasureSpec objects the map can shade units by for this viewer."""


@hookspec
def register_callbacks(app, core) -> None:
    """Attach this module's Dash callbacks to the app (use app.callback)."""


@hookspec
def register_routes(blueprint, core) -> None:
    """Add HTTP routes to this module's Flask blueprint, served under /api/v1/<module id>/."""


@hookspec
def register_openapi() -> dict:
    """Return OpenAPI path items of this module's routes, keyed by path relative to
    /api/v1/<module id> (`{"/storms/{storm_id}/track": {"get": operation(...)}}`)."""


@hookspec
def register_signals(bus) -> None:
    """Subscribe to (and keep the bus to publish) core signals."""


@hookspec
def situation(viewer, session, event, moment, core) -> list[SituationItem]:
    """Return SituationItem objects: this module's part of a consultation's board for the
    SituationEvent `event` at `moment` (UTC; a replay's clock), as the viewer may see it."""


@hookspec
def seed_demo(session, viewer, core) -> None:
    """Fill this module's demo data on an empty database, as the system `viewer`."""
