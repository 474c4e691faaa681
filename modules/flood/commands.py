"""`onemap flood ...` commands, run as the system viewer: import key points, replay the demo
storm through the ingest logic, issue a station's ingest token."""

from __future__ import annotations

import argparse
import sys

from sqlalchemy import select

from modules.flood import storm
from modules.flood.models import FloodSource, FloodStation
from modules.flood.stations import new_token, token_digest


def add_commands(commands, core) -> None:
    parser = commands.add_parser("flood", help="防汛模块：导入重点部位、回放暴雨、监测站令牌")
    sub = parser.add_subparsers(dest="flood_command", required=True)

    importing = sub.add_parser("import", help="import key points from CSV, XLSX or GeoJSON")
    importing.add_argument("file", help="a .csv, .xlsx or .geojson file")
    importing.add_argument("--crs", default="wgs84", help="wgs84 | gcj02 | bd09 | EPSG:n")
    importing.add_argument("--dry-run", action="store_true", help="check only, change nothing")

    def run_import(args: argparse.Namespace) -> int:
        from pathlib import Path

        from modules.flood.importer_page import run_import as do_import

        path = Path(args.file)
        if not path.is_file():
            print(f"onemap flood import: no such file {path}", file=sys.stderr)
            return 2
        with core.sessions() as session, session.begin():
            result = do_import(
                session, core.viewer(), path.read_bytes(), path.name, args.crs, args.dry_run, None
            )
            if not result.ok:
                session.rollback()
        print(result.text())
        return 0 if result.ok else 1

    importing.set_defaults(func=run_import)

    replay = sub.add_parser("replay-storm", help="replay the demo storm through the ingest logic")
    replay.add_argument(
        "--speed",
        type=float,
        default=3600.0,
        help="storm seconds per real second (default 3600: an hour a second; 0: at once)",
    )

    def run_replay(args: argparse.Namespace) -> int:
        if args.speed < 0:
            print("onemap flood replay-storm: --speed must be 0 or more", file=sys.stderr)
            return 2
        counts = storm.replay(core.sessions, speed=args.speed, echo=print)
        print(
            f"storm replayed: {counts['accepted']} accepted, {counts['duplicate']} duplicate, "
            f"{counts['refused']} refused"
        )
        return 0 if counts["accepted"] + counts["duplicate"] else 1

    replay.set_defaults(func=run_replay)

    token = sub.add_parser(
        "station-token", help="issue a new ingest token for a station or a source"
    )
    token.add_argument("station", help="a station's code (e.g. MLX-05) or a source's name")

    def run_token(args: argparse.Namespace) -> int:
        with core.sessions() as session, session.begin():
            holder = session.scalar(
                select(FloodStation).where(FloodStation.code == args.station)
            ) or session.scalar(select(FloodSource).where(FloodSource.name == args.station))
            if holder is None:
                print(
                    f"onemap flood station-token: no station or source {args.station!r}",
                    file=sys.stderr,
                )
                return 1
            secret = new_token()
            holder.token_hash = token_digest(secret)
        print(f"{args.station}: {secret}")
        print("(shown once; the previous token no longer works)")
        return 0

    token.set_defaults(func=run_token)
