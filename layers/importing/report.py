"""What an import tells its caller: the report, the reasons a file was refused, and the
wording of areas and shares in them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from layers.importing.limits import ERRORS_SHOWN, IMPORT_LEVELS


@dataclass(frozen=True)
class FeatureError:
    """One reason a file cannot be imported: which feature (1-based), which code, why."""

    feature: int | None  # 1-based row number; None for the file as a whole
    code: str | None
    reason: str  # plain English, for logs and the CLI
    reason_zh: str  # short zh-CN sentence for on-screen use
    name: str | None = None

    def where(self, path: Path | None = None) -> str:
        label = " ".join(part for part in (self.code, self.name) if part)
        if self.feature is not None:
            return f"feature {self.feature}" + (f" ({label})" if label else "")
        if label:
            return label
        return path.name if path is not None else "file"

    def text(self, path: Path | None = None) -> str:
        if self.feature is None and path is not None and self.reason.startswith(path.name):
            return self.reason  # it names the file already
        return f"{self.where(path)}: {self.reason}"

    def where_zh(self, path: Path | None = None) -> str:
        label = " ".join(part for part in (self.code, self.name) if part)
        if self.feature is not None:
            return f"第 {self.feature} 个要素" + (f"（{label}）" if label else "")
        if label:
            return label
        return f"文件 {path.name}" if path is not None else "文件"

    def text_zh(self, path: Path | None = None) -> str:
        """'第 3 个要素（350304100000 西天尾镇）：…', for pages."""
        if self.feature is None and path is not None and path.name in self.reason_zh:
            return self.reason_zh
        return f"{self.where_zh(path)}：{self.reason_zh}"


@dataclass
class ImportReport:
    """What an import did (or, when not ok, why it did nothing)."""

    path: Path
    level: str
    ok: bool = False
    dry_run: bool = False
    errors: list[FeatureError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    features_read: int = 0
    crs: str | None = None  # how the coordinates were read, e.g. "gcj02 (from --crs)"
    code_field: str | None = None
    imported: int = 0
    regenerated_neighbours: int = 0
    regenerated_villages: int = 0
    imported_units: list[tuple[str, str]] = field(default_factory=list)  # (code, name)
    version: int | None = None  # the boundaries version after the import
    seconds: float = 0.0

    def add_notes(self, notes: Iterable[str]) -> None:
        """Append notes, each once: a retried import computes the same ones again."""
        self.notes = list(dict.fromkeys([*self.notes, *notes]))

    def text(self) -> str:
        """The multi-line report `onemap boundaries import` prints."""
        noun = self.level if self.level in IMPORT_LEVELS else "boundary"
        lines = [f"Import of {noun} boundaries from {self.path}"]
        facts = [f"{self.features_read} feature{'s' if self.features_read != 1 else ''} read"]
        if self.code_field:
            facts.append(f"code field '{self.code_field}'")
        if self.crs:
            facts.append(f"coordinates {self.crs}")
        lines.append("  " + "; ".join(facts))
        if not self.ok:
            count = len(self.errors)
            lines.append(
                f"REJECTED: {count} problem{'s' if count != 1 else ''}; nothing was changed."
            )
            lines.extend(f"  - {error.text(self.path)}" for error in self.errors[:ERRORS_SHOWN])
            if count > ERRORS_SHOWN:
                lines.append(f"  ... and {count - ERRORS_SHOWN} more problems")
        else:
            units = ", ".join(f"{code} {name}" for code, name in self.imported_units)
            plural = "s" if self.imported != 1 else ""
            regenerated = f"{self.regenerated_neighbours} generated neighbouring {noun}s"
            if self.level == "town":
                regenerated += (
                    f" and {self.regenerated_villages} generated villages of the changed towns"
                )
            if self.dry_run:
                lines.append("DRY RUN: the file is valid; nothing was changed. Importing it would")
                lines.append(f"  replace {self.imported} {noun}{plural}: {units}")
                lines.append(f"  and regenerate {regenerated}")
            else:
                lines.append(f"OK: imported {self.imported} {noun}{plural}: {units}")
                lines.append(f"  regenerated {regenerated}")
                lines.append(f"  boundaries version is now {self.version}")
        if self.notes:
            lines.append("Notes:")
            lines.extend(f"  - {note}" for note in self.notes)
        lines.append(f"({self.seconds:.1f} s)")
        return "\n".join(lines)

    def text_zh(self) -> str:
        """The outcome in zh-CN, for pages: what was refused and why, or what was imported."""
        noun = LEVEL_NOUNS_ZH.get(self.level, "边界")
        lines = [f"导入{noun}边界：{self.path.name}（读取 {self.features_read} 个要素）"]
        if not self.ok:
            lines.append(f"已拒绝：共 {len(self.errors)} 个问题，未做任何修改。")
            lines.extend(f"  - {e.text_zh(self.path)}" for e in self.errors[:ERRORS_SHOWN])
            if len(self.errors) > ERRORS_SHOWN:
                lines.append(f"  …… 另有 {len(self.errors) - ERRORS_SHOWN} 个问题未列出")
        elif self.dry_run:
            lines.append(f"试运行：文件有效，未做任何修改；导入将替换 {self.imported} 个{noun}。")
        else:
            units = "、".join(f"{name}（{code}）" for code, name in self.imported_units)
            lines.append(f"已导入 {self.imported} 个{noun}：{units}。")
        return "\n".join(lines)


LEVEL_NOUNS_ZH = {"town": "镇街", "village": "村居"}


class Rejected(Exception):
    """Validation or planning found problems; nothing may be written."""

    def __init__(self, errors: list[FeatureError]) -> None:
        super().__init__("; ".join(error.reason for error in errors))
        self.errors = errors


def file_error(reason: str, reason_zh: str) -> FeatureError:
    """A problem of the file as a whole rather than of one feature."""
    return FeatureError(None, None, reason, reason_zh)


def km2(m2: float) -> str:
    return f"{m2 / 1e6:.3f} km²" if m2 >= 1000 else f"{m2:.0f} m²"


def pct(share: float) -> str:
    return f"{share * 100:.1f}%" if share >= 0.001 else f"{share * 100:.2f}%"
