"""Accounts: users, passwords with lockout, login sessions and API tokens (no Flask here).

Passwords are hashed with scrypt (werkzeug); the test suite swaps in a one-round hash with
`use_password_method` (a login there must not cost 50 ms of deliberate work). Tokens and
session ids are random; tokens are stored as SHA-256 digests and shown once.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from access.permissions import Grants
from access.viewer import Viewer, make_viewer
from layers import codes, repository
from store.models import ROLES, ApiToken, LoginSession, User, UserJurisdiction

LOGGER = logging.getLogger(__name__)

# Failed logins: from the 3rd failure on, wait 2^(n-3) s before the next try counts; at the
# 6th the account locks for 15 minutes. Unknown logins get the same answer (no enumeration).
SLOW_DOWN_AFTER = 3
LOCK_AFTER = 6
LOCK_FOR = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=12)
# A token's last use is kept to this resolution: stamping every call would make each API
# read a write.
TOKEN_USE_RESOLUTION = timedelta(minutes=1)
MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "om_"


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message says why (English)."""


def _now() -> datetime:
    return datetime.now(UTC)


PRODUCTION_PASSWORD_METHOD = "scrypt"
_password_method = PRODUCTION_PASSWORD_METHOD


def use_password_method(method: str) -> str:
    """Hash new passwords with werkzeug's `method` from now on; returns the previous one.
    Only the test suite calls this: stored hashes name their method, so both still verify."""
    global _password_method
    previous, _password_method = _password_method, method
    return previous


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=_password_method)


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")


def _valid_scopes(session: Session, scopes: list[str]) -> list[str]:
    if not scopes:
        raise AccountError("a user needs at least one jurisdiction")
    result = []
    for scope in scopes:
        try:
            full = codes.normalize(scope)
        except codes.InvalidCode as exc:
            raise AccountError(str(exc)) from exc
        if repository.get_division(session, full) is None:
            raise AccountError(f"no division with code {full}")
        result.append(full)
    return result


def get_user(session: Session, login: str) -> User | None:
    return session.scalar(select(User).where(User.login == login))


def scopes_of(session: Session, user: User) -> list[str]:
    return list(
        session.scalars(
            select(UserJurisdiction.code)
            .where(UserJurisdiction.user_id == user.id)
            .order_by(UserJurisdiction.code)
        )
    )


def viewer_for(session: Session, user: User, grants: Grants) -> Viewer:
    """The viewer a user is, holding what `grants` (the app's role → permissions) gives."""
    return make_viewer(user.id, user.login, user.name, user.role, scopes_of(session, user), grants)


def add_user(
    session: Session,
    login: str,
    role: str,
    scopes: list[str],
    name: str | None = None,
    password: str | None = None,
) -> User:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    if (
        not login
        or len(login) > 64
        or not login.replace(".", "").replace("_", "").replace("-", "").isalnum()
    ):
        raise AccountError(f"bad login {login!r}: use letters, digits, '.', '_' or '-'")
    if get_user(session, login) is not None:
        raise AccountError(f"login {login!r} already exists")
    full_scopes = _valid_scopes(session, scopes)
    if password is not None:
        check_password_rules(password)
    user = User(
        login=login,
        name=name or login,
        role=role,
        password_hash=hash_password(password) if password is not None else None,
        active=True,
        failed_logins=0,
    )
    session.add(user)
    session.flush()
    for scope in sorted(set(full_scopes)):
        session.add(UserJurisdiction(user_id=user.id, code=scope))
    return user


def grant(session: Session, user: User, scopes: list[str], role: str | None = None) -> None:
    """Add jurisdictions (and optionally change the role)."""
    existing = set(scopes_of(session, user))
    for scope in _valid_scopes(session, scopes):
        if scope not in existing:
            session.add(UserJurisdiction(user_id=user.id, code=scope))
    if role is not None:
        if role not in ROLES:
            raise AccountError(f"unknown role {role!r}")
        user.role = role


def set_password(session: Session, user: User, password: str) -> None:
    """Set a new password; every open session of the user ends."""
    check_password_rules(password)
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    end_sessions(session, user)


def disable(session: Session, user: User) -> None:
    user.active = False
    end_sessions(session, user)
    revoke_tokens(session, user)


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    outcome: str  # ok | bad-credentials | wait | locked | disabled
    retry_after: int = 0  # seconds
    counted: bool = False  # a failed check of the password (not one refused unchecked)
    at: datetime | None = None  # when the attempt was judged


def authenticate(session: Session, login: str, password: str) -> LoginResult:
    """Check a login attempt and update the failure counters (the caller commits, and
    records the attempt in the audit log: failures of names without an account are counted
    there, see app.login_throttle).

    Until the password is right, a name with an account and one without get the same
    answers in the same order (401, then 429 while waiting, then locked), and a disabled
    account answers like any other: 账号已停用 is said only to whoever knows its password."""
    from app import login_throttle

    now = _now()
    user = get_user(session, login)
    if user is None:
        failures, last_failed_at, locked_until = login_throttle.unknown_login_state(session, login)
    else:
        failures, last_failed_at, locked_until = (
            user.failed_logins,
            user.last_failed_at,
            user.locked_until,
        )
    refused = _refused(now, failures, last_failed_at, locked_until)
    if refused is not None:
        outcome, retry_after = refused
        return LoginResult(user, outcome, retry_after, at=now)
    if user is not None and user.password_hash is not None:
        right = check_password_hash(user.password_hash, password)
    else:
        # Spend the same time as a real check so timing does not reveal which logins exist.
        check_password_hash(_dummy_hash(_password_method), password)
        right = False
    if right:
        user.failed_logins = 0
        user.locked_until = None
        return LoginResult(user, "ok" if user.active else "disabled", at=now)
    failures += 1
    locks = failures >= LOCK_AFTER
    if user is not None:
        user.last_failed_at = now
        user.failed_logins = 0 if locks else failures
        user.locked_until = now + LOCK_FOR if locks else user.locked_until
    if locks:
        return LoginResult(user, "locked", int(LOCK_FOR.total_seconds()), counted=True, at=now)
    return LoginResult(user, "bad-credentials", counted=True, at=now)


def _refused(
    now: datetime,
    failures: int,
    last_failed_at: datetime | None,
    locked_until: datetime | None,
) -> tuple[str, int] | None:
    """("locked" | "wait", seconds) when an attempt is refused without checking it."""
    if locked_until and locked_until > now:
        return "locked", int((locked_until - now).total_seconds()) + 1
    if failures >= SLOW_DOWN_AFTER and last_failed_at:
        wait = timedelta(seconds=2 ** (failures - SLOW_DOWN_AFTER))
        if now < last_failed_at + wait:
            return "wait", int((last_failed_at + wait - now).total_seconds()) + 1
    return None


@functools.cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash("not-a-real-password", method=method)


def start_session(session: Session, user: User, address: str | None) -> str:
    """A new server-side session; its id goes into the (signed) cookie."""
    session_id = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            id=session_id,
            user_id=user.id,
            expires_at=_now() + SESSION_LIFETIME,
            address=(address or "")[:64] or None,
        )
    )
    return session_id


def user_for_session(session: Session, session_id: str) -> User | None:
    """The active user of a live session, or None."""
    row = session.get(LoginSession, session_id)
    if row is None or row.revoked_at is not None or row.expires_at <= _now():
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.active else None


def end_session(session: Session, session_id: str) -> None:
    row = session.get(LoginSession, session_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = _now()


def end_sessions(session: Session, user: User) -> None:
    session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=_now())
    )


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user: User, label: str | None = None) -> str:
    """A new API token for the user; only its digest is stored, so show it once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            user_id=user.id,
            token_hash=_token_digest(token),
            prefix=token[: len(TOKEN_PREFIX) + 6],
            label=label,
        )
    )
    return token


def revoke_token(session: Session, token_or_prefix: str) -> int:
    """Revoke a token given in full or by the prefix `tokens list` shows; returns how many."""
    if token_or_prefix.startswith(TOKEN_PREFIX) and len(token_or_prefix) > 20:
        rows = session.scalars(
            select(ApiToken).where(ApiToken.token_hash == _token_digest(token_or_prefix))
        )
    else:
        rows = session.scalars(select(ApiToken).where(ApiToken.prefix == token_or_prefix))
    count = 0
    for row in rows:
        if row.revoked_at is None:
            row.revoked_at = _now()
            count += 1
    return count


def active_tokens(session: Session, user: User) -> list[ApiToken]:
    """The user's tokens that still open the API."""
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.id)
        )
    )


def revoke_tokens(session: Session, user: User) -> int:
    """Revoke every token of the user; returns how many were still valid."""
    tokens = active_tokens(session, user)
    for token in tokens:
        token.revoked_at = _now()
    return len(tokens)


def user_for_token(session: Session, token: str) -> tuple[User | None, bool]:
    """The active user a token belongs to (None for an unknown, revoked or disabled one),
    and whether its last use is worth stamping (`stamp_token_use`). Reading writes nothing,
    so API reads with one token never queue for SQLite's single writer."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    if row is None or row.revoked_at is not None:
        return None, False
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None, False
    stale = row.last_used_at is None or row.last_used_at < _now() - TOKEN_USE_RESOLUTION
    return user, stale


def stamp_token_use(session: Session, token: str) -> None:
    """Record that a token was used now (to the minute: more often is not worth a write)."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    if row is not None and (
        row.last_used_at is None or row.last_used_at < _now() - TOKEN_USE_RESOLUTION
    ):
        row.last_used_at = _now()


def list_tokens(session: Session, user: User | None = None) -> list[ApiToken]:
    statement = select(ApiToken).order_by(ApiToken.id)
    if user is not None:
        statement = statement.where(ApiToken.user_id == user.id)
    return list(session.scalars(statement))


def list_users(session: Session, viewer: Viewer | None = None) -> list[tuple[User, list[str]]]:
    """Users with their scopes; for a viewer, only users wholly inside the viewer's scope."""
    result = []
    for user in session.scalars(select(User).order_by(User.login)):
        scopes = scopes_of(session, user)
        if viewer is None or viewer.covers_all(tuple(scopes)):
            result.append((user, scopes))
    return result


def manageable(actor: Viewer, scopes: list[str] | tuple[str, ...]) -> bool:
    """An admin manages accounts whose every jurisdiction lies inside the admin's own."""
    return actor.can("admin") and bool(scopes) and actor.covers_all(tuple(scopes))


def admin_add_user(
    session: Session, actor: Viewer, login: str, role: str, scopes: list[str], name: str
) -> tuple[User, str]:
    """An admin adds an account inside their scope; returns it and its first password."""
    full = _valid_scopes(session, scopes)
    if not manageable(actor, full):
        raise AccountError("the new account's jurisdiction lies outside yours")
    password = secrets.token_urlsafe(12)
    return add_user(session, login, role, full, name=name, password=password), password


def admin_target(session: Session, actor: Viewer, login: str) -> User:
    """The user `login` if the admin may manage them; AccountError otherwise."""
    user = get_user(session, login)
    if user is None or not manageable(actor, scopes_of(session, user)):
        # Same answer for "no such user" and "not yours": no enumeration across scopes.
        raise AccountError(f"no account {login!r} in your jurisdiction")
    return user


def admin_reset_password(session: Session, actor: Viewer, login: str) -> str:
    user = admin_target(session, actor, login)
    password = secrets.token_urlsafe(12)
    set_password(session, user, password)
    return password


def admin_disable(session: Session, actor: Viewer, login: str) -> None:
    user = admin_target(session, actor, login)
    if user.id == actor.user_id:
        raise AccountError("you cannot disable your own account")
    disable(session, user)
