"""What a contacts import did, or why it did nothing: zh-CN for the page, English for the
CLI and logs; problems named by row and column, or 文件 for the file as a whole."""

from __future__ import annotations

from dataclasses import dataclass, field

from modules.sdk import RowError

SHOWN_ERRORS = 200


@dataclass
class ImportReport:
    """What an import did, or why it did nothing: in zh-CN for the page (`text_zh`), in
    English for the CLI and logs (`text`)."""

    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    more: int = 0  # problems found past KEPT_ERRORS, counted only
    note: str = ""  # what the file carried that nobody reads (Table.note())
    note_zh: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def problems(self) -> int:
        return len(self.errors) + self.more

    @classmethod
    def refused(cls, errors: list[RowError]) -> ImportReport:
        return cls(errors=list(errors))

    def text_zh(self) -> str:
        if self.ok:
            lines = [
                f"导入成功：共 {self.rows} 行，新增 {self.added} 人，更新 {self.updated} 人，"
                f"{self.unchanged} 人无变化。"
            ]
            if not self.added and not self.updated:
                lines.append("文件内容与已有联系人完全一致，未做任何修改（该文件可能已导入过）。")
        else:
            lines = [f"导入失败，未做任何修改（{self.problems} 处错误）："]
            lines += [error.text_zh() for error in self.errors[:SHOWN_ERRORS]]
            if self.problems > SHOWN_ERRORS:
                lines.append(f"……另有 {self.problems - SHOWN_ERRORS} 处错误")
        if self.note_zh:
            lines.append(f"注意：{self.note_zh}。")
        return "\n".join(lines)

    def text(self) -> str:
        if self.ok:
            lines = [
                f"OK: {self.rows} rows; added {self.added}, updated {self.updated}, "
                f"unchanged {self.unchanged} contacts."
            ]
        else:
            lines = [f"REJECTED: {self.problems} problem(s); nothing was changed."]
            lines += [f"  - {error.text()}" for error in self.errors[:SHOWN_ERRORS]]
            if self.problems > SHOWN_ERRORS:
                lines.append(f"  ... and {self.problems - SHOWN_ERRORS} more")
        if self.note:
            lines.append(f"Note: {self.note}.")
        return "\n".join(lines)
