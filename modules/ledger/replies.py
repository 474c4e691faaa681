"""The small replies the ledger's pages and routes give: a refusal or a confirmation
under a form, the next refresh counter, text a control sent, a JSON error body."""

from __future__ import annotations

from dash import html
from flask import jsonify


def refused(text: str) -> html.P:
    """A refusal or a problem, shown under the form."""
    return html.P(text, className="notice-denied")


def done(text: str) -> html.P:
    """What was done, shown under the form."""
    return html.P(text, className="notice-ok")


def next_refresh(refresh: object) -> int:
    """The refresh counter after `refresh` (anything a browser forged counts as 0)."""
    return (refresh if isinstance(refresh, int) else 0) + 1


def text_of(value: object) -> str:
    """The text a control sent, or "" for anything that is not text."""
    return value if isinstance(value, str) else ""


def json_error(reason: str, reason_zh: str, status: int = 400):
    """An API error: the reason in English and Chinese, and the HTTP status."""
    body = {"error": reason, "error_zh": reason_zh, "message": reason_zh, "status": status}
    return jsonify(body), status
