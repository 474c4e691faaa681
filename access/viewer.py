"""The viewer: who is looking, in which role, over which units. The only source of scope.

Made by the core from the logged-in session or an API token, never from a value the browser
sends. Every data access function that serves a person takes one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement

from access.permissions import Grants
from layers import codes
from layers.codes import DivisionCode


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
    scopes: tuple[DivisionCode, ...]  # outermost only, sorted
    # What the role may do (access.permissions: the core's and the modules' declarations).
    permissions: frozenset[str] = frozenset()

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    def can(self, permission: str) -> bool:
        return not self.is_anonymous and permission in self.permissions

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
        return codes.within_any(column, self.scopes)


def outermost(scopes: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Normalised scopes with those inside another removed: (350304, 350304100) -> (350304)."""
    full = sorted({codes.normalize(s) for s in scopes})
    return tuple(s for s in full if not any(o != s and codes.covers(o, s) for o in full))


def make_viewer(
    user_id: int, login: str, name: str, role: str, scopes: list[str], grants: Grants
) -> Viewer:
    """A viewer of `role` over `scopes`, holding what `grants` (role → permissions) gives."""
    return Viewer(user_id, login, name, role, outermost(scopes), grants.get(role, frozenset()))


ANONYMOUS = Viewer(None, None, "访客", None, ())
