"""Test accounts and logging in through the real login form."""

from __future__ import annotations

import functools
import re

from access.viewer import Viewer, make_viewer
from app import accounts

PASSWORD = "correct-horse-battery"
ROLES = ("leader", "staff", "coordinator", "admin", "department")
# login -> (role, jurisdictions)
USERS = {
    "city.leader": ("leader", ["350300"]),
    "licheng.leader": ("leader", ["350304"]),
    "xitianwei.staff": ("staff", ["350304100"]),
    "xiuyu.staff": ("staff", ["350305"]),
    "city.coordinator": ("coordinator", ["350300"]),
    "city.admin": ("admin", ["350300"]),
    "licheng.admin": ("admin", ["350304"]),
    "two.towns": ("staff", ["350304100", "350305107"]),
    "city.minzheng": ("department", ["350300"]),  # 市民政局
    # One user per role inside 西天尾镇, so every role has units inside and outside its scope.
    **{f"xtw.{role}": (role, ["350304100"]) for role in ROLES},
}


def create_users(app) -> None:
    sessions = app.server.extensions["onemap"].sessions
    with sessions() as session, session.begin():
        for login, (role, scopes) in USERS.items():
            if accounts.get_user(session, login) is None:
                accounts.add_user(session, login, role, scopes, name=login, password=PASSWORD)


def csrf_from(client) -> str:
    page = client.get("/login").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "login page has no CSRF token"
    return match.group(1)


def log_in(client, login: str, password: str = PASSWORD):
    """Log in through the form; returns the response (302 on success)."""
    token = csrf_from(client)
    return client.post(
        "/login", data={"login": login, "password": password, "csrf_token": token, "next": "/"}
    )


def csrf_header(client) -> dict:
    """The header dash-renderer sends: the value of the _csrf_token cookie."""
    cookie = client.get_cookie("_csrf_token")
    return {"X-CSRFToken": cookie.value} if cookie else {}


@functools.cache
def installed_grants() -> dict[str, frozenset[str]]:
    """Role → permissions as an app with every installed module grants them."""
    from app.registry import ModuleRegistry

    return ModuleRegistry().grants


def viewer_as(user_id: int, login: str, name: str, role: str, scopes: list[str]) -> Viewer:
    """A viewer made as the app makes them (with the installed modules' permissions)."""
    return make_viewer(user_id, login, name, role, scopes, installed_grants())


def viewer_of(login: str) -> Viewer:
    """The viewer of one of USERS."""
    role, scopes = USERS[login]
    return viewer_as(1, login, login, role, scopes)


def system_viewer() -> Viewer:
    """The viewer of the system's own work (workers, commands) over the whole city."""
    return viewer_as(0, "system", "系统", "admin", ["350300"])
