"""Running the modules' background loops (WorkerSpec) in threads until asked to stop."""

from __future__ import annotations

import logging
import threading

from app.registry import ModuleRegistry
from modules.sdk import WorkerSpec

LOGGER = logging.getLogger(__name__)


def start_workers(registry: ModuleRegistry, core, stop: threading.Event) -> list[threading.Thread]:
    """Start every module's worker in a daemon thread; a worker that raises is logged with
    its name and the others keep running."""
    threads = []
    for spec in registry.collect("register_workers", WorkerSpec, core=core):

        def loop(spec: WorkerSpec = spec) -> None:
            try:
                spec.run(stop)
            except Exception:
                LOGGER.exception("worker %s stopped on an error", spec.id)

        thread = threading.Thread(target=loop, name=f"worker-{spec.id}", daemon=True)
        thread.start()
        LOGGER.info("worker %s started", spec.id)
        threads.append(thread)
    return threads
