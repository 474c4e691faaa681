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
    if settings.demo:
        context = app.server.extensions["onemap"]
        _print_demo_accounts(context.sessions, context.modules)
    LOGGER.info("app ready in %.1f s", time.perf_counter() - started)
    import threading

    stop = threading.Event()
    if settings.demo and not args.no_workers:  # the demo sends its SMS without a second command
        from app.workers import start_workers

        context = app.server.extensions["onemap"]
        start_workers(context.modules, _cli_core(context.modules, context.sessions), stop)
    url = f"http://{settings.host}:{settings.port}/"
    print(f"OneMap 一张图 is serving on {url}", flush=True)
    try:
        if settings.debug:
            app.run(host=settings.host, port=settings.port, debug=True)
        else:
            serve(app.server, host=settings.host, port=settings.port, threads=8, ident="onemap")
    finally:
        stop.set()
    return 0


def _print_demo_accounts(sessions, modules) -> None:
    from app.demo import create_demo_accounts

    with sessions() as session, session.begin():
        created = create_demo_accounts(session)
        if created:  # an empty database: the modules fill their demo data too
            modules.seed_demo(session)
    if created:
        print("Demo accounts (shown once; set ONEMAP_DEMO=0 in production):")
        for login, password, role, scope, name in created:
            print(f"  {login:18s} {password:14s} {role:12s} {scope:10s} {name}")


def _sessions():
    from app.factory import prepare_database
    from store.engine import make_session

    return make_session(prepare_database(load_settings()))


def _user_or_fail(session, login: str):
    from app.accounts import AccountError, get_user

    user = get_user(session, login)
    if user is None:
        raise AccountError(f"no user with login {login!r}")
    return user


def _password(args: argparse.Namespace) -> tuple[str, bool]:
    """(password, generated): from stdin with --password-stdin, else a random one to print."""
    import secrets

    if getattr(args, "password_stdin", False):
        return sys.stdin.readline().rstrip("\n"), False
    return secrets.token_urlsafe(12), True


def _cmd_users_add(args: argparse.Namespace) -> int:
    from access import audit
    from app import accounts

    password, generated = _password(args)
    with _sessions()() as session, session.begin():
        accounts.add_user(session, args.login, args.role, args.jurisdiction, args.name, password)
        audit.record(
            session,
            "user.change",
            login="cli",
            target=args.login,
            detail={"op": "add", "role": args.role, "scopes": args.jurisdiction},
        )
    print(f"user {args.login} added ({args.role}: {' '.join(args.jurisdiction)})")
    if generated:
        print(f"password: {password}")
    return 0


def _cmd_users_list(_args: argparse.Namespace) -> int:
    from app import accounts

    with _sessions()() as session:
        for user, scopes in accounts.list_users(session):
            state = "active" if user.active else "disabled"
            print(f"{user.login}\t{user.role}\t{' '.join(scopes)}\t{state}\t{user.name}")
    return 0


def _cmd_users_disable(args: argparse.Namespace) -> int:
    from access import audit
    from app import accounts

    with _sessions()() as session, session.begin():
        accounts.disable(session, _user_or_fail(session, args.login))
        audit.record(
            session, "user.change", login="cli", target=args.login, detail={"op": "disable"}
        )
    print(f"user {args.login} disabled; its sessions and tokens ended")
    return 0


def _cmd_users_set_password(args: argparse.Namespace) -> int:
    from access import audit
    from app import accounts

    password, generated = _password(args)
    with _sessions()() as session, session.begin():
        accounts.set_password(session, _user_or_fail(session, args.login), password)
        audit.record(
            session, "user.change", login="cli", target=args.login, detail={"op": "set-password"}
        )
    print(f"password of {args.login} set; its sessions ended")
    if generated:
        print(f"password: {password}")
    return 0


def _cmd_users_grant(args: argparse.Namespace) -> int:
    from access import audit
    from app import accounts

    with _sessions()() as session, session.begin():
        user = _user_or_fail(session, args.login)
        accounts.grant(session, user, args.jurisdiction or [], args.role)
        audit.record(
            session,
            "user.change",
            login="cli",
            target=args.login,
            detail={"op": "grant", "role": args.role, "scopes": args.jurisdiction},
        )
    print(f"user {args.login} updated")
    return 0


def _cmd_tokens_create(args: argparse.Namespace) -> int:
    from access import audit
    from app import accounts

    with _sessions()() as session, session.begin():
        user = _user_or_fail(session, args.login)
        if not user.active:
            raise accounts.AccountError(f"user {args.login!r} is disabled")
        token = accounts.create_token(session, user, args.label)
        audit.record(
            session,
            "token.change",
            login="cli",
            target=args.login,
            detail={"op": "create", "prefix": token[:9]},
        )
    print(f"token for {args.login} (shown once, store it now):")
    print(token)
    return 0


def _cmd_tokens_revoke(args: argparse.Namespace) -> int:
    from access import audit
    from app import accounts

    with _sessions()() as session, session.begin():
        count = accounts.revoke_token(session, args.token)
        audit.record(
            session,
            "token.change",
            login="cli",
            target=args.token[:9],
            detail={"op": "revoke", "count": count},
        )
    if not count:
        print("onemap: no active token matches", file=sys.stderr)
        return 1
    print(f"revoked {count} token(s)")
    return 0


def _cmd_tokens_list(args: argparse.Namespace) -> int:
    from app import accounts

    with _sessions()() as session:
        user = _user_or_fail(session, args.login) if args.login else None
        for token in accounts.list_tokens(session, user):
            state = "revoked" if token.revoked_at else "active"
            print(f"{token.prefix}\t{token.user_id}\t{state}\t{token.label or ''}")
    return 0


def _cli_core(registry, sessions):
    """The CoreServices of command-line work and workers: the system viewer, no request."""
    from app.core import build_core, system_viewer

    def viewer():
        with sessions() as session:
            return system_viewer(session, registry)

    return build_core(registry, viewer, sessions)


def _cmd_worker(args: argparse.Namespace) -> int:
    import signal
    import threading

    from app.factory import prepare_database
    from app.registry import ModuleRegistry
    from app.workers import start_workers
    from store.engine import make_session

    settings = load_settings()
    registry = ModuleRegistry(settings.modules_disabled)
    sessions = make_session(prepare_database(settings, registry))
    stop = threading.Event()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stop.set())
    threads = start_workers(registry, _cli_core(registry, sessions), stop)
    if not threads:
        print("onemap: no module provides a worker", file=sys.stderr)
        return 1
    print(f"workers running: {', '.join(t.name for t in threads)}", flush=True)
    while any(t.is_alive() for t in threads) and not stop.is_set():
        stop.wait(0.5)
    stop.set()
    for thread in threads:
        thread.join(timeout=10)
    return 0


def _module_commands(commands) -> None:
    """Sub-commands the modules add (register_commands); they run as the system viewer."""
    from app.registry import ModuleRegistry
    from store.engine import make_session

    try:
        settings = load_settings()
    except SettingsError:
        return  # `main` reports the configuration error when a command needs it
    registry = ModuleRegistry(settings.modules_disabled)
    holder: dict = {}

    def sessions():
        if "factory" not in holder:
            from app.factory import prepare_database

            holder["factory"] = make_session(prepare_database(settings, registry))
        return holder["factory"]()

    registry.call("register_commands", commands=commands, core=_cli_core(registry, sessions))


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
    from layers.importing import import_boundaries

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
    if report.ok and not report.dry_run:
        from access import audit
        from store.engine import make_session

        with make_session(engine)() as session, session.begin():
            audit.record(
                session,
                "data.change",
                login="cli",
                target=f"boundaries:{args.level}",
                detail={"file": args.file, "imported": report.imported},
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
    run.add_argument(
        "--no-workers",
        action="store_true",
        help="do not run the modules' workers in the app (they run with ONEMAP_DEMO=1)",
    )
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

    roles = ["leader", "staff", "coordinator", "admin"]
    users = commands.add_parser("users", help="accounts").add_subparsers(
        dest="users_command", required=True, metavar="SUBCOMMAND"
    )
    add = users.add_parser("add", help="add a user (a password is generated unless given)")
    add.add_argument("login")
    add.add_argument("--role", required=True, choices=roles)
    add.add_argument(
        "--jurisdiction",
        required=True,
        action="append",
        metavar="CODE",
        help="division code (repeatable)",
    )
    add.add_argument("--name", help="display name")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.set_defaults(func=_cmd_users_add)
    listing = users.add_parser("list", help="list users")
    listing.set_defaults(func=_cmd_users_list)
    dis = users.add_parser("disable", help="disable a user, ending its sessions and tokens")
    dis.add_argument("login")
    dis.set_defaults(func=_cmd_users_disable)
    setpw = users.add_parser("set-password", help="set a user's password")
    setpw.add_argument("login")
    setpw.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    setpw.set_defaults(func=_cmd_users_set_password)
    grant = users.add_parser("grant", help="add jurisdictions or change the role")
    grant.add_argument("login")
    grant.add_argument("--jurisdiction", action="append", metavar="CODE")
    grant.add_argument("--role", choices=roles)
    grant.set_defaults(func=_cmd_users_grant)

    tokens = commands.add_parser("tokens", help="API tokens").add_subparsers(
        dest="tokens_command", required=True, metavar="SUBCOMMAND"
    )
    create = tokens.add_parser("create", help="create a token; printed alone on the last line")
    create.add_argument("login")
    create.add_argument("--label")
    create.set_defaults(func=_cmd_tokens_create)
    revoke = tokens.add_parser("revoke", help="revoke a token (the token or its prefix)")
    revoke.add_argument("token")
    revoke.set_defaults(func=_cmd_tokens_revoke)
    tlist = tokens.add_parser("list", help="list tokens (prefix, user id, state)")
    tlist.add_argument("login", nargs="?")
    tlist.set_defaults(func=_cmd_tokens_list)

    worker = commands.add_parser(
        "worker", help="run the modules' background workers (e.g. the SMS outbox) until stopped"
    )
    worker.set_defaults(func=_cmd_worker)
    _module_commands(commands)
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
    except ValueError as exc:  # AccountError and bad codes: a sentence, not a traceback
        print(f"onemap: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
