"""Checking what a callback was sent before using it: any value may be forged.

A callback of the core refuses values of the wrong kind with PreventUpdate (the page keeps
what it shows) before touching them; app.callback_guard backs this up for every callback.
"""

from __future__ import annotations

from typing import Any

from dash.exceptions import PreventUpdate

MAX_TEXT = 200  # no code, login, name or choice of ours is longer


def text(value: Any, limit: int = MAX_TEXT) -> bool:
    """A short string, or nothing."""
    return value is None or (isinstance(value, str) and len(value) <= limit)


def texts(value: Any, limit: int = 20) -> bool:
    """A short list of short strings, or nothing."""
    return value is None or (
        isinstance(value, list) and len(value) <= limit and all(text(v) and v for v in value)
    )


def require(*checks: bool) -> None:
    """Change nothing (PreventUpdate) unless every check holds."""
    if not all(checks):
        raise PreventUpdate
