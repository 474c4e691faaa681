"""The CoreServices the core lends modules: viewer, sessions, every module's sites, signals."""

from __future__ import annotations

from collections.abc import Callable

from access.viewer import Viewer
from app import signals
from app.registry import ModuleRegistry
from modules.sdk import CoreServices, Site


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
