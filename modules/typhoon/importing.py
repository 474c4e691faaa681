"""One import of a storm file, whichever door it comes through (CLI, page, API): the same
size cap, the same decoder (`decode_text`: UTF-8 or GBK, anything else refused with what to
do), the same checks, the same answer, in English and zh-CN.

All or nothing: the file is read and checked whole before one transaction stores it. Two
imports of one storm at once run one after the other (storage.lock); a file that holds what
is stored changes nothing and says it was already imported, so a double submit is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from modules.sdk import Unreadable, Viewer, check_size, decode_text, record_audit
from modules.typhoon import checks, settings, storage
from modules.typhoon.owners import NotYours
from modules.typhoon.parsers import FORMATS, parse
from modules.typhoon.track import (
    ParseError,
    Problem,
    StormData,
    storm_id_ok,
    summary,
    summary_zh,
)
from modules.typhoon.transactions import Busy, retried

WHAT = {
    "cma": "CMA best-track file",
    "jma": "JMA best-track file",
    "csv": "CSV",
    "json": "JSON",
    "wtpq": "CMA advisory (WTPQ20 BABJ)",
}


@dataclass
class Outcome:
    """What an import did, or why it did nothing; `status` is its HTTP meaning."""

    status: int
    imported: list[str] = field(default_factory=list)  # storms stored or changed
    unchanged: list[str] = field(default_factory=list)  # held already: nothing changed
    problems: list[Problem] = field(default_factory=list)
    total: int = 0  # problems found (the first ones are kept)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (English, zh-CN)
    error: str = ""
    error_zh: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200

    def text(self) -> str:
        if not self.ok:
            return self.error
        parts = []
        if self.imported:
            parts.append(f"imported storm(s) {', '.join(self.imported)}")
        if self.unchanged:
            parts.append(
                f"already imported with the same content, nothing changed: "
                f"{', '.join(self.unchanged)}"
            )
        return "; ".join(parts + [en for en, _ in self.notes])

    def text_zh(self) -> str:
        if not self.ok:
            return self.error_zh
        parts = []
        if self.imported:
            parts.append(f"已导入：{'、'.join(self.imported)}")
        if self.unchanged:
            parts.append(f"已导入过且内容相同，未作更改：{'、'.join(self.unchanged)}")
        return "；".join(parts + [zh for _, zh in self.notes])

    def body(self) -> dict:
        """The API's answer."""
        if self.ok:
            return {
                "imported": self.imported,
                "unchanged": self.unchanged,
                "message": self.text_zh(),
                "message_en": self.text(),
            }
        return {
            "error": self.error,
            "error_zh": self.error_zh,
            "message": self.error_zh,
            "status": self.status,
            "problems": [
                {"line": p.line, "error": p.reason, "error_zh": p.reason_zh} for p in self.problems
            ],
            "total": self.total,
        }


def refused(status: int, reason: str, reason_zh: str) -> Outcome:
    """A refusal of the file as a whole."""
    problem = Problem(None, reason, reason_zh)
    return Outcome(
        status,
        problems=[problem],
        total=1,
        error=summary([problem], 1),
        error_zh=summary_zh([problem], 1),
    )


def too_large(size: int, limit: int) -> Outcome | None:
    """The refusal of a file of `size` bytes, or None when it fits."""
    try:
        check_size(size, limit)
    except Unreadable as error:
        return refused(413, error.reason, error.reason_zh)
    return None


def read(data: bytes, fmt: str, storm: str | None, now: datetime | None = None):
    """The storms of a file, checked; or the Outcome refusing it."""
    if fmt not in FORMATS:
        return refused(
            400,
            f"format should be one of {', '.join(FORMATS)}",
            f"请选择文件格式（{'、'.join(FORMATS)}）",
        )
    if storm is not None and not storm_id_ok(storm):
        return refused(
            400,
            "the storm number should be letters and digits, at most 16 (e.g. 1521)",
            "台风编号应为字母和数字，至多16位（如 1521）",
        )
    big = too_large(len(data), settings.max_file_bytes())
    if big is not None:
        return big
    try:
        storms = parse(decode_text(data, WHAT[fmt]), fmt, storm, now)
        checks.check(storms, now)
    except Unreadable as error:
        return refused(400, error.reason, error.reason_zh)
    except ParseError as error:
        return Outcome(
            400,
            problems=error.errors,
            total=error.total,
            error=error.text(),
            error_zh=error.text_zh(),
        )
    return storms


def run(
    core,
    viewer: Viewer,
    data: bytes,
    fmt: str,
    storm: str | None = None,
    address: str | None = None,
    now: datetime | None = None,
) -> Outcome:
    """Import a file's bytes as `viewer` (who must hold `import`: the caller checks)."""
    storms = read(data, fmt, storm, now)
    if isinstance(storms, Outcome):
        return storms
    return store(core, viewer, storms, fmt, address)


def store(core, viewer: Viewer, storms: list[StormData], fmt: str, address: str | None) -> Outcome:
    ids = [s.id for s in storms]

    def work() -> list[storage.Saved]:
        with core.sessions() as session, session.begin():
            storage.lock(session, ids)
            saved = [storage.save(session, data, viewer) for data in storms]
            changed = [s.storm.id for s in saved if s.changed]
            if changed:
                record_audit(
                    session,
                    "data.change",
                    viewer,
                    target="typhoon.import",
                    address=address,
                    detail={"storms": changed, "format": fmt},
                )
        return saved

    try:
        saved = retried(work, f"typhoon import of {', '.join(ids)}")
    except NotYours as error:
        return refused(403, error.reason, error.reason_zh)
    except Busy:
        return refused(503, Busy.reason, Busy.reason_zh)
    outcome = Outcome(
        200,
        imported=[s.storm.id for s in saved if s.changed],
        unchanged=[s.storm.id for s in saved if not s.changed],
    )
    for s in saved:
        if s.kept_levels and s.changed:
            levels = "、".join(f"{lv}级" for lv in s.kept_levels)
            outcome.notes.append(
                (
                    f"storm {s.storm.id}: the file carries no level "
                    f"{'/'.join(map(str, s.kept_levels))} wind radii, so those of "
                    f"{s.kept_fixes} fixes were kept from before",
                    f"台风 {s.storm.id}：文件不含{levels}风圈半径，已保留原有半径"
                    f"（{s.kept_fixes}个定位点）",
                )
            )
    return outcome
