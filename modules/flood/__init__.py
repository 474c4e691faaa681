"""The flood module (防汛): key inspection points, risk markers, patrols, rain and water sensors.

It registers on the module SDK like any outside package (entry point `flood` in the
group `onemap.modules`): key points (重点部位) with live risk, patrol campaigns and
inspections (pages 我的巡查, 巡查任务), rain and water-level stations with a token-checked ingest
route, imports and exports, demo data and CLI commands. See docs/flood.md.
"""

from pathlib import Path

from modules.sdk import ModuleInfo, Permission, add_tables, hookimpl

MODULE_ID = "flood"


@hookimpl
def module_info() -> ModuleInfo:
    return ModuleInfo(MODULE_ID, "防汛", "重点部位、巡查、雨量与水位监测、风险标记")


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission("record", "登记巡查与重点部位", ("staff",)),
        Permission("campaign", "发起巡查任务", ("coordinator", "admin")),
    ]


@hookimpl
def register_tables(metadata) -> None:
    from modules.flood.models import TABLES

    add_tables(metadata, TABLES)


@hookimpl
def register_migrations() -> str:
    return str(Path(__file__).resolve().parent / "migrations")


@hookimpl
def register_layers(viewer, moment, session, unit, core) -> list:
    from modules.flood.layer_cache import LAYERS
    from modules.flood.layers import key_points_layer, stations_layer

    def layers():
        points = key_points_layer(session, viewer, unit, core)
        return [points, stations_layer(session, viewer, unit)]

    return list(LAYERS.get_or_make("map", viewer, unit, session, core, layers))


@hookimpl
def register_collections(viewer) -> list:
    from modules.flood.collections import collections

    return collections(viewer)


@hookimpl
def register_panels(viewer, session, core, unit) -> list:  # for the unit in focus
    from modules.flood.panel import key_points_panel

    return [key_points_panel(session, viewer, core, unit)]


@hookimpl
def register_measures(viewer) -> list:
    from modules.flood.measures import key_point_count, patrol_progress

    return [key_point_count(), patrol_progress()]


@hookimpl
def register_sites(viewer, session, unit) -> list:
    from modules.flood.sites import key_point_sites

    return key_point_sites(session, viewer, unit)


@hookimpl
def register_routes(blueprint, core) -> None:
    from modules.flood.routes import add_routes

    add_routes(blueprint, core)


@hookimpl
def register_openapi() -> dict:
    from modules.flood.openapi import paths

    return paths()


@hookimpl
def register_callbacks(app) -> None:
    from modules.flood.callbacks import register

    register(app)


@hookimpl
def register_pages(core) -> list:
    from modules.flood.pages import pages

    return pages(core)


@hookimpl
def register_commands(commands, core) -> None:
    from modules.flood.commands import add_commands

    add_commands(commands, core)


# Named apart from the hook: importing modules.flood.situation makes `situation` the
# submodule on this package, and a hook implementation of that name would be lost.
@hookimpl(specname="situation")
def situation_items(viewer, session, event, moment, core) -> list:
    from modules.flood.situation import items

    return items(viewer, session, event, moment, core)


@hookimpl
def seed_demo(session, viewer) -> None:
    from modules.flood.demo import seed

    seed(session, viewer)
