"""The outbox worker (WorkerSpec "alerts-outbox"): claims due deliveries, sends them through
the provider (rate-limited, a few in flight at once), records every attempt, and runs the
escalation check. Any number run at once on PostgreSQL; one on SQLite."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.exc import OperationalError

from modules.alerts.escalation import escalate_due
from modules.alerts.outbox import Outcome, Outgoing, claim, record
from modules.alerts.providers import FileProvider, Provider, RateLimiter, make_provider
from modules.alerts.settings import AlertsSettings, load
from modules.sdk import CoreServices, Viewer

LOGGER = logging.getLogger(__name__)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 100000}"


class OutboxWorker:
    def __init__(
        self,
        sessions,
        settings: AlertsSettings,
        system: Callable[[], Viewer],
        provider: Provider | None = None,
    ):
        self.sessions = sessions
        self.system = system  # the viewer escalations act as
        self.settings = settings
        self.provider = provider or make_provider(settings)
        # A drill kept off the gateway goes to the file provider (the same file as `file`).
        self.drill_provider = (
            self.provider
            if isinstance(self.provider, FileProvider)
            else FileProvider(settings.file)
        )
        self.limiter = RateLimiter(settings.rate)
        self.name = worker_name()

    def _send(self, outgoing: Outgoing) -> Outcome:
        provider = self.drill_provider if outgoing.file_only else self.provider
        self.limiter.wait()
        try:
            return provider.send(outgoing)
        except Exception as error:  # a provider bug must not stop the loop
            LOGGER.exception("provider %s failed on delivery %s", provider.name, outgoing.id)
            return Outcome("retry", error=f"{type(error).__name__}: {error}"[:200])

    def once(self, pool: ThreadPoolExecutor) -> int:
        """One batch: claim, send, record. Returns how many deliveries it handled."""
        s = self.settings
        with self.sessions() as session:
            batch = claim(session, s.batch, s.lease)
        if not batch:
            return 0
        outcomes = list(pool.map(self._send, batch))
        with self.sessions() as session:
            record(
                session,
                list(zip(batch, outcomes, strict=True)),
                max_attempts=s.max_attempts,
                base=s.backoff_base,
                cap=s.backoff_cap,
                worker=self.name,
            )
        return len(batch)

    def escalate(self) -> int:
        with self.sessions() as session:
            return escalate_due(session, self.settings, self.system())

    def run(self, stop: threading.Event) -> None:
        LOGGER.info("alerts outbox worker %s: provider %s", self.name, self.provider.name)
        with ThreadPoolExecutor(self.settings.threads, thread_name_prefix="alerts-send") as pool:
            while not stop.is_set():
                try:
                    handled = self.once(pool)
                    self.escalate()
                except OperationalError as error:  # a locked SQLite file, a PostgreSQL restart
                    LOGGER.warning("alerts worker: database busy, retrying: %s", error)
                    handled = 0
                if not handled:
                    stop.wait(self.settings.poll)


def worker_run(core: CoreServices):
    def run(stop: threading.Event) -> None:
        OutboxWorker(core.sessions, load(), core.viewer).run(stop)

    return run
