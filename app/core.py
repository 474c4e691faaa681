"""The CoreServices the core lends modules: viewer, sessions, every module's sites, signals
and situation items."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from access.viewer import Viewer
from app import signals
from app.registry import ModuleRegistry
from modules.sdk import CoreServices, Site, SituationItem


def build_core(
    registry: ModuleRegistry, viewer: Callable[[], Viewer], sessions: Callable
) -> CoreServices:
    def sites(session, who: Viewer, unit: str | None = None) -> list[Site]:
        found = registry.collect("register_sites", Site, viewer=who, session=session, unit=unit)
        # Defence in depth: a module's bug must not hand out a site outside the scope.
        return [site for site in found if who.covers(site.village_code)]

    def publish(session, signal) -> int:
        return registry.bus.publish(signal, session)

    def situation(session, who: Viewer, event, moment) -> list[SituationItem]:
        found = registry.collect(
            "situation",
            SituationItem,
            viewer=who,
            session=session,
            event=event,
            moment=moment,
            core=core,
        )
        return [_in_scope(item, who) for item in found]

    core = CoreServices(
        viewer=viewer,
        sessions=sessions,
        sites=sites,
        publish=publish,
        signals=signals.in_force,
        situation=situation,
    )
    return core


def _in_scope(item: SituationItem, who: Viewer) -> SituationItem:
    """Defence in depth: rows and features naming a unit outside the viewer's scope go."""

    def inside(code) -> bool:
        return not code or who.covers(str(code))

    rows = tuple(row for row in item.rows if inside(row.get("unit")))
    features = tuple(
        feature
        for feature in item.features
        if inside((feature.get("properties") or {}).get("unit"))
    )
    if len(rows) == len(item.rows) and len(features) == len(item.features):
        return item
    return dataclasses.replace(item, rows=rows, features=features)
