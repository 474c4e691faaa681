"""Every Dash callback request is answered without a 500, for the core's and the modules' alike.

Anyone logged in can post /_dash-update-component with any body: values of the wrong type,
lists, nulls, huge strings, codes from another town, a body that names no callback. Dash
raises on a malformed body before any callback runs, and a callback may raise on a value it
did not expect. Either way the answer is a 400 with a sentence (dash-renderer then changes
nothing on the page) and one log line naming the callback and the viewer, without a trace.
PreventUpdate (204), HTTP errors such as 413, and a busy or lost database (503) keep their
own answers (app.http_errors).
"""

from __future__ import annotations

import logging

import dash
from dash.exceptions import PreventUpdate
from flask import g, request
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from app.http_errors import error_response, one_line

LOGGER = logging.getLogger(__name__)

PASSED_ON = (PreventUpdate, HTTPException, OperationalError, PoolTimeout)
REFUSED_ERROR = "the callback could not use the values it was sent"
REFUSED_MESSAGE = "请求内容无法处理，页面未作改动；请刷新页面后重试。"


def _callback_name() -> str:
    body = request.get_json(silent=True)
    name = body.get("output") if isinstance(body, dict) else None
    return name[:120] if isinstance(name, str) else "(no callback named)"


def _who() -> str:
    viewer = g.get("viewer")
    return getattr(viewer, "login", None) or "anonymous"


def install(app: dash.Dash) -> None:
    """Wrap the app's callback dispatch so that no request to it answers 500."""
    endpoint = app.config.routes_pathname_prefix + "_dash-update-component"
    dispatch = app.server.view_functions[endpoint]

    def guarded_dispatch(*args, **kwargs):
        try:
            return dispatch(*args, **kwargs)
        except PASSED_ON:
            raise
        except Exception as error:  # whatever a forged value provokes: never a 500
            LOGGER.warning(
                "callback %s refused a request from %s: %s",
                _callback_name(),
                _who(),
                one_line(error),
            )
            return error_response(400, REFUSED_ERROR, REFUSED_MESSAGE)

    guarded_dispatch.__name__ = getattr(dispatch, "__name__", "dispatch")
    app.server.view_functions[endpoint] = guarded_dispatch
