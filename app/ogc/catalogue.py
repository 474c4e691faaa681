"""The collections a request may read: the four levels and every module's, for its viewer.

A viewer reads the levels inside their scope and what each module's `register_collections`
hook answers for them; an anonymous request reads only the levels an admin made public.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from access.viewer import Viewer
from app.context import current
from app.ogc.levels import level_collections
from app.ogc.public import public_levels
from modules.sdk import CollectionSpec


def collections(session: Session, viewer: Viewer) -> dict[str, CollectionSpec]:
    """id -> spec, in the order they are listed."""
    if viewer.is_anonymous:
        public = public_levels(session)
        return {spec.id: spec for spec in level_collections(None, public.__contains__)}
    found = list(level_collections(viewer))
    context = current()
    found += context.modules.collect(
        "register_collections", CollectionSpec, viewer=viewer, session=session, core=context.core
    )
    listed: dict[str, CollectionSpec] = {}
    for spec in found:
        listed.setdefault(spec.id, spec)  # a module cannot take a level's id
    return listed


def anyone_may_read(session: Session) -> bool:
    """True when an admin made at least one level public."""
    return bool(public_levels(session))
