"""Helpers shared by the test suite (importable as `tests.support`)."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest
from sqlalchemy.engine import URL, make_url

DEFAULT_POSTGRES_URL = "postgresql+psycopg2://postgres@localhost:5432/postgres"
POSTGRES_URL_ENV = "ONEMAP_TEST_POSTGRES_URL"
PG_VARIABLES = ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE")


def ci_strict() -> bool:
    """True under CI=true: there, a missing test backend is a failure, not a skip."""
    return os.environ.get("CI", "").strip().lower() == "true"


def require_or_skip(reason: str) -> NoReturn:
    """Skip the test for a missing backend, or fail it under CI=true so CI cannot go green."""
    if ci_strict():
        pytest.fail(
            f"{reason} [CI=true: a missing backend fails instead of skipping]", pytrace=False
        )
    pytest.skip(reason)


def postgres_admin_url() -> str:
    """The server to create test databases on: ONEMAP_TEST_POSTGRES_URL, PG* variables, else
    the local default."""
    explicit = os.environ.get(POSTGRES_URL_ENV, "").strip()
    if explicit:
        return explicit
    env = {name: os.environ.get(name, "").strip() for name in PG_VARIABLES}
    if not any(env.values()):
        return DEFAULT_POSTGRES_URL
    host = env["PGHOST"] or "localhost"
    # libpq takes a socket directory as host; in a URL it must travel as a query parameter.
    socket_dir = host.startswith("/")
    url = URL.create(
        "postgresql+psycopg2",
        username=env["PGUSER"] or "postgres",
        password=env["PGPASSWORD"] or None,
        host=None if socket_dir else host,
        port=int(env["PGPORT"]) if env["PGPORT"] and not socket_dir else None,
        database=env["PGDATABASE"] or "postgres",
        query={"host": host} if socket_dir else {},
    )
    return url.render_as_string(hide_password=False)


def safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)
