"""`onemap flood ...` commands, run as the system viewer: import key points, replay the demo
storm through the ingest logic, issue a station's ingest token."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from modules.flood import settings, storm
from modules.flood.busy import is_busy
from modules.flood.models import FloodSource, FloodStation
from modules.flood.stations import new_token, token_digest
from modules.sdk import Unreadable, read_file

EX_TEMPFAIL = 75  # sysexits.h: a temporary failure, try again later


def add_commands(commands: click.Group, core) -> None:
    @commands.group(help="防汛模块：导入重点部位、回放暴雨、监测站令牌")
    def flood() -> None:
        pass

    @flood.command(name="import", help="import key points from CSV, XLSX or GeoJSON")
    @click.argument("file")
    @click.option("--crs", default="wgs84", show_default=True, help="wgs84 | gcj02 | bd09 | EPSG:n")
    @click.option("--dry-run", is_flag=True, help="check only, change nothing")
    def import_command(file: str, crs: str, dry_run: bool) -> int:
        return run_import(core, Path(file), crs, dry_run)

    @flood.command(name="replay-storm", help="replay the demo storm through the ingest logic")
    @click.option(
        "--speed",
        type=float,
        default=3600.0,
        help="storm seconds per real second (default 3600: an hour a second; 0: at once)",
    )
    def replay_command(speed: float) -> int:
        return run_replay(core, speed)

    @flood.command(name="station-token", help="issue a new ingest token for a station or a source")
    @click.argument("station")
    def token_command(station: str) -> int:
        return run_token(core, station)


def run_import(core, path: Path, crs: str, dry_run: bool) -> int:
    """Exit 0 when imported (or checked), 1 when refused, 75 (EX_TEMPFAIL) when another
    import kept the database busy: a sentence each time, never a traceback."""
    from modules.flood.importer import BUSY_EN, import_points

    limit = settings.import_max_bytes()
    try:
        data = read_file(path, limit)  # refused by its size on disk before it is read
    except Unreadable as exc:
        print(f"onemap flood import: {exc.reason}", file=sys.stderr)
        return 2 if not path.is_file() else 1
    try:
        result = import_points(
            core.sessions, core.viewer(), data, path.name, crs, dry_run, max_bytes=limit
        )
    except DBAPIError as exc:
        if not is_busy(exc):
            raise
        print(f"onemap flood import: {BUSY_EN}", file=sys.stderr)
        return EX_TEMPFAIL
    print(result.text())
    if result.busy:
        return EX_TEMPFAIL
    return 0 if result.ok else 1


def run_replay(core, speed: float) -> int:
    if speed < 0:
        print("onemap flood replay-storm: --speed must be 0 or more", file=sys.stderr)
        return 2
    counts = storm.replay(core.sessions, speed=speed, echo=print)
    print(
        f"storm replayed: {counts['accepted']} accepted, {counts['duplicate']} duplicate, "
        f"{counts['refused']} refused"
    )
    return 0 if counts["accepted"] + counts["duplicate"] else 1


def run_token(core, station: str) -> int:
    with core.sessions() as session, session.begin():
        holder = session.scalar(
            select(FloodStation).where(FloodStation.code == station)
        ) or session.scalar(select(FloodSource).where(FloodSource.name == station))
        if holder is None:
            print(f"onemap flood station-token: no station or source {station!r}", file=sys.stderr)
            return 1
        secret = new_token()
        holder.token_hash = token_digest(secret)
    print(f"{station}: {secret}")
    print("(shown once; the previous token no longer works)")
    return 0
