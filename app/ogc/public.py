"""Which level collections an admin has opened to anonymous readers (outlines only).

Kept in the `meta` table, so every process of the app sees the same choice. Only the four
levels may be public: a module's collection always needs a viewer.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from layers.codes import LEVELS
from store.models import Meta

KEY = "ogc_public_levels"


def public_levels(session: Session) -> frozenset[str]:
    row = session.get(Meta, KEY)
    if row is None or not row.value:
        return frozenset()
    return frozenset(level for level in row.value.split(",") if level in LEVELS)


def set_public_levels(session: Session, levels: list[str]) -> tuple[str, ...]:
    """Store the public levels (ValueError naming an unknown one); the caller commits."""
    unknown = [level for level in levels if level not in LEVELS]
    if unknown:
        raise ValueError(unknown[0])
    chosen = tuple(level for level in LEVELS if level in levels)
    row = session.get(Meta, KEY)
    if row is None:
        session.add(Meta(key=KEY, value=",".join(chosen)))
    else:
        row.value = ",".join(chosen)
    return chosen
