"""The briefing as a printable A4 page: 第N期防汛防台会商简报 (【演练】 for a drill), the static
SVG map with its legend, the key figures, the change since the previous round and the
decisions. No script: a browser prints it as it is and WeasyPrint renders it to PDF."""

from __future__ import annotations

from modules.consult.briefing.document import heading
from modules.consult.briefing.sections import (
    FONT_STACK,
    SECTION_CSS,
    body_sections,
    esc,
    header_html,
)
from modules.consult.briefing.svg_map import legend_html, svg_map

# On paper, per item: members named before "等N个", and members whose figures changed
# (an ETA per town) before "另有N项变化"; the workbook and the HTML map list them all.
NAMES_ON_PAPER = 40
CHANGED_ON_PAPER = 8
PRINT_CSS = f"""
@page {{
  size: A4;
  margin: 16mm 14mm 18mm;
  @bottom-center {{ content: "第 " counter(page) " 页 / 共 " counter(pages) " 页";
    font-family: {FONT_STACK}; font-size: 8pt; color: #667; }}
}}
html {{ font-family: {FONT_STACK}; font-size: 10.5pt; color: #1a1f24; line-height: 1.45; }}
body {{ margin: 0; }}
.briefing-header {{ border-bottom: 3px double #c92a2a; padding-bottom: 4mm; margin-bottom: 4mm; }}
.briefing-header h1 {{ font-size: 18pt; text-align: center; color: #c92a2a; }}
.briefing-header p {{ text-align: center; }}
figure.map {{ margin: 0 0 2mm; break-inside: avoid; }}
figure.map svg.briefing-map {{ width: 100%; height: auto; display: block; }}
.legend {{ list-style: none; padding: 0; margin: 1.5mm 0 0; font-size: 8.5pt; }}
.legend li {{ display: inline-block; margin: 0 4mm 1mm 0; white-space: nowrap; }}
.legend svg {{ vertical-align: middle; margin-right: 1mm; }}
tr, .decisions li, .change h3 {{ break-inside: avoid; }}
h2, h3 {{ break-after: avoid; }}
.taken-footer {{ margin-top: 6mm; font-size: 8pt; color: #667; border-top: 1px solid #ccd;
  padding-top: 2mm; }}
@media screen {{
  body {{ max-width: 182mm; margin: 8mm auto; padding: 0 6mm; }}
}}
"""


def print_html(doc: dict) -> str:
    """The printable page (a complete HTML document), from the snapshot document only."""
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(heading(doc))}</title>"
        f"<style>{PRINT_CSS}{SECTION_CSS}</style></head><body>"
        f"{header_html(doc)}"
        f'<figure class="map">{svg_map(doc)}{legend_html(doc)}</figure>'
        f"{body_sections(doc, names_limit=NAMES_ON_PAPER, changed_limit=CHANGED_ON_PAPER)}"
        '<p class="taken-footer">本简报由会商快照生成，内容为冻结时的态势，不随实时数据变化。</p>'
        "</body></html>"
    )
