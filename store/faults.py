"""What a database failure means to the person who caused it: busy, unreachable, full.

One reading of SQLAlchemy's and the drivers' errors for every edge (the CLI, the web app,
workers): `fault_of(error)` gives a `Fault` with an HTTP status, an English sentence for the
CLI and logs, and a zh-CN one for pages, or None for an error that is a bug, not a fault of
the machine. `transient` says whether running the same transaction again may succeed.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

# PostgreSQL SQLSTATEs: the transaction was rolled back and may simply be run again.
RETRYABLE_SQLSTATES = frozenset(
    {
        "40001",  # serialization_failure
        "40P01",  # deadlock_detected
        "55P03",  # lock_not_available (lock_timeout)
    }
)
# The server is going away or not there (a restart: admin_shutdown, cannot_connect_now...).
GONE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "08000", "08001", "08003", "08006"})
FULL_SQLSTATES = frozenset({"53100", "53200"})  # disk_full, out_of_memory
FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})

# Phrases of the SQLite and psycopg2 messages (no error codes reach Python for these).
LOCKED = ("database is locked", "database table is locked", "database schema is locked")
FULL = ("database or disk is full", "no space left on device", "file too large")
GONE = (
    "could not connect",
    "connection refused",
    "server closed the connection",
    "terminating connection",
    "connection already closed",
    "connection to server",
    "the database system is starting up",
    "the database system is shutting down",
    "ssl connection has been closed",
)
CANNOT_OPEN = ("unable to open database file",)
READ_ONLY = ("attempt to write a readonly database",)


@dataclass(frozen=True)
class Fault:
    """A failure of the machine, not of the request: `kind` is busy | unreachable | full |
    read-only | cannot-open; `status` the HTTP answer (503, or 507 for a full disk)."""

    kind: str
    status: int
    text: str
    text_zh: str

    @property
    def transient(self) -> bool:
        """Whether the same work may succeed if tried again in a moment."""
        return self.kind in ("busy", "unreachable")


BUSY = Fault(
    "busy",
    503,
    "the database is busy (another import or command is writing); nothing was changed: "
    "try again in a moment",
    "数据库正忙（另一项导入或操作正在写入），本次未做任何更改，请稍后重试。",
)
UNREACHABLE = Fault(
    "unreachable",
    503,
    "the database cannot be reached (restarting, or not running); nothing was changed: try "
    "again in a moment, and ask the administrator if it persists",
    "暂时无法连接数据库（可能正在重启），本次未做任何更改，请稍后重试；如持续出现请联系管理员。",
)
DISK_FULL = Fault(
    "full",
    507,
    "the disk is full (or a file size limit was reached); nothing was saved: free some space "
    "and try again",
    "服务器磁盘已满，本次未保存任何内容。请联系管理员清理空间后重试。",
)
READ_ONLY_FAULT = Fault(
    "read-only",
    503,
    "the database file is read-only for this process; nothing was changed: check its owner "
    "and permissions",
    "数据库文件不可写，本次未做任何更改，请联系管理员检查文件权限。",
)

CANNOT_OPEN_FAULT = Fault(
    "cannot-open",
    503,
    "the database file cannot be opened: check ONEMAP_DATABASE_URL, that its folder exists "
    "and that this process may write there; nothing was changed",
    "无法打开数据库文件，本次未做任何更改，请联系管理员检查数据库配置与文件权限。",
)


def fault_of(error: BaseException) -> Fault | None:
    """The Fault `error` stands for, or None when it is no fault of the machine's."""
    if isinstance(error, PoolTimeout):  # every connection of the pool is in use
        return BUSY
    if isinstance(error, OSError):
        return DISK_FULL if error.errno in FULL_ERRNOS else None
    if not isinstance(error, DBAPIError):
        return None
    original = error.orig
    code = getattr(original, "pgcode", None)
    text = str(original).lower()
    if code in FULL_SQLSTATES or any(phrase in text for phrase in FULL):
        return DISK_FULL
    if code in RETRYABLE_SQLSTATES or any(phrase in text for phrase in LOCKED):
        return BUSY
    if any(phrase in text for phrase in READ_ONLY):
        return READ_ONLY_FAULT
    if any(phrase in text for phrase in CANNOT_OPEN):
        return CANNOT_OPEN_FAULT
    if error.connection_invalidated or code in GONE_SQLSTATES or any(p in text for p in GONE):
        return UNREACHABLE
    return None


def retryable(error: BaseException) -> bool:
    """Whether the transaction that raised `error` was rolled back by the database and may
    be run again as it is: a lock or serialization conflict, or a lost connection."""
    fault = fault_of(error)
    return fault is not None and fault.transient
