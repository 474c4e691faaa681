"""What the flood tests share: points inside a village, files made in memory, and the three
doors an import comes through (the function, the page's callback, the CLI command)."""

from __future__ import annotations

import base64
import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from openpyxl import Workbook
from sqlalchemy import func, select

from layers import repository
from modules.flood.commands import run_import as cli_import
from modules.flood.importer import import_points
from modules.flood.models import FloodKeyPoint, FloodReading
from store.engine import get_engine
from tests.accounts_fixture import viewer_of
from tests.dash_client import call_callback, response_json
from tests.snapshot import VOLATILE, snapshot

HEADER = ["名称", "类别", "风险等级", "责任人", "联系电话", "巡查周期（天）", "经度", "纬度"]
# Shipped boundaries no import touches (and PostGIS's own table): left out of the snapshot
# taken around each file, which they would make three times slower; a whole snapshot is
# taken around a whole run instead.
STATIC = VOLATILE | {"divisions", "spatial_ref_sys"}


def inside(sessions, code: str) -> tuple[float, float]:
    """A point inside unit `code` (WGS84, 6 decimals)."""
    with sessions() as session:
        point = repository.get_division(session, code).geom.representative_point()
    return round(point.x, 6), round(point.y, 6)


def to_csv(rows, header=HEADER, delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def to_xlsx(rows, header=HEADER) -> bytes:
    book = Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def count(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(FloodKeyPoint))


def engine_of(app):
    return get_engine(app.server.extensions["onemap"].settings.resolved_database_url)


def state(app, whole: bool = False) -> dict:
    """What the app's database holds (tests.snapshot), without the shipped boundaries unless
    `whole`."""
    return snapshot(engine_of(app), VOLATILE if whole else STATIC)


def run(sessions, login, data, filename="points.csv", crs="wgs84", dry_run=False, **kwargs):
    """The import as the page and the CLI call it."""
    return import_points(sessions, viewer_of(login), data, filename, crs, dry_run, **kwargs)


def page_import(client, data: bytes, filename: str, crs="wgs84", dry=()) -> str:
    """Post a file to the page 导入重点部位 as the browser does; the report's text."""
    contents = "data:application/octet-stream;base64," + base64.b64encode(data).decode()
    return page_submit(client, contents, filename, crs, dry)


def page_submit(client, contents, filename: str, crs="wgs84", dry=()) -> str:
    response = call_callback(
        client,
        [("flood-import-report", "children")],
        inputs=[("flood-import-submit", "n_clicks", 1)],
        state=[
            ("flood-import-file", "contents", contents),
            ("flood-import-file", "filename", filename),
            ("flood-import-crs", "value", crs),
            ("flood-import-dry-run", "value", list(dry)),
        ],
    )
    return json.dumps(response_json(response), ensure_ascii=False)


def cli_core(sessions, login: str = "city.admin"):
    """What `onemap flood import` is handed: the sessions and the (here: an admin's) viewer."""
    return SimpleNamespace(sessions=sessions, viewer=lambda: viewer_of(login))


def command(sessions, path: Path, capsys, crs="wgs84", dry_run=False, login="city.admin"):
    """Run the import command's body; (exit status, stdout + stderr)."""
    status = cli_import(cli_core(sessions, login), Path(path), crs, dry_run)
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def post(flood_app, items, token=None, raw=None, **kwargs):
    """POST /api/v1/flood/readings as a device does (a JSON body, or `raw` bytes)."""
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    client = flood_app.server.test_client()
    if raw is not None:
        return client.post("/api/v1/flood/readings", data=raw, headers=headers, **kwargs)
    return client.post("/api/v1/flood/readings", json=items, headers=headers, **kwargs)


def count_readings(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(FloodReading))


def off_the_half_hour(moment: datetime) -> datetime:
    """A minute the demo storm has no reading at (its readings are on the half hours up to
    when the demo was seeded), so an item there is new whenever the demo was seeded."""
    moment = moment.replace(second=0, microsecond=0)
    return moment - timedelta(minutes=1) if moment.minute % 30 == 0 else moment


def recent(minutes_ago: int) -> str:
    return off_the_half_hour(datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat()
