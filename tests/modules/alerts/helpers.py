"""Shared helpers: a message stored straight through the outbox, worker settings, and a
contacts import as the page and the CLI run it."""

from __future__ import annotations

from sqlalchemy import select

from modules.alerts.audience import Audience
from modules.alerts.contacts_import import import_bytes
from modules.alerts.contacts_report import ImportReport
from modules.alerts.draft import ConfirmNeeded
from modules.alerts.models import Delivery
from modules.alerts.outbox import send
from modules.alerts.settings import load
from modules.sdk import CoreServices
from tests.accounts_fixture import viewer_of
from tests.snapshot import VOLATILE, snapshot

LIMIT = 50 * 1024 * 1024  # the contacts_max_mb default


def core_of(context, login: str = "xtw.staff", viewer=None) -> CoreServices:
    viewer = viewer or viewer_of(login)
    return CoreServices(
        viewer=lambda: viewer,
        sessions=context.sessions,
        sites=context.core.sites,
        publish=context.core.publish,
        signals=context.core.signals,
    )


SEND_OPTIONS = ("ask_ack", "escalate_after", "drill", "drill_mode")


def send_as(context, login: str, text: str = "测试短信 {单位}", **audience):
    """Send as `login`; a count over the threshold is confirmed as the sender would (the
    confirmation itself is tested in test_safety.py)."""
    core = core_of(context, login)
    options = {k: audience.pop(k) for k in SEND_OPTIONS if k in audience}
    try:
        with context.sessions() as session, session.begin():
            return send(session, core.viewer(), core, Audience(**audience), text, **options)
    except ConfirmNeeded as asked:
        options["confirm"] = asked.count
    with context.sessions() as session, session.begin():
        return send(session, core.viewer(), core, Audience(**audience), text, **options)


def deliveries(context, message_id: int) -> list[Delivery]:
    with context.sessions() as session:
        return list(
            session.scalars(
                select(Delivery).where(Delivery.message_id == message_id).order_by(Delivery.id)
            )
        )


def http_settings(url: str, **extra):
    values = {
        "provider": "http",
        "http_url": url,
        "http_timeout": 0.5,
        "backoff_base": 0.01,
        "backoff_cap": 0.05,
        "max_attempts": 30,
        "rate": 10_000.0,
        "threads": 8,
        "lease": 5.0,
        "poll": 0.05,
    }
    values.update(extra)
    return load(environ={}, **values)


def import_as(context, login: str, data: bytes | str, filename: str = "c.csv") -> ImportReport:
    """Import a contacts file as `login`, in its own transaction, as the page and CLI do."""
    data = data.encode() if isinstance(data, str) else data
    core = core_of(context, login)
    return import_bytes(core, core.viewer(), data, filename, LIMIT)


def tables(engine) -> dict:
    """tests.snapshot.snapshot of every table an import could change. `divisions` is left
    out: on PostGIS its rows repr as WKBElement objects with their memory address, so two
    snapshots of the same rows differ (and no module writes divisions)."""
    return snapshot(engine, skip=VOLATILE | {"divisions"})
