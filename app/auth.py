"""Login, logout, password change, CSRF, and the viewer of each request.

The viewer comes from the server-side login session (Flask-Login keeps only its random id in
the signed cookie) or from an `Authorization: Bearer` API token. Nothing else sets scope.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from html import escape
from urllib.parse import urlparse

from flask import Flask, Response, current_app, g, redirect, request, session
from flask_login import LoginManager, UserMixin, login_user, logout_user
from sqlalchemy.exc import OperationalError

from access import audit
from access.viewer import ANONYMOUS, Viewer
from app import accounts, login_throttle
from app.context import current
from app.html_page import page
from app.http_errors import error_response
from store.engine import retrying_locked, writing
from store.transactions import write_transaction

LOGGER = logging.getLogger(__name__)

CSRF_COOKIE = "_csrf_token"  # dash-renderer sends this cookie back as the X-CSRFToken header
CSRF_HEADER = "X-CSRFToken"
PUBLIC_PREFIXES = ("/login", "/assets/", "/_dash-component-suites/", "/_favicon", "/healthz")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

LOGIN_MESSAGES = {
    "bad-credentials": "用户名或密码错误。",
    "wait": "尝试次数过多，请 {seconds} 秒后再试。",
    "locked": "账号已被临时锁定，请 {minutes} 分钟后再试或联系管理员。",
    "disabled": "账号已停用，请联系管理员。",
}


class SessionUser(UserMixin):
    """What Flask-Login keeps: the login session id, and the viewer it resolves to."""

    def __init__(self, session_id: str, viewer: Viewer) -> None:
        self.session_id = session_id
        self.viewer = viewer

    def get_id(self) -> str:
        return self.session_id


def client_address() -> str | None:
    return request.remote_addr


def current_viewer() -> Viewer:
    """The viewer of this request (anonymous when nobody is logged in)."""
    if "viewer" not in g:
        g.viewer = _resolve_viewer()
    return g.viewer


def _viewer_of(db, user) -> Viewer:
    """The viewer a user is in this app: the permissions its modules declared."""
    return accounts.viewer_for(db, user, current().modules.grants)


def _resolve_viewer() -> Viewer:
    header = request.headers.get("Authorization", "")
    if bearer():
        token = header[len("Bearer ") :].strip()
        with current().sessions() as db, db.begin():
            user, stale = accounts.user_for_token(db, token)
            viewer = _viewer_of(db, user) if user else ANONYMOUS
        if stale:
            _stamp_token_use(token)
        return viewer
    from flask_login import current_user

    if current_user.is_authenticated:
        return current_user.viewer
    return ANONYMOUS


def bearer() -> bool:
    """The request names its user by an API token, not by a cookie session."""
    return request.headers.get("Authorization", "").startswith("Bearer ")


def _stamp_token_use(token: str) -> None:
    """Best effort: a busy database must not refuse the read the token was shown for."""
    try:
        write_transaction(current().sessions, lambda db: accounts.stamp_token_use(db, token))
    except OperationalError as error:
        LOGGER.warning("token use not stamped (database busy): %s", type(error).__name__)


def csrf_token() -> str:
    """The session's CSRF token, made on first use (none for a Bearer call: no cookie there
    to protect, and minting one would start a cookie session)."""
    if bearer():
        return ""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def _csrf_ok() -> bool:
    expected = session.get("csrf")
    given = request.headers.get(CSRF_HEADER) or request.form.get("csrf_token")
    return bool(expected and given and hmac.compare_digest(expected, given))


def _safe_next(target: str | None) -> str:
    """Only a local path: never redirect to another site after login."""
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _login_form(message: str = "", login: str = "", next_path: str = "/", status: int = 200):
    alert = f'<p class="auth-error" role="alert">{escape(message)}</p>' if message else ""
    return page(
        "登录",
        f"""<h2>登录</h2>{alert}
<form method="post" action="/login">
<input type="hidden" name="csrf_token" value="{escape(csrf_token())}">
<input type="hidden" name="next" value="{escape(next_path)}">
<label>用户名<input name="login" id="login" autocomplete="username" required
 value="{escape(login)}"></label>
<label>密码<input name="password" id="password" type="password"
 autocomplete="current-password" required></label>
<button type="submit" id="login-submit">登录</button></form>""",
        status,
    )


def _login_get():
    from flask_login import current_user

    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    return _login_form(next_path=_safe_next(request.args.get("next")))


def _login_post():
    login = request.form.get("login", "").strip()
    password = request.form.get("password", "")
    next_path = _safe_next(request.form.get("next"))

    def check():
        with current().sessions() as db, db.begin():
            result = accounts.authenticate(db, login, password)
            if result.outcome != "ok":
                action, outcome = login_throttle.audit_outcome(result.outcome, result.counted)
                audit.record(
                    db,
                    action,
                    _viewer_of(db, result.user) if result.user else None,
                    login=login[: login_throttle.LOGIN_CHARS],
                    outcome=outcome,
                    address=client_address(),
                    at=result.at,
                )
            return result

    result = retrying_locked(check)
    if result.outcome != "ok":
        message = LOGIN_MESSAGES[result.outcome].format(
            seconds=result.retry_after, minutes=max(1, result.retry_after // 60)
        )
        status = 429 if result.outcome in ("wait", "locked") else 401
        return _login_form(message, login, next_path, status)

    def start():
        with writing(), current().sessions() as db, db.begin():
            user = accounts.get_user(db, login)
            session_id = accounts.start_session(db, user, client_address())
            viewer = _viewer_of(db, user)
            audit.record(db, "login.success", viewer, address=client_address())
            return session_id, viewer

    session_id, viewer = retrying_locked(start)
    # A fresh cookie session at login: nothing from before the login carries over.
    session.clear()
    login_user(SessionUser(session_id, viewer))
    csrf_token()
    return redirect(next_path)


def _logout():
    from flask_login import current_user

    if current_user.is_authenticated:
        with current().sessions() as db, db.begin():
            accounts.end_session(db, current_user.session_id)
            audit.record(db, "logout", current_user.viewer, address=client_address())
    logout_user()
    session.clear()
    return redirect("/login")


def _csrf_refused():
    return error_response(403, "missing or wrong CSRF token", "请求已过期，请刷新页面后重试。")


def _gate():
    """Before every request: nothing for nobody, and CSRF on a cookie session's changes.

    The CSRF token protects what a cookie grants: another site can make a browser send its
    cookies, never an Authorization header. So an API call with a Bearer token needs none,
    and an anonymous POST to the API is a 401 (log in or send a token), not a 403."""
    path = request.path
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "onemap_public", False):
        # modules.sdk.public: a device route checking its own token. No cookie grants
        # anything there, so CSRF has nothing to protect; the route answers 401 itself.
        return None
    unsafe = request.method in UNSAFE_METHODS
    if path.startswith(PUBLIC_PREFIXES):
        # The login form: without the token another site could log a visitor in as itself.
        return _csrf_refused() if unsafe and not _csrf_ok() else None
    viewer = current_viewer()
    if viewer.is_anonymous:
        if path.startswith("/api/"):
            return error_response(401, "authentication required", "请先登录或提供访问令牌。")
        if path.startswith("/_dash-"):
            return error_response(401, "authentication required", "请先登录。")
        return redirect(f"/login?next={path}")
    if unsafe and not bearer() and not _csrf_ok():
        return _csrf_refused()
    return None


def _after(response: Response) -> Response:
    # Only when the browser does not hold it yet: a Set-Cookie on every response would cost
    # bytes and keep responses out of caches.
    if "csrf" in session and request.cookies.get(CSRF_COOKIE) != session["csrf"]:
        response.set_cookie(
            CSRF_COOKIE,
            session["csrf"],
            samesite="Strict",
            httponly=False,
            secure=current().settings.cookie_secure,
        )
    return response


def install(server: Flask) -> None:
    """Wire sessions, Flask-Login, CSRF and the auth routes into the server."""
    current_settings = server.extensions["onemap"].settings
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=current_settings.cookie_secure,
        SESSION_COOKIE_NAME="onemap_session",
        PERMANENT_SESSION_LIFETIME=accounts.SESSION_LIFETIME,
    )
    manager = LoginManager()
    manager.init_app(server)

    @manager.user_loader
    def load(session_id: str) -> SessionUser | None:
        with current().sessions() as db:
            user = accounts.user_for_session(db, session_id)
            return SessionUser(session_id, _viewer_of(db, user)) if user else None

    server.before_request(_gate)
    server.after_request(_after)
    server.add_url_rule("/login", "login", _login_get, methods=["GET"])
    server.add_url_rule("/login", "login_post", _login_post, methods=["POST"])
    server.add_url_rule("/logout", "logout", _logout, methods=["POST"])
    from app import password_page  # it builds on this module's session helpers

    password_page.register(server)
    server.add_url_rule("/healthz", "healthz", lambda: {"ok": True})
