"""Permissions: what each role may do inside its scope, declared by the core and the modules.

The core declares the permissions it checks itself; each module declares its own through the
`register_permissions` hook (as datasette's `register_actions`). The app gathers them into one
table of role → permissions when it starts, and every viewer it makes carries its role's set.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from store.models import ROLES

ROLE_LABELS = {
    "leader": "领导",
    "staff": "工作人员",
    "coordinator": "应急指挥",
    "admin": "管理员",
    "department": "部门",
}


@dataclass(frozen=True)
class Permission:
    """Something a viewer may do inside their scope, and the roles that hold it.

    `name` is what code asks (`viewer.can(name)`); permissions of the same name declared by
    several modules are one permission, held by every role any of them names."""

    name: str
    title: str  # zh-CN, for the 管理 page
    roles: tuple[str, ...]


# The core's own: reading (everyone signed in), accounts and audit, bulk data files, and
# whole phone numbers of people inside the scope (those who work with them directly).
CORE_PERMISSIONS: tuple[Permission, ...] = (
    Permission("read", "查看辖区数据", ROLES),
    Permission("admin", "账号与审计管理", ("admin",)),
    Permission("import", "批量导入数据文件", ("admin",)),
    Permission("phones", "查看完整手机号", ("staff", "coordinator")),
)

Grants = Mapping[str, frozenset[str]]  # role -> the permissions it holds


def grants_of(permissions: Iterable[Permission]) -> dict[str, frozenset[str]]:
    """Role → permission names, for every role (a role nobody names holds nothing)."""
    table: dict[str, set[str]] = {role: set() for role in ROLES}
    for permission in permissions:
        unknown = set(permission.roles) - set(ROLES)
        if unknown:
            raise ValueError(f"permission {permission.name!r} names unknown roles {unknown}")
        for role in permission.roles:
            table[role].add(permission.name)
    return {role: frozenset(names) for role, names in table.items()}
