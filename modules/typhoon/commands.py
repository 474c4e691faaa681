"""`onemap typhoon import FILE --format cma|jma|csv|json [--storm ID]` and
`onemap typhoon shipped` (load the storms shipped in modules/typhoon/data/)."""

from __future__ import annotations

from pathlib import Path

from modules.typhoon import storage
from modules.typhoon.routes import import_text
from modules.typhoon.track import ParseError


def add_commands(commands, core) -> None:
    typhoon = commands.add_parser("typhoon", help="typhoon tracks and forecasts (台风)")
    sub = typhoon.add_subparsers(dest="typhoon_command", required=True, metavar="ACTION")

    def do_import(args) -> int:
        try:
            text = Path(args.file).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            print(f"无法读取 {args.file}：{error}")
            return 2
        try:
            with core.sessions() as session, session.begin():
                ids = import_text(session, text, args.format, args.storm)
        except ParseError as error:
            print(str(error))
            return 1
        print(f"已导入台风：{', '.join(ids)}")
        return 0

    def do_shipped(args) -> int:
        with core.sessions() as session, session.begin():
            ids = storage.load_shipped(session)
        print(f"已载入随附台风：{', '.join(ids)}")
        return 0

    importer = sub.add_parser("import", help="add a storm or a forecast from a file")
    importer.add_argument("file")
    importer.add_argument("--format", required=True, choices=("cma", "jma", "csv", "json"))
    importer.add_argument("--storm", help="only this storm (its China number, e.g. 1521)")
    importer.set_defaults(func=do_import)
    shipped = sub.add_parser("shipped", help="load the storms shipped in modules/typhoon/data/")
    shipped.set_defaults(func=do_shipped)
