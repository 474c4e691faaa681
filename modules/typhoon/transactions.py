"""Writing transactions that meet another one at the same moment (a double submit, two
admins at once): run again a few times, then say the database is busy (HTTP 503).

A transaction that met a concurrent writer fails cleanly and changes nothing: on PostgreSQL
a unique key taken by the other (IntegrityError) or a deadlock, on SQLite "database is
locked" when it read before writing. Run again, it sees what the other committed."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError

LOGGER = logging.getLogger(__name__)
T = TypeVar("T")
ATTEMPTS = 4
BUSY = "the database is busy with another change: try again in a minute"
BUSY_ZH = "数据库正忙（另一项修改正在进行），请一分钟后再试。"


class Busy(RuntimeError):
    """Every attempt met another writer (or the database is down): HTTP 503."""

    reason = BUSY
    reason_zh = BUSY_ZH


def retried(work: Callable[[], T], what: str, attempts: int = ATTEMPTS) -> T:
    """`work()` (which opens and commits its own transaction), run again while it meets
    another writer; Busy after `attempts`."""
    for attempt in range(attempts):
        try:
            return work()
        except (IntegrityError, OperationalError) as error:
            LOGGER.info(
                "%s met a concurrent change (%s): attempt %d", what, error.orig, attempt + 1
            )
            if attempt + 1 < attempts:
                time.sleep(0.05 * (attempt + 1))
            last = error
    raise Busy(what) from last
