"""Serve a OneMap app in a background thread for browser tests and benchmarks."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from waitress.server import create_server

from app.factory import create_app
from app.settings import load_settings


@contextmanager
def serving(database_url: str, on_app=None, **overrides) -> Iterator[str]:
    """Yield the base URL of an app on a free port; stop it afterwards.

    `on_app(app)` runs before serving (e.g. to create accounts).
    """
    settings = load_settings(
        overrides={
            "database_url": database_url,
            "secret_key": "test-secret",
            "demo": False,
            **overrides,
        },
        environ={},
        config_path=None,
    )
    app = create_app(settings)
    if on_app is not None:
        on_app(app)
    server = create_server(app.server, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        # Keep-alive connections would hold the loop open until the join times out.
        for channel in list(server._map.values()):
            channel.close()
        thread.join(timeout=5)
