"""`onemap typhoon import FILE --format cma|jma|csv|json|wtpq [--storm ID]` and
`onemap typhoon shipped` (load the storms shipped in modules/typhoon/data/)."""

from __future__ import annotations

import sys

import click

from modules.sdk import Unreadable, read_file
from modules.typhoon import importing, settings, storage


def add_commands(commands: click.Group, core) -> None:
    @commands.group(help="typhoon tracks and forecasts (台风)")
    def typhoon() -> None:
        pass

    @typhoon.command(name="import", help="add a storm or a forecast from a file")
    @click.argument("file")
    @click.option("--format", "fmt", required=True, type=click.Choice(importing.FORMATS))
    @click.option("--storm", help="only this storm (its China number, e.g. 1521)")
    def import_file(file: str, fmt: str, storm: str | None) -> int:
        return do_import(core, file, fmt, storm)

    @typhoon.command(help="load the storms shipped in modules/typhoon/data/")
    def shipped() -> int:
        with core.sessions() as session, session.begin():
            ids = storage.load_shipped(session, core.viewer())
        print(f"loaded the shipped storms: {', '.join(ids)}")
        return 0


def do_import(core, file: str, fmt: str, storm: str | None) -> int:
    """Import a storm file as the system. Prints what was done or why not, in English then
    in zh-CN; the exit status: 0 imported, 1 refused (the reasons), 2 the file unread."""
    try:
        data = read_file(file, settings.max_file_bytes())
    except Unreadable as error:
        _say(importing.refused(413, error.reason, error.reason_zh))
        return 2
    outcome = importing.run(core, core.viewer(), data, fmt, storm)
    _say(outcome)
    return 0 if outcome.ok else 1


def _say(outcome: importing.Outcome) -> None:
    stream = sys.stdout if outcome.ok else sys.stderr
    print(outcome.text(), file=stream)
    print(outcome.text_zh(), file=stream)
