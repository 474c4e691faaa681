"""Readers of the storm file formats OneMap accepts; each raises track.ParseError listing
every bad line (number and reason, in English and zh-CN) and returns nothing when any line
is bad."""

from __future__ import annotations

from datetime import datetime

from modules.typhoon.parsers import cma, dt_csv, jma, ours, wtpq
from modules.typhoon.track import StormData

FORMATS = ("cma", "jma", "csv", "json", "wtpq")
FORMAT_LABELS = {
    "cma": "中国气象局最佳路径 (CH{年}BST.txt)",
    "jma": "日本气象厅最佳路径 (bst)",
    "dt": "Digital Typhoon CSV",
    "csv": "OneMap CSV（观测/预报）",
    "json": "OneMap JSON（观测/预报）",
    "wtpq": "中国气象局台风预报报文 (WTPQ20 BABJ)",
}


def parse(
    text: str, fmt: str, storm: str | None = None, now: datetime | None = None
) -> list[StormData]:
    """The storms in `text` (one when `storm` names it). `csv` is OneMap's own CSV, or a
    Digital Typhoon table when its header says so (then `storm` names the storm)."""
    if fmt == "cma":
        return cma.parse(text, storm)
    if fmt == "jma":
        return jma.parse(text, storm)
    if fmt == "dt" or (fmt == "csv" and dt_csv.looks_like(text)):
        return [dt_csv.parse(text, storm or "")]
    if fmt == "csv":
        return ours.parse_csv(text, storm)
    if fmt == "json":
        return ours.parse_json(text, storm)
    if fmt == "wtpq":  # the bulletin names no month or year: those of `now` (the import's)
        return wtpq.parse(text, storm, now)
    raise ValueError(f"unknown format {fmt!r}")
