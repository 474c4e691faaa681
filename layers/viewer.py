"""The viewer: who is looking, in which role, over which units. The only source of scope.

Made by the core from the logged-in session or an API token, never from a value the browser
sends. Every data access function that serves a person takes one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_

from layers import codes

ROLE_LABELS = {"leader": "领导", "staff": "工作人员", "coordinator": "应急指挥", "admin": "管理员"}
# What each role may do, inside its scope: record = inspections and key points;
# alert = send SMS to key groups; consult = typhoon consultations and publishing exposure;
# campaign = open patrol campaigns; import = bulk data files; admin = accounts and audit.
PERMISSIONS: dict[str, frozenset[str]] = {
    "leader": frozenset({"read"}),
    "staff": frozenset({"read", "record", "alert"}),
    "coordinator": frozenset({"read", "consult", "alert", "campaign"}),
    "admin": frozenset({"read", "admin", "import", "campaign"}),
}


class _CodeError(Exception):
    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class Forbidden(_CodeError, PermissionError):
    """The unit exists but lies outside the viewer's scope (HTTP 403)."""


class NotFound(_CodeError, LookupError):
    """No such unit (HTTP 404)."""


@dataclass(frozen=True)
class Viewer:
    user_id: int | None
    login: str | None
    name: str
    role: str | None
    scopes: tuple[str, ...]  # 12-digit codes, outermost only, sorted

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    def can(self, permission: str) -> bool:
        return not self.is_anonymous and permission in PERMISSIONS.get(self.role or "", ())

    def covers(self, code: str) -> bool:
        """True when `code` lies inside (or is) one of the viewer's units."""
        try:
            full = codes.normalize(code)
        except codes.InvalidCode:
            return False
        return any(codes.covers(scope, full) for scope in self.scopes)

    def covers_all(self, scopes: tuple[str, ...]) -> bool:
        """True when every unit in `scopes` lies inside this viewer's scope."""
        return all(self.covers(scope) for scope in scopes)

    @property
    def home(self) -> str | None:
        """The unit the map opens on: the single scope, or None for several (a virtual root)."""
        return self.scopes[0] if len(self.scopes) == 1 else None

    @property
    def top_level(self) -> str | None:
        """The highest level the viewer can see a whole unit of."""
        if not self.scopes:
            return None
        return min((codes.level_of(s) for s in self.scopes), key=codes.LEVELS.index)

    def code_filter(self, column: Any) -> ColumnElement[bool]:
        """SQL: `column` (a 12-digit code) lies inside the scope. False for nobody."""
        if not self.scopes:
            return false()
        return or_(*(prefix_range(column, scope) for scope in self.scopes))


def prefix_range(column: Any, jurisdiction: str) -> ColumnElement[bool]:
    """`column` starts with the jurisdiction's prefix, as an index-friendly range."""
    low = codes.prefix(jurisdiction)
    if set(low) == {"9"}:
        return column >= low
    high = str(int(low) + 1).zfill(len(low))
    return and_(column >= low, column < high)


def outermost(scopes: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Normalised scopes with those inside another removed: (350304, 350304100) -> (350304)."""
    full = sorted({codes.normalize(s) for s in scopes})
    return tuple(s for s in full if not any(o != s and codes.covers(o, s) for o in full))


def make_viewer(user_id: int, login: str, name: str, role: str, scopes: list[str]) -> Viewer:
    return Viewer(user_id, login, name, role, outermost(scopes))


ANONYMOUS = Viewer(None, None, "访客", None, ())
