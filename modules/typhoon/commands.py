"""`onemap typhoon import FILE --format cma|jma|csv|json [--storm ID]` and
`onemap typhoon shipped` (load the storms shipped in modules/typhoon/data/)."""

from __future__ import annotations

from pathlib import Path

import click

from modules.typhoon import storage
from modules.typhoon.routes import import_text
from modules.typhoon.track import ParseError


def add_commands(commands: click.Group, core) -> None:
    @commands.group(help="typhoon tracks and forecasts (台风)")
    def typhoon() -> None:
        pass

    @typhoon.command(name="import", help="add a storm or a forecast from a file")
    @click.argument("file")
    @click.option(
        "--format", "fmt", required=True, type=click.Choice(("cma", "jma", "csv", "json"))
    )
    @click.option("--storm", help="only this storm (its China number, e.g. 1521)")
    def import_file(file: str, fmt: str, storm: str | None) -> int:
        return do_import(core, file, fmt, storm)

    @typhoon.command(help="load the storms shipped in modules/typhoon/data/")
    def shipped() -> int:
        with core.sessions() as session, session.begin():
            ids = storage.load_shipped(session)
        print(f"已载入随附台风：{', '.join(ids)}")
        return 0


def do_import(core, file: str, fmt: str, storm: str | None) -> int:
    """Import a storm file as the system; the exit status (1: the file's report, 2: unread)."""
    try:
        text = Path(file).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        print(f"无法读取 {file}：{error}")
        return 2
    try:
        with core.sessions() as session, session.begin():
            ids = import_text(session, text, fmt, storm)
    except ParseError as error:
        print(str(error))
        return 1
    print(f"已导入台风：{', '.join(ids)}")
    return 0
