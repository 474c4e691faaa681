"""The core's signal bus: how modules tell each other facts without importing each other.

In-process: a handler that raises is logged with its module's name and the others still run.
(Signals that must survive a restart or reach other worker processes are stored by the
module that publishes them; the bus only carries the news.)
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable

from modules.contract import Signal

LOGGER = logging.getLogger(__name__)


class SignalBus:
    def __init__(self) -> None:
        self._handlers: dict[str, list[tuple[str, Callable[[Signal], None]]]] = defaultdict(list)
        self.failures: list[tuple[str, str, str]] = []  # (module, signal, error)

    def subscribe(self, name: str, handler: Callable[[Signal], None], module: str = "?") -> None:
        self._handlers[name].append((module, handler))

    def publish(self, signal: Signal) -> int:
        """Deliver to every subscriber; returns how many handled it without error."""
        delivered = 0
        for module, handler in self._handlers.get(signal.name, []):
            try:
                handler(signal)
                delivered += 1
            except Exception as error:  # one module's bug must not stop the others
                LOGGER.exception("module %s failed on signal %s", module, signal.name)
                self.failures.append((module, signal.name, repr(error)))
        return delivered
