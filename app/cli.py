"""The `onemap` command (click): run the app, build and import boundaries, manage accounts and
the database; modules add their own commands through the `register_commands` hook.

Building the command tree loads the modules but opens no database: `onemap --help` and
`onemap <module> --help` work without one. Each command returns its exit status.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import click

from app.settings import SettingsError, load_settings

LOGGER = logging.getLogger(__name__)
ROLES = ("leader", "staff", "coordinator", "admin", "department")
# Exit status of a command the database could not serve right now (busy, restarting):
# sysexits' EX_TEMPFAIL, so a script knows that trying again later may work.
EXIT_TEMPFAIL = 75
# Waitress under a burst: 16 threads (requests mostly wait on the database); up to 1,000 open
# connections, watched with poll() (select() stops at 1,024 descriptors); an idle kept-alive
# connection is closed after 30 s, checked every 5 s. With waitress's defaults (100
# connections, 120 s) a burst of clients that kept their connections open stopped it from
# accepting any new one for two minutes.
SERVE_OPTIONS = {
    "threads": 16,
    "connection_limit": 1000,
    "channel_timeout": 30,
    "cleanup_interval": 5,
    "asyncore_use_poll": True,
    "ident": "onemap",
}
# Descriptors `onemap run` asks for: the connections above, the pool's, and files.
OPEN_FILES = 4096


@click.group(
    name="onemap",
    help="OneMap 一张图: a city's operations on one map.",
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option("-v", "--verbose", is_flag=True, help="log more detail")
def cli(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)


@cli.command(help="serve the app (migrates and loads data first)")
@click.option("--host", help="listen address (default: ONEMAP_HOST or 127.0.0.1)")
@click.option("--port", type=int, help="port (default: ONEMAP_PORT or 8050)")
@click.option("--debug", is_flag=True, help="Dash debug mode with reloading")
@click.option(
    "--no-workers",
    is_flag=True,
    help="do not run the modules' workers in the app (they run with ONEMAP_DEMO=1)",
)
def run(host: str | None, port: int | None, debug: bool, no_workers: bool) -> int:
    import threading

    from app.factory import create_app

    overrides = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    if debug:
        overrides["debug"] = True
    settings = load_settings(overrides=overrides)
    started = time.perf_counter()
    app = create_app(settings)
    context = app.server.extensions["onemap"]
    if settings.demo:
        _print_demo_accounts(context.sessions, context.modules)
    LOGGER.info("app ready in %.1f s", time.perf_counter() - started)
    stop = threading.Event()
    if settings.demo and not no_workers:  # the demo sends its SMS without a second command
        from app.workers import start_workers

        start_workers(context.modules, cli_core(context.modules, context.sessions), stop)
    url = f"http://{settings.host}:{settings.port}/"
    print(f"OneMap 一张图 is serving on {url}", flush=True)
    try:
        if settings.debug:
            app.run(host=settings.host, port=settings.port, debug=True)
        else:
            make_server(app.server, settings.host, settings.port, settings.max_upload_mb).run()
    finally:
        stop.set()
    return 0


def make_server(wsgi_app, host: str, port: int, max_upload_mb: int = 50):
    """The waitress server of `onemap run` (SERVE_OPTIONS), not yet running. Waitress
    refuses a body past the app's own cap before buffering it (the app answers 413 for an
    announced one first)."""
    from waitress.server import create_server

    from app.request_limits import max_body_bytes

    _raise_open_files_limit(OPEN_FILES)
    return create_server(
        wsgi_app,
        host=host,
        port=port,
        max_request_body_size=max_body_bytes(max_upload_mb),
        **SERVE_OPTIONS,
    )


def _raise_open_files_limit(wanted: int) -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


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


@cli.command(help="run the modules' background workers (e.g. the SMS outbox) until stopped")
def worker() -> int:
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
    threads = start_workers(registry, cli_core(registry, sessions), stop)
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


@cli.group(help="database schema")
def db() -> None:
    pass


@db.command(help="apply migrations and load the shipped boundaries")
def upgrade() -> int:
    from app.factory import prepare_database

    settings = load_settings()
    prepare_database(settings)
    print(f"database ready: {settings.resolved_database_url}")
    return 0


@cli.command(help="write a backup of the database to FILE (SQLite: online; PostgreSQL: pg_dump)")
@click.argument("file")
def backup(file: str) -> int:
    from store.backup import backup as write_backup

    settings = load_settings()
    outcome = write_backup(settings.resolved_database_url, Path(file))
    print(outcome.text("backup written"))
    return 0


@cli.command(
    help="restore a backup made by `onemap backup` into the configured database, which must "
    "be empty (or, with --force, a SQLite file to replace; stop the app first)"
)
@click.argument("file")
@click.option("--force", is_flag=True, help="replace a SQLite database that holds data")
def restore(file: str, force: bool) -> int:
    from store.backup import restore as restore_backup

    settings = load_settings()
    outcome = restore_backup(settings.resolved_database_url, Path(file), force=force)
    print(outcome.text(f"restored into {_safe_url(settings.resolved_database_url)} from"))
    return 0


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@cli.group(help="administrative boundaries")
def boundaries() -> None:
    pass


@boundaries.command(name="build", help="build the four shipped levels from their sources")
@click.option("--out", help="output directory (default: data/boundaries)")
@click.option("--sources", help="sources directory (default: data/boundaries/sources)")
def boundaries_build(out: str | None, sources: str | None) -> int:
    from layers.build import write_boundaries
    from layers.sources import BOUNDARIES_DIR, SOURCES_DIR

    started = time.perf_counter()
    paths = write_boundaries(
        Path(out) if out else BOUNDARIES_DIR, Path(sources) if sources else SOURCES_DIR
    )
    elapsed = time.perf_counter() - started
    for level, path in paths.items():
        print(f"{level:8s} {path}  {path.stat().st_size / 1024:.0f} KiB")
    print(f"built in {elapsed:.1f} s")
    return 0


@boundaries.command(
    name="import",
    help=(
        "Replace generated town or village polygons with real ones from GeoJSON, GeoPackage or "
        "Shapefile, all or nothing. Every feature is validated first; a file with any bad "
        "feature changes nothing and the report names each bad feature and why."
    ),
)
@click.option("--level", required=True, type=click.Choice(["town", "village"]))
@click.argument("file")
@click.option(
    "--crs",
    help="coordinate system of the file: wgs84, gcj02, bd09 or EPSG:n "
    "(default: the file's own, else wgs84)",
)
@click.option(
    "--code-field", help="attribute holding the division code (default: code, adcode, 区划代码)"
)
@click.option("--dry-run", is_flag=True, help="validate and report, change nothing")
@click.option(
    "--max-size",
    type=click.IntRange(1, 2048),
    default=50,
    show_default=True,
    metavar="MB",
    help="refuse files (a zip: what it unpacks to) larger than this",
)
@click.option(
    "--wait",
    "wait_seconds",
    type=click.FloatRange(0, 600),
    default=30.0,
    show_default=True,
    help="seconds to wait for another import of the same database",
)
def boundaries_import(
    level: str,
    file: str,
    crs: str | None,
    code_field: str | None,
    dry_run: bool,
    max_size: int,
    wait_seconds: float,
) -> int:
    from access import audit
    from app.factory import prepare_database
    from layers.importing import import_boundaries
    from store.engine import make_session
    from store.transactions import write_transaction

    engine = prepare_database(load_settings())
    report = import_boundaries(
        engine,
        level=level,
        path=Path(file),
        crs=crs,
        code_field=code_field,
        dry_run=dry_run,
        max_bytes=max_size * 1024 * 1024,
        wait_seconds=wait_seconds,
    )
    if report.ok and not report.dry_run:

        def record(session) -> None:
            audit.record(
                session,
                "data.change",
                login="cli",
                target=f"boundaries:{level}",
                detail={"file": file, "imported": report.imported},
            )

        write_transaction(make_session(engine), record)
    print(report.text())
    return 0 if report.ok else 1


def _sessions():
    from app.factory import prepare_database
    from store.engine import make_session

    return make_session(prepare_database(load_settings()))


def _write(work):
    """Run `work(session)` as one write transaction (store.transactions): it waits for
    another writer's lock and is run again when the database refused it, instead of failing
    at once because it read before it wrote (SQLite's BUSY_SNAPSHOT)."""
    from store.transactions import write_transaction

    return write_transaction(_sessions(), work)


def _user_or_fail(session, login: str):
    from app.accounts import AccountError, get_user

    user = get_user(session, login)
    if user is None:
        raise AccountError(f"no user with login {login!r}")
    return user


def _password(from_stdin: bool) -> tuple[str, bool]:
    """(password, generated): from stdin with --password-stdin, else a random one to print."""
    import secrets

    if from_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    return secrets.token_urlsafe(12), True


def _audit_cli(session, action: str, target: str, **detail) -> None:
    from access import audit

    audit.record(session, action, login="cli", target=target, detail=detail)


@cli.group(help="accounts")
def users() -> None:
    pass


@users.command(name="add", help="add a user (a password is generated unless given)")
@click.argument("login")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option(
    "--jurisdiction",
    "jurisdictions",
    required=True,
    multiple=True,
    metavar="CODE",
    help="division code (repeatable)",
)
@click.option("--name", help="display name")
@click.option("--password-stdin", is_flag=True, help="read the password from stdin")
def users_add(
    login: str, role: str, jurisdictions: tuple[str, ...], name: str | None, password_stdin: bool
) -> int:
    from app import accounts

    password, generated = _password(password_stdin)
    scopes = list(jurisdictions)

    def work(session) -> None:
        accounts.add_user(session, login, role, scopes, name, password)
        _audit_cli(session, "user.change", login, op="add", role=role, scopes=scopes)

    _write(work)
    print(f"user {login} added ({role}: {' '.join(scopes)})")
    if generated:
        print(f"password: {password}")
    return 0


@users.command(name="list", help="list users")
def users_list() -> int:
    from app import accounts

    with _sessions()() as session:
        for user, scopes in accounts.list_users(session):
            state = "active" if user.active else "disabled"
            print(f"{user.login}\t{user.role}\t{' '.join(scopes)}\t{state}\t{user.name}")
    return 0


@users.command(name="disable", help="disable a user, ending its sessions and tokens")
@click.argument("login")
def users_disable(login: str) -> int:
    from app import accounts

    def work(session) -> None:
        accounts.disable(session, _user_or_fail(session, login))
        _audit_cli(session, "user.change", login, op="disable")

    _write(work)
    print(f"user {login} disabled; its sessions and tokens ended")
    return 0


@users.command(name="set-password", help="set a user's password")
@click.argument("login")
@click.option("--password-stdin", is_flag=True, help="read the password from stdin")
def users_set_password(login: str, password_stdin: bool) -> int:
    from app import accounts

    password, generated = _password(password_stdin)

    def work(session) -> None:
        accounts.set_password(session, _user_or_fail(session, login), password)
        _audit_cli(session, "user.change", login, op="set-password")

    _write(work)
    print(f"password of {login} set; its sessions ended")
    if generated:
        print(f"password: {password}")
    return 0


@users.command(name="grant", help="add jurisdictions or change the role")
@click.argument("login")
@click.option("--jurisdiction", "jurisdictions", multiple=True, metavar="CODE")
@click.option("--role", type=click.Choice(ROLES))
def users_grant(login: str, jurisdictions: tuple[str, ...], role: str | None) -> int:
    from app import accounts

    scopes = list(jurisdictions) or None

    def work(session) -> None:
        accounts.grant(session, _user_or_fail(session, login), scopes or [], role)
        _audit_cli(session, "user.change", login, op="grant", role=role, scopes=scopes)

    _write(work)
    print(f"user {login} updated")
    return 0


@cli.group(help="API tokens")
def tokens() -> None:
    pass


@tokens.command(name="create", help="create a token; printed alone on the last line")
@click.argument("login")
@click.option("--label")
def tokens_create(login: str, label: str | None) -> int:
    from app import accounts

    def work(session) -> str:
        user = _user_or_fail(session, login)
        if not user.active:
            raise accounts.AccountError(f"user {login!r} is disabled")
        token = accounts.create_token(session, user, label)
        _audit_cli(session, "token.change", login, op="create", prefix=token[:9])
        return token

    token = _write(work)
    print(f"token for {login} (shown once, store it now):")
    print(token)
    return 0


@tokens.command(name="revoke", help="revoke a token (the token or its prefix)")
@click.argument("token")
def tokens_revoke(token: str) -> int:
    from app import accounts

    def work(session) -> int:
        count = accounts.revoke_token(session, token)
        _audit_cli(session, "token.change", token[:9], op="revoke", count=count)
        return count

    count = _write(work)
    if not count:
        print("onemap: no active token matches", file=sys.stderr)
        return 1
    print(f"revoked {count} token(s)")
    return 0


@tokens.command(name="list", help="list tokens (prefix, user id, state)")
@click.argument("login", required=False)
def tokens_list(login: str | None) -> int:
    from app import accounts

    with _sessions()() as session:
        user = _user_or_fail(session, login) if login else None
        for token in accounts.list_tokens(session, user):
            state = "revoked" if token.revoked_at else "active"
            print(f"{token.prefix}\t{token.user_id}\t{state}\t{token.label or ''}")
    return 0


def cli_core(registry, sessions):
    """The CoreServices of command-line work and workers: the system viewer, no request."""
    from access.scoped import system_viewer
    from app.core import build_core

    def viewer():
        with sessions() as session:
            return system_viewer(session, registry.grants)

    return build_core(registry, viewer, sessions)


def build_cli() -> click.Group:
    """The whole command tree: the core's commands, then each module's (register_commands).
    Modules get a `core` whose database is opened on first use, not here."""
    from app.registry import ModuleRegistry
    from store.engine import make_session

    root = click.Group(
        name=cli.name,
        commands=dict(cli.commands),
        callback=cli.callback,
        params=list(cli.params),
        help=cli.help,
        context_settings=cli.context_settings,
    )
    try:
        settings = load_settings()
    except SettingsError:
        return root  # `main` reports the configuration error when a command needs it
    registry = ModuleRegistry(settings.modules_disabled)
    holder: dict = {}

    def sessions():
        if "factory" not in holder:
            from app.factory import prepare_database

            holder["factory"] = make_session(prepare_database(settings, registry))
        return holder["factory"]()

    registry.call("register_commands", commands=root, core=cli_core(registry, sessions))
    return root


def main(argv: list[str] | None = None) -> int:
    """Run one command; its exit status (2 for a usage or configuration error, 75 when the
    database is busy or unreachable: try again later)."""
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from store.backup import BackupError
    from store.faults import fault_of

    try:
        result = build_cli().main(args=argv, prog_name="onemap", standalone_mode=False)
    except BackupError as exc:
        print(f"onemap: {exc}", file=sys.stderr)
        return 1
    except (DBAPIError, PoolTimeout, OSError) as exc:
        # A locked, restarting or full database is the machine's state, not a bug: one
        # sentence (the details under --verbose), never a traceback.
        fault = fault_of(exc)
        if fault is None and isinstance(exc, OSError):
            raise
        LOGGER.debug("database error", exc_info=exc)
        if fault is None:
            print(f"onemap: the database refused: {_one_line(exc)}", file=sys.stderr)
            return 1
        print(f"onemap: {fault.text}", file=sys.stderr)
        return EXIT_TEMPFAIL if fault.transient else 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        print("onemap: aborted", file=sys.stderr)
        return 1
    except SettingsError as exc:
        print(f"onemap: configuration error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # AccountError and bad codes: a sentence, not a traceback
        print(f"onemap: {exc}", file=sys.stderr)
        return 1
    return result if isinstance(result, int) else 0


def _one_line(error: BaseException) -> str:
    original = getattr(error, "orig", None) or error
    lines = str(original).strip().splitlines()
    return lines[0] if lines else type(error).__name__


if __name__ == "__main__":
    sys.exit(main())
