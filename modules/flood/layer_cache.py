"""The flood map layers of one viewer and focus, reused for a few seconds.

A city leader's map carries ~1,000 key points whose live risk comes from the stations, the
exposure signals and the patrols (60-90 ms a render); fifty people on the map redo that on
every render and every live refresh. An answer is reused while the flood data is unchanged
(a one-row fingerprint query, plus the exposure signals in force) and for at most `TTL_S`
seconds, because live levels also move with the clock alone (rain windows, a signal's
validity, patrol deadlines). The key holds the viewer's role and scopes: an answer is never
handed to a viewer who sees other points or other phone numbers.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from modules.flood import live
from modules.flood.models import (
    FloodCampaign,
    FloodInspection,
    FloodKeyPoint,
    FloodReading,
    FloodStation,
)
from modules.sdk import Viewer

TTL_S = 10.0
MAX_ENTRIES = 128


def fingerprint(session: Session, core) -> tuple:
    """Changes whenever anything a flood layer shows changes. Readings and inspections are
    only ever added (never edited or deleted), so their newest id says it with one index
    lookup each; counting them would scan tables that grow all season, on every render."""
    row = session.execute(
        select(
            select(func.max(FloodReading.id)).scalar_subquery(),
            select(func.max(FloodInspection.id)).scalar_subquery(),
            select(func.max(FloodKeyPoint.id)).scalar_subquery(),
            # count(*), not count(id): SQLite counts rows from the smallest index then.
            select(func.count()).select_from(FloodKeyPoint).scalar_subquery(),
            select(func.max(FloodKeyPoint.updated_at)).scalar_subquery(),
            select(func.max(FloodCampaign.id)).scalar_subquery(),
            select(func.count(FloodCampaign.closed_at)).scalar_subquery(),
            select(func.count(FloodStation.id)).scalar_subquery(),
        )
    ).one()
    signals = live.exposures(session, core, datetime.now(UTC))
    digest = hashlib.sha256(
        repr(
            [(s.source, s.key, s.at, s.valid_from, s.valid_until, s.payload) for s in signals]
        ).encode()
    ).hexdigest()
    return (*row, digest)


class LayerCache:
    """A small LRU of layer answers, each valid for `ttl_s` seconds and one fingerprint."""

    def __init__(
        self,
        ttl_s: float = TTL_S,
        max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s, self.max_entries, self.clock = ttl_s, max_entries, clock
        self._entries: OrderedDict[tuple, tuple[float, tuple, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_make(
        self,
        kind: str,
        viewer: Viewer,
        unit: str | None,
        session: Session,
        core,
        make: Callable[[], object],
    ):
        # The database too: one process may serve several (tests, a bench beside the app).
        key = (str(session.get_bind().url), kind, viewer.role, viewer.scopes, unit)
        current = fingerprint(session, core)
        now = self.clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry and entry[1] == current and now - entry[0] < self.ttl_s:
                self._entries.move_to_end(key)
                return entry[2]
        value = make()
        with self._lock:
            self._entries[key] = (now, current, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


LAYERS = LayerCache()
