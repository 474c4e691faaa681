"""The ORM models: administrative divisions, a key/value table, accounts and the audit log."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from shapely.geometry.base import BaseGeometry
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, validates
from sqlalchemy.types import TypeDecorator

from store.geometry import Geometry

LOGGER = logging.getLogger(__name__)

# Stable constraint and index names, so later migrations can address them on both engines.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

LEVELS: tuple[str, ...] = ("city", "county", "town", "village")  # as in layers.codes
GEOMETRY_SOURCES: tuple[str, ...] = ("real", "generated", "imported")
# Meta keys.
BOUNDARIES_FINGERPRINT = "boundaries_fingerprint"
BOUNDARIES_VERSION = "boundaries_version"
BOUNDARIES_STAMP = "boundaries_stamp"  # the version and a random tag: unique across databases
# The GiST index exists on PostgreSQL only; a BLOB column on SQLite has nothing to index.
GEOM_INDEX = "ix_divisions_geom"
POSTGRESQL_ONLY_INDEXES = frozenset({GEOM_INDEX})
# Columns the database keeps by itself, outside the models (migration 0004): (table, column).
DATABASE_KEPT_COLUMNS = frozenset({("divisions", "geom_3857")})


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _now() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on both engines (SQLite would hand back a naive one)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def bbox_columns(geom: BaseGeometry) -> dict[str, float]:
    """The bounding-box columns of a division, for bulk inserts that bypass the ORM."""
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    return {"min_lon": min_lon, "min_lat": min_lat, "max_lon": max_lon, "max_lat": max_lat}


class Division(Base):
    """One administrative unit (city, county, town or village) and its boundary."""

    __tablename__ = "divisions"

    # The 12-digit statistical code. "Inside jurisdiction J" queries compare it with the
    # half-open range [prefix, next prefix) rather than LIKE 'prefix%': on PostgreSQL a LIKE
    # can use a btree only under the C collation or a *_pattern_ops index, while a range
    # uses this primary key index under any collation, and on SQLite just the same.
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(8), index=True)
    parent_code: Mapped[str | None] = mapped_column(String(12), index=True)
    geom: Mapped[BaseGeometry] = mapped_column(Geometry())
    area_km2: Mapped[float] = mapped_column(Float)
    label_lon: Mapped[float] = mapped_column(Float)
    label_lat: Mapped[float] = mapped_column(Float)
    # Derived from geom (see `bbox_columns`): the portable spatial prefilter.
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    geometry_source: Mapped[str] = mapped_column(String(16))
    geometry_note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now, onupdate=_now)

    __table_args__ = (
        CheckConstraint(_one_of("level", LEVELS), name="level"),
        CheckConstraint(_one_of("geometry_source", GEOMETRY_SOURCES), name="geometry_source"),
        # Every bbox query also filters by level, so level leads.
        Index("ix_divisions_level_bbox", "level", "min_lon", "min_lat", "max_lon", "max_lat"),
        Index(GEOM_INDEX, "geom", postgresql_using="gist").ddl_if(dialect="postgresql"),
    )

    @validates("geom")
    def _keep_bbox_in_step(self, _key: str, geom: BaseGeometry) -> BaseGeometry:
        # The prefilter columns must never disagree with the geometry they stand for.
        if geom is not None:
            for column, value in bbox_columns(geom).items():
                setattr(self, column, value)
        return geom

    def __repr__(self) -> str:
        return f"Division({self.code!r}, {self.name!r}, {self.level!r})"


class Meta(Base):
    """Small facts about the stored data, e.g. which boundary files were loaded."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# department: a department (部门, e.g. 市民政局) that requests the ledger's data (申请调阅).
ROLES: tuple[str, ...] = ("leader", "staff", "coordinator", "admin", "department")


class User(Base):
    """A person who logs in: one role, one or more jurisdictions (see UserJurisdiction)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)

    __table_args__ = (
        CheckConstraint(
            "role IN ('leader', 'staff', 'coordinator', 'admin', 'department')", name="role"
        ),
    )


class UserJurisdiction(Base):
    """One jurisdiction code (12 digits, any level) of a user."""

    __tablename__ = "user_jurisdictions"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(12), primary_key=True)


class LoginSession(Base):
    """A server-side login session: the cookie holds only its random id.

    A new id at every login (no session fixation) and a revocation that works (logout and a
    password change end the session on the server, not just in one browser).
    """

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    address: Mapped[str | None] = mapped_column(String(64))


class ApiToken(Base):
    """A bearer token for other departments' systems; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    label: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    """Who did what, when, from where. Append-only: the database refuses UPDATE and DELETE."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    login: Mapped[str | None] = mapped_column(String(64), index=True)
    # The actor's jurisdictions when it happened, space-separated: admins see the entries of
    # actors inside their own scope.
    scopes: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(16), default="ok")
    address: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)


class StoredSignal(Base):
    """A signal one module published for the others, kept while it is in force so that every
    worker process and later request sees it. One row per (name, source, key)."""

    __tablename__ = "module_signals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(200), default="")
    payload: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("uq_module_signals_name_source_key", "name", "source", "key", unique=True),
    )
