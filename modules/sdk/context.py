"""The core's services for the request being served, for callbacks written as top-level
functions (wired to the app by the module's `register_callbacks`)."""

from __future__ import annotations

from flask import current_app

from modules.sdk.types import CoreServices


def current_core() -> CoreServices:
    """The CoreServices of the app serving this request (a Dash callback or a route runs in
    one): `current_core().viewer()` is who asks, `current_core().sessions()` a session."""
    return current_app.extensions["onemap"].core
