"""修改密码: the logged-in user changes their password, and may revoke their API tokens.

A new password ends the user's other sessions, but API tokens are not sessions: a token
made for another department's system keeps working. The page says how many the user has
and offers to revoke them all in the same step (for a password that may have leaked).
"""

from __future__ import annotations

from html import escape

from flask import Flask, request, session
from flask_login import login_user

from access import audit
from app import accounts
from app.auth import SessionUser, client_address, csrf_token, current_viewer
from app.context import current
from app.html_page import page


def _tokens_note(count: int) -> str:
    if not count:
        return "<p>您没有 API 令牌。</p>"
    return (
        f'<p class="tokens-note" id="tokens-note">您有 {count} 个 API 令牌。'
        "修改密码后它们仍然有效；如果密码或令牌可能已泄露，请勾选下面一项，同时吊销全部令牌。</p>"
        '<label class="checkbox"><input type="checkbox" name="revoke_tokens" value="1"'
        f' id="revoke-tokens"> 同时吊销我的全部 API 令牌（{count} 个）</label>'
    )


def _form(message: str = "", ok: bool = False, status: int = 200):
    viewer = current_viewer()
    with current().sessions() as db:
        user = accounts.get_user(db, viewer.login)
        tokens = len(accounts.active_tokens(db, user)) if user else 0
    note = ""
    if message:
        note = f'<p class="{"auth-ok" if ok else "auth-error"}" role="alert">{escape(message)}</p>'
    return page(
        "修改密码",
        f"""<h2>修改密码</h2>{note}
<form method="post" action="/account/password">
<input type="hidden" name="csrf_token" value="{escape(csrf_token())}">
<label>当前密码<input name="current" type="password" autocomplete="current-password" required>
</label><label>新密码（至少 {accounts.MIN_PASSWORD_LENGTH} 位）<input name="new" type="password"
 autocomplete="new-password" required></label>{_tokens_note(tokens)}
<button type="submit">保存</button></form><p><a href="/">返回地图</a></p>""",
        status,
    )


def _change():
    viewer = current_viewer()
    revoke = request.form.get("revoke_tokens") == "1"
    with current().sessions() as db, db.begin():
        user = accounts.get_user(db, viewer.login)
        result = accounts.authenticate(db, viewer.login, request.form.get("current", ""))
        if result.outcome != "ok":
            audit.record(db, "password.change", viewer, outcome="denied", address=client_address())
            return _form("当前密码不正确。", status=400)
        try:
            accounts.set_password(db, user, request.form.get("new", ""))
        except accounts.AccountError:
            return _form(f"新密码至少需要 {accounts.MIN_PASSWORD_LENGTH} 个字符。", status=400)
        revoked = accounts.revoke_tokens(db, user) if revoke else 0
        kept = len(accounts.active_tokens(db, user))
        # Every other session of this user ended with the change; this one starts afresh.
        session_id = accounts.start_session(db, user, client_address())
        audit.record(db, "password.change", viewer, address=client_address())
        if revoked:
            audit.record(
                db,
                "token.change",
                viewer,
                target=viewer.login,
                detail={"op": "revoke-all", "tokens": revoked},
                address=client_address(),
            )
    session.clear()
    login_user(SessionUser(session_id, viewer))
    csrf_token()
    message = "密码已修改。"
    if revoked:
        message += f"已吊销您的 {revoked} 个 API 令牌。"
    elif kept:
        message += f"您的 {kept} 个 API 令牌仍然有效。"
    return _form(message, ok=True)


def register(server: Flask) -> None:
    server.add_url_rule("/account/password", "password", lambda: _form(), methods=["GET"])
    server.add_url_rule("/account/password", "password_post", _change, methods=["POST"])
