"""Write transactions that survive a busy database: `write_transaction(sessions, work)`.

SQLite lets one writer at a time; in WAL mode a transaction that read and then writes after
another connection committed is refused at once (SQLITE_BUSY_SNAPSHOT: the busy timeout does
not apply). PostgreSQL refuses a transaction on a deadlock, a serialization conflict or a lock
wait past `lock_timeout`, and loses every connection when it restarts. In each case the
database rolled the transaction back, so running the same work again on a new session is
safe and usually succeeds. `write_transaction` does that, a bounded number of times within a
bounded time, and raises the last error when it still fails (the edges turn it into a
sentence through store.faults).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from store.engine import writing
from store.faults import retryable

LOGGER = logging.getLogger(__name__)
T = TypeVar("T")

ATTEMPTS = 5
# Past this many seconds no new attempt starts: a request must answer while its user waits.
BUDGET_S = 15.0


def write_transaction(
    sessions: Callable[[], Session],
    work: Callable[[Session], T],
    *,
    attempts: int = ATTEMPTS,
    budget_s: float = BUDGET_S,
    retry_on: tuple[type[BaseException], ...] = (),
) -> T:
    """Run `work(session)` in one transaction on a new session from `sessions`, commit, and
    return what it returned. On SQLite the transaction takes the write lock at BEGIN
    (waiting up to the busy timeout), so it cannot be refused half-way.

    When the database refuses the transaction (busy, a conflict, a lost connection before
    COMMIT) the work is run again from the start on a new session, at most `attempts` times
    and not after `budget_s` seconds; `retry_on` adds exceptions of the work's own that mean
    the same (e.g. IntegrityError when two requests insert the same key at once: the second
    run finds the row). A connection lost during COMMIT is not retried: the write may have
    been made, and doing it twice is worse than an error. `work` must not open a second
    session (it would wait for this one's lock on SQLite)."""
    deadline = time.monotonic() + budget_s
    for attempt in range(1, attempts + 1):
        committing = False
        try:
            with writing(), sessions() as session:
                with session.begin():
                    result = work(session)
                    committing = True
                return result
        except retry_on as error:
            if _last(attempt, attempts, deadline):
                raise
            LOGGER.info("write transaction: attempt %d: %s; again", attempt, _first(error))
        except DBAPIError as error:
            ambiguous = committing and error.connection_invalidated
            if ambiguous or not retryable(error) or _last(attempt, attempts, deadline):
                raise
            LOGGER.info("write transaction: attempt %d refused (%s); again", attempt, _first(error))
        # Spread the retries of writers that collided, so they do not collide again.
        time.sleep(min(0.05 * 2**attempt, 1.0) * random.uniform(0.5, 1.0))
    raise AssertionError("unreachable")


def _last(attempt: int, attempts: int, deadline: float) -> bool:
    return attempt >= attempts or time.monotonic() >= deadline


def _first(error: BaseException) -> str:
    original = getattr(error, "orig", None) or error
    return str(original).strip().splitlines()[0] if str(original).strip() else type(error).__name__
