"""The `onemap` command: run the app, build and import boundaries, manage the database."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from app.settings import SettingsError, load_settings

LOGGER = logging.getLogger(__name__)


def _cmd_run(args: argparse.Namespace) -> int:
    from waitress import serve

    from app.factory import create_app

    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    if args.debug:
        overrides["debug"] = True
    settings = load_settings(overrides=overrides)
    started = time.perf_counter()
    app = create_app(settings)
    LOGGER.info("app ready in %.1f s", time.perf_counter() - started)
    url = f"http://{settings.host}:{settings.port}/"
    print(f"OneMap 一张图 is serving on {url}", flush=True)
    if settings.debug:
        app.run(host=settings.host, port=settings.port, debug=True)
    else:
        serve(app.server, host=settings.host, port=settings.port, threads=8, ident="onemap")
    return 0


def _cmd_db_upgrade(_args: argparse.Namespace) -> int:
    from app.factory import prepare_database

    settings = load_settings()
    prepare_database(settings)
    print(f"database ready: {settings.resolved_database_url}")
    return 0


def _cmd_boundaries_build(args: argparse.Namespace) -> int:
    from layers.build import write_boundaries
    from layers.sources import BOUNDARIES_DIR, SOURCES_DIR

    out = Path(args.out) if args.out else BOUNDARIES_DIR
    started = time.perf_counter()
    paths = write_boundaries(out, Path(args.sources) if args.sources else SOURCES_DIR)
    elapsed = time.perf_counter() - started
    for level, path in paths.items():
        print(f"{level:8s} {path}  {path.stat().st_size / 1024:.0f} KiB")
    print(f"built in {elapsed:.1f} s")
    return 0


def _cmd_boundaries_import(args: argparse.Namespace) -> int:
    from app.factory import prepare_database
    from layers.importer import import_boundaries

    settings = load_settings()
    engine = prepare_database(settings)
    report = import_boundaries(
        engine,
        level=args.level,
        path=Path(args.file),
        crs=args.crs,
        code_field=args.code_field,
        dry_run=args.dry_run,
    )
    print(report.text())
    return 0 if report.ok else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="onemap", description="OneMap 一张图: a city's operations on one map."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="serve the app (migrates and loads data first)")
    run.add_argument("--host", help="listen address (default: ONEMAP_HOST or 127.0.0.1)")
    run.add_argument("--port", type=int, help="port (default: ONEMAP_PORT or 8050)")
    run.add_argument("--debug", action="store_true", help="Dash debug mode with reloading")
    run.set_defaults(func=_cmd_run)

    db = commands.add_parser("db", help="database schema").add_subparsers(
        dest="db_command", required=True, metavar="SUBCOMMAND"
    )
    upgrade = db.add_parser("upgrade", help="apply migrations and load the shipped boundaries")
    upgrade.set_defaults(func=_cmd_db_upgrade)

    boundaries = commands.add_parser("boundaries", help="administrative boundaries")
    sub = boundaries.add_subparsers(dest="boundaries_command", required=True, metavar="SUBCOMMAND")
    build = sub.add_parser(
        "build", help="build the four shipped levels from data/boundaries/sources"
    )
    build.add_argument("--out", help="output directory (default: data/boundaries)")
    build.add_argument("--sources", help="sources directory (default: data/boundaries/sources)")
    build.set_defaults(func=_cmd_boundaries_build)

    imp = sub.add_parser(
        "import",
        help="replace generated town or village polygons with real ones (all or nothing)",
        description=(
            "Import real polygons from GeoJSON, GeoPackage or Shapefile. Every feature is "
            "validated first; a file with any bad feature changes nothing and the report names "
            "each bad feature and why."
        ),
    )
    imp.add_argument("--level", required=True, choices=["town", "village"])
    imp.add_argument("file", help="GeoJSON, GeoPackage (.gpkg) or Shapefile (.shp)")
    imp.add_argument(
        "--crs",
        help="coordinate system of the file: wgs84, gcj02, bd09 or EPSG:n "
        "(default: the file's own, else wgs84)",
    )
    imp.add_argument(
        "--code-field", help="attribute holding the division code (default: code, adcode, 区划代码)"
    )
    imp.add_argument("--dry-run", action="store_true", help="validate and report, change nothing")
    imp.set_defaults(func=_cmd_boundaries_import)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        return args.func(args)
    except SettingsError as exc:
        print(f"onemap: configuration error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
