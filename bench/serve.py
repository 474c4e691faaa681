"""Serve a WSGI app on a free port in a thread, and count what each response put on the wire.

Both our app and every baseline are served the same way (waitress, 4 threads), so neither gets
a faster server. Bytes are counted inside waitress, where the status line, the headers and the
body (gzip included, as sent) are handed to the socket: that sees every request, including
those a MapLibre Web Worker makes (URL-sourced map layers), which the page's Resource Timing
and the page's DevTools Network log do not show.
"""

from __future__ import annotations

import io
import json
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from waitress.channel import HTTPChannel
from waitress.server import create_server
from waitress.task import WSGITask

LOGGER = logging.getLogger(__name__)

MAP_DATA_PATHS = ("/_dash-layout", "/_dash-update-component")


@dataclass(frozen=True)
class Sent:
    """One response as it went out."""

    method: str
    path: str
    query: str
    status: str
    encoding: str  # Content-Encoding as sent ("" for none)
    bytes: int  # status line + headers + body, as written to the socket
    server_ms: float  # from the task starting to its last byte handed to the socket
    finished: float  # time.monotonic() when done
    output: str = ""  # a Dash callback's "output" (its outputs' ids), else ""

    @property
    def is_figure_data(self) -> bool:
        """The map's own data: the page layout, a callback whose outputs hold a map figure
        (our `map-figure`, a baseline's `graph`, or the page content carrying our first
        figure), and unit geometry; not the callbacks of the page's other parts (side-panel
        sections, lists), nor the offline basemap's land (`/map/basemap/`)."""
        if self.path.endswith("/_dash-update-component"):
            names = ("map-figure.", "graph.figure", "_pages_content.")
            return any(name in self.output for name in names)
        return self.is_map_data and not self.path.startswith("/map/basemap/")

    @property
    def is_basemap(self) -> bool:
        return self.path.startswith("/map/basemap/")

    @property
    def is_map_data(self) -> bool:
        """Figure JSON, GeoJSON, packed layers (app/topo.py) and vector tiles: what the map
        itself costs (not the JS bundles). A Dash app mounted under a prefix (B4) has its
        callbacks under it."""
        return self.path.endswith((*MAP_DATA_PATHS, ".geojson", ".topo", ".mvt"))


class WireLog:
    """The responses one server sent, oldest first; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sent: list[Sent] = []

    def add(self, sent: Sent) -> None:
        with self._lock:
            self._sent.append(sent)

    def clear(self) -> None:
        with self._lock:
            self._sent.clear()

    def take(self) -> list[Sent]:
        """Everything logged since the last take or clear."""
        with self._lock:
            taken, self._sent = self._sent, []
        return taken


def settle(log: WireLog, quiet_s: float = 0.4, timeout_s: float = 10.0) -> list[Sent]:
    """Wait until the server has sent nothing for `quiet_s`, then take the log."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with log._lock:
            last = log._sent[-1].finished if log._sent else 0.0
        if time.monotonic() - last >= quiet_s:
            break
        time.sleep(0.05)
    return log.take()


def take_when(log: WireLog, count: int = 1, timeout_s: float = 10.0) -> list[Sent]:
    """Wait until `count` responses are logged (a client can read the last byte a moment
    before the server thread logs it), then take the log."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with log._lock:
            if len(log._sent) >= count:
                break
        time.sleep(0.002)
    return log.take()


def _header(headers: list[tuple[str, str]], name: str) -> str:
    return next((value for key, value in headers if key.lower() == name.lower()), "")


def _make_channel(log: WireLog) -> type[HTTPChannel]:
    class CountingTask(WSGITask):
        def service(self) -> None:
            started = time.perf_counter()
            self.channel.bench_sent = 0
            try:
                super().service()
            finally:
                log.add(
                    Sent(
                        method=self.request.command or "",
                        path=self.request.path or "",
                        query=self.request.query or "",
                        status=self.status,
                        encoding=_header(self.response_headers, "Content-Encoding"),
                        bytes=self.channel.bench_sent,
                        server_ms=(time.perf_counter() - started) * 1000,
                        finished=time.monotonic(),
                        output=(getattr(self, "environ", None) or {}).get("bench.output", ""),
                    )
                )

    class CountingChannel(HTTPChannel):
        task_class = CountingTask
        bench_sent = 0

        def write_soon(self, data):  # type: ignore[no-untyped-def]
            written = super().write_soon(data)
            self.bench_sent += written
            return written

    return CountingChannel


def _naming_callbacks(wsgi_app):
    """`wsgi_app` noting each Dash callback request's "output" in the environ (for Sent)."""

    def app(environ, start_response):
        if environ.get("PATH_INFO", "").endswith("/_dash-update-component"):
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            try:
                environ["bench.output"] = str(json.loads(body).get("output", ""))
            except (ValueError, AttributeError):
                pass
        return wsgi_app(environ, start_response)

    return app


@contextmanager
def serve(wsgi_app, threads: int = 4) -> Iterator[tuple[str, WireLog]]:
    """Yield (base URL, wire log) of `wsgi_app` served on a free local port."""
    log = WireLog()
    server = create_server(_naming_callbacks(wsgi_app), host="127.0.0.1", port=0, threads=threads)
    server.channel_class = _make_channel(log)
    thread = threading.Thread(target=server.run, daemon=True, name="bench-waitress")
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}", log
    finally:
        server.close()
        # Kept-alive client connections would keep waitress's loop (and this thread) alive.
        for channel in list(server._map.values()):
            channel.close()
        thread.join(timeout=5)
