"""Exposure tables for download: a summary per unit and circle level, then every unit's and
site's enter/leave times. CSV (UTF-8 with BOM, opens in Excel) or XLSX, through the SDK's
writers, so no name (a storm's, a unit's, a key point's) runs as a formula. Times Beijing."""

from __future__ import annotations

from modules.sdk import csv_bytes, xlsx_bytes
from modules.typhoon.service import LEVEL_LABELS, beijing, detail_rows, summary_rows

FMT = "%Y-%m-%d %H:%M"
# Intervals are half-open: the leaving time is the first minute outside the circle.
HALF_OPEN = "进入时刻起在圈内；离开时刻为首个已在圈外的分钟（该分钟不再计入）。"
SUMMARY = (
    "代码",
    "名称",
    "层级",
    "风圈",
    "村居数",
    "重点部位数",
    "最早进入（北京时）",
    "最晚离开（北京时，已在圈外）",
)
DETAIL = (
    "代码/编号",
    "名称",
    "类别",
    "风圈",
    "进入（北京时）",
    "离开（北京时，已在圈外）",
    "最近距离（公里）",
    "最近时刻（北京时）",
)


def tables(storm, timeline) -> tuple[list[list], list[list]]:
    summary = [
        [
            r["code"],
            r["name"],
            LEVEL_LABELS[r["unit_level"]],
            f"{r['circle']}级",
            r["villages"],
            r["sites"],
            beijing(r["from"], FMT),
            beijing(r["until"], FMT),
        ]
        for r in summary_rows(timeline)
    ]
    detail = [
        [
            r["key"],
            r["name"],
            LEVEL_LABELS[r["kind"]],
            f"{r['circle']}级",
            beijing(r["from"], FMT),
            beijing(r["until"], FMT),
            r["closest_km"],
            beijing(r["closest_at"], FMT),
        ]
        for r in detail_rows(timeline)
    ]
    return summary, detail


def to_csv(storm, timeline, track: str = "") -> bytes:
    """One CSV: a title, what the track is read from (`track`, e.g. 最佳路径、实况（CMA报文）),
    the summary, then the details (every cell written inert)."""
    summary, detail = tables(storm, timeline)
    rows = [
        *([["实况路径", track]] if track else []),
        SUMMARY,
        *summary,
        [],
        ["逐个单位与重点部位"],
        DETAIL,
        *detail,
    ]
    return csv_bytes([f"台风 {storm.id} {storm.name_zh} 风圈影响汇总"], rows)


def to_xlsx(storm, timeline, track: str = "") -> bytes:
    summary, detail = tables(storm, timeline)
    about = [
        ["名称", storm.name_zh or storm.name_en],
        ["数据来源", storm.source],
        *([["实况路径", track]] if track else []),
        ["风圈说明", storm.radii_note],
        ["时段", HALF_OPEN],
    ]
    return xlsx_bytes(
        [
            ("汇总", SUMMARY, summary),
            ("明细", DETAIL, detail),
            ("说明", ("台风", storm.id), about),
        ]
    )
