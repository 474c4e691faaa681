"""The core's signal bus: how modules tell each other facts without importing each other.

In-process delivery: a handler that raises is logged with its module's name and the others
still run. Published with a session, a signal is also stored (table `module_signals`), one
row per (name, source, key), so every worker process and later request can ask which signals
are in force (`in_force`); an empty payload withdraws the stored one.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from modules.sdk import Signal, SignalRefused
from store.models import StoredSignal

LOGGER = logging.getLogger(__name__)


class SignalBus:
    def __init__(self) -> None:
        # name -> (module, handler, whether the handler takes the publisher's session)
        self._handlers: dict[str, list[tuple[str, Callable, bool]]] = defaultdict(list)
        self.failures: list[tuple[str, str, str]] = []  # (module, signal, error)

    def subscribe(self, name: str, handler: Callable[..., None], module: str = "?") -> None:
        """`handler(signal)`, or `handler(signal, session=...)` when it names a `session`
        parameter: it then gets the publisher's session, so its writes join (and roll back
        with) the publisher's transaction."""
        takes_session = "session" in inspect.signature(handler).parameters
        self._handlers[name].append((module, handler, takes_session))

    def publish(self, signal: Signal, session: Session | None = None) -> int:
        """Store the signal (with a session) and deliver it to every subscriber; returns how
        many handled it without error. Storing joins the caller's transaction."""
        if session is not None:
            store(session, signal)
        delivered = 0
        for module, handler, takes_session in self._handlers.get(signal.name, []):
            try:
                if takes_session:
                    handler(signal, session=session)
                else:
                    handler(signal)
                delivered += 1
            except SignalRefused:
                raise  # a refusal is the publisher's to answer (its transaction rolls back)
            except Exception as error:  # one module's bug must not stop the others
                LOGGER.exception("module %s failed on signal %s", module, signal.name)
                self.failures.append((module, signal.name, repr(error)))
        return delivered


def store(session: Session, signal: Signal) -> None:
    """Replace the stored signal with the same (name, source, key); empty payload deletes."""
    session.execute(
        delete(StoredSignal).where(
            StoredSignal.name == signal.name,
            StoredSignal.source == signal.source,
            StoredSignal.key == signal.key,
        )
    )
    if signal.payload:
        session.add(
            StoredSignal(
                name=signal.name,
                source=signal.source,
                key=signal.key,
                payload=json.dumps(signal.payload, ensure_ascii=False, default=str),
                at=signal.at or datetime.now(UTC),
                valid_from=signal.valid_from,
                valid_until=signal.valid_until,
            )
        )
    session.flush()


def in_force(session: Session, name: str, at: datetime | None = None) -> list[Signal]:
    """Stored signals called `name` whose window holds `at` (default: now), newest first."""
    at = at or datetime.now(UTC)
    rows = session.scalars(
        select(StoredSignal)
        .where(
            StoredSignal.name == name,
            or_(StoredSignal.valid_from.is_(None), StoredSignal.valid_from <= at),
            or_(StoredSignal.valid_until.is_(None), StoredSignal.valid_until > at),
        )
        .order_by(StoredSignal.at.desc(), StoredSignal.id.desc())
    )
    return [
        Signal(
            name=row.name,
            source=row.source,
            payload=json.loads(row.payload),
            at=row.at,
            key=row.key,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
        )
        for row in rows
    ]
