"""The page 导入重点部位 (permission "import"): upload a CSV, XLSX or GeoJSON file, choose its
coordinate system, check or import; the report lists every problem by row."""

from __future__ import annotations

from dash import dcc, html

from modules.flood import settings
from modules.flood.importer import ImportResult
from modules.flood.pages import FIELD_STYLE, PAGE_STYLE

CRS_OPTIONS = [
    {"label": "WGS84（GPS 原始坐标）", "value": "wgs84"},
    {"label": "GCJ-02（高德、腾讯地图）", "value": "gcj02"},
    {"label": "BD-09（百度地图）", "value": "bd09"},
    {"label": "CGCS2000 经纬度（EPSG:4490）", "value": "EPSG:4490"},
    {"label": "CGCS2000 3度带 120°E（EPSG:4549）", "value": "EPSG:4549"},
]


def report(result: ImportResult) -> list:
    parts: list = [
        html.P(
            result.summary_zh(),
            id="flood-import-summary",
            style={"color": "#2ca02c" if result.ok else "#d62728", "fontWeight": "bold"},
        )
    ]
    if result.note_zh:
        parts.append(html.P(f"注意：{result.note_zh}。", id="flood-import-note"))
    if result.errors:
        parts.append(
            html.Ol(
                [html.Li(error.text_zh()) for error in result.errors[:500]],
                id="flood-import-errors",
                style={"listStyle": "none", "paddingLeft": 0},
            )
        )
        if len(result.errors) > 500:
            parts.append(html.P(f"……另有 {len(result.errors) - 500} 处问题未列出。"))
    return parts


def import_layout(core):
    def layout(**_query):
        viewer = core.viewer()
        limit = settings.import_max_bytes()
        if not viewer.can("import"):
            return html.Div(
                html.P("您没有导入数据的权限。", className="notice-denied"), style=PAGE_STYLE
            )
        return html.Div(
            [
                html.H2("导入重点部位"),
                html.P(
                    "支持 CSV、XLSX、GeoJSON。列：名称、类别、风险等级（红/橙/黄/蓝）、"
                    "责任人、联系电话、巡查周期（天）、经度、纬度。全部正确才导入；"
                    "同一村居内同名的部位将被更新，文件中没有的列保持原值不变；"
                    "导出的文件可直接导入（打码的电话保留原号码）。只接受您辖区内的点位。"
                ),
                dcc.Upload(
                    id="flood-import-file",
                    children=html.Div(f"选择文件（不超过 {settings.size_label(limit)}）"),
                    # The browser refuses a larger file before sending it; the server
                    # checks again (import_file), as anything a browser sends may be forged.
                    max_size=limit,
                    style={**FIELD_STYLE, "border": "1px dashed #999", "padding": "8px"},
                ),
                html.Div(id="flood-import-chosen"),
                html.Label("坐标系", htmlFor="flood-import-crs"),
                dcc.Dropdown(
                    id="flood-import-crs",
                    options=CRS_OPTIONS,
                    value="wgs84",
                    clearable=False,
                    style=FIELD_STYLE,
                ),
                dcc.Checklist(
                    id="flood-import-dry-run",
                    options=[{"label": "仅检查，不导入", "value": "dry"}],
                    value=[],
                    style=FIELD_STYLE,
                ),
                html.Button("导入", id="flood-import-submit", n_clicks=0, style=FIELD_STYLE),
                html.Div(id="flood-import-report", role="status"),
            ],
            style=PAGE_STYLE,
        )

    return layout
