"""The CoreServices the core lends modules: viewer, sessions, every module's sites, signals."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from layers.viewer import Viewer, make_viewer
from modules import signals
from modules.contract import CoreServices, Site
from modules.registry import ModuleRegistry
from store.models import Division


def build_core(
    registry: ModuleRegistry, viewer: Callable[[], Viewer], sessions: Callable
) -> CoreServices:
    def sites(session, who: Viewer, unit: str | None = None) -> list[Site]:
        found = registry.collect("register_sites", Site, viewer=who, session=session, unit=unit)
        # Defence in depth: a module's bug must not hand out a site outside the scope.
        return [site for site in found if who.covers(site.village_code)]

    def publish(session, signal) -> int:
        return registry.bus.publish(signal, session)

    return CoreServices(
        viewer=viewer,
        sessions=sessions,
        sites=sites,
        publish=publish,
        signals=signals.in_force,
    )


def system_viewer(session) -> Viewer:
    """The viewer of command-line work: an administrator of every city in the database."""
    cities = session.scalars(select(Division.code).where(Division.level == "city")).all()
    return make_viewer(0, "system", "系统（命令行）", "admin", list(cities) or ["350300"])
