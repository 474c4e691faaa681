"""Exposure tables for download: a summary per unit and circle level, then every unit's and
site's enter/leave times. CSV (UTF-8 with BOM, opens in Excel) or XLSX. Times Beijing."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

from modules.typhoon.service import LEVEL_LABELS, beijing, detail_rows, summary_rows

FMT = "%Y-%m-%d %H:%M"
SUMMARY = (
    "代码",
    "名称",
    "层级",
    "风圈",
    "村居数",
    "重点部位数",
    "最早进入（北京时）",
    "最晚离开（北京时）",
)
DETAIL = (
    "代码/编号",
    "名称",
    "类别",
    "风圈",
    "进入（北京时）",
    "离开（北京时）",
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


def to_csv(storm, timeline) -> bytes:
    summary, detail = tables(storm, timeline)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([f"台风 {storm.id} {storm.name_zh} 风圈影响汇总"])
    writer.writerow(SUMMARY)
    writer.writerows(summary)
    writer.writerow([])
    writer.writerow(["逐个单位与重点部位"])
    writer.writerow(DETAIL)
    writer.writerows(detail)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(storm, timeline) -> bytes:
    summary, detail = tables(storm, timeline)
    book = Workbook()
    sheet = book.active
    sheet.title = "汇总"
    sheet.append(SUMMARY)
    for row in summary:
        sheet.append(row)
    second = book.create_sheet("明细")
    second.append(DETAIL)
    for row in detail:
        second.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
