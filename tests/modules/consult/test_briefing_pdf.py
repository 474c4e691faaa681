"""The printable A4 page and its PDF: headed 第N期防汛防台会商简报 (【演练】 for a drill), a
static SVG map of the outlines and features, the key figures, the change and the
decisions; the PDF is A4 and its text (pdftotext) is the Chinese of the page, set in an
embedded CJK font."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from modules.consult.briefing import briefing_pdf, print_html
from modules.consult.briefing.svg_map import HEIGHT, WIDTH, svg_map
from tests.modules.consult.briefing_fixture import (
    IMG_TEXT,
    SCRIPT_NAME,
    TEMPLATE_NAME,
    snapshot_document,
    villages,
)
from tests.support import require_or_skip

TOWNS = 57
HEADING = "【演练】第2期防汛防台会商简报"
CJK_FONTS = ("WenQuanYi", "NotoSansCJK", "NotoSerifCJK", "SourceHanSans", "SourceHanSerif")


@pytest.fixture(scope="module")
def page() -> str:
    return print_html(snapshot_document())


def test_the_page_is_a4_headed_by_the_round_and_marked_as_a_drill(page):
    assert page.startswith('<!DOCTYPE html><html lang="zh-CN">')
    assert re.search(r"@page\s*{\s*size: A4;", page)
    assert f"<h1>{HEADING}</h1>" in page
    assert "<h1>第2期防汛防台会商简报</h1>" in print_html(snapshot_document(drill=False))
    assert "<script" not in page.lower()  # prints as it is: nothing to run


def test_text_from_the_document_is_escaped(page):
    for hostile in (SCRIPT_NAME, TEMPLATE_NAME, IMG_TEXT):
        assert hostile not in page
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;东沙村" in page
    assert "&lt;img src=&quot;x&quot; onerror=&quot;window.__pwned = 2&quot;&gt;" in page


def test_long_lists_are_shortened_on_paper():
    doc = snapshot_document()
    many = villages("350322101000") + villages("350302101000")[:12]  # 51 villages
    doc["diff"]["items"][0]["entered"] = many
    page = print_html(doc)
    assert f"新进入七级风圈（{len(many)}）" in page
    assert f" 等{len(many)}个" in page
    assert many[39]["name"] in page and many[40]["name"] not in page
    eta = doc["diff"]["items"][1]
    eta["changed"] = [
        {"key": str(n), "row": {"name": f"第{n}镇"}, "fields": {"eta": [None, "2015-09-28T14:00Z"]}}
        for n in range(12)
    ]
    page = print_html(doc)
    assert "第7镇：预计到达 — → 2015-09-28 22:00" in page and "第8镇" not in page
    assert "另有4项变化" in page


def test_the_svg_map_draws_outlines_and_every_kind_of_feature():
    svg = svg_map(snapshot_document())
    assert svg.count('class="outline"') == TOWNS
    assert svg.count('class="town"') == TOWNS  # each town named
    assert "西天尾镇" in svg and "七级风圈" in svg
    assert svg.count('fill-opacity="0.16"') == 2  # 七级 and 十级 wind circles
    assert svg.count('fill="none" stroke="#c92a2a"') == 2  # track and forecast
    assert svg.count('stroke-dasharray="6 4"') == 1  # the forecast only
    assert svg.count("<circle") == 4  # the storm's centre and three stations
    assert "公里</text>" in svg  # a scale bar
    # Framed on the outlines: every outline vertex lies inside the picture.
    outlines = re.findall(r'<path d="([^"]+)" class="outline"', svg)
    numbers = [float(n) for d in outlines for n in re.findall(r"-?\d+\.?\d*", d)]
    xs, ys = numbers[0::2], numbers[1::2]
    assert 0 <= min(xs) and max(xs) <= WIDTH and 0 <= min(ys) and max(ys) <= HEIGHT
    assert max(xs) - min(xs) > WIDTH * 0.5 or max(ys) - min(ys) > HEIGHT * 0.8


def test_a_document_without_geometry_still_draws_a_frame():
    doc = snapshot_document(number=1)
    doc["outlines"] = None
    for item in doc["items"]:
        item["features"] = [{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": 5}}]
    page = print_html(doc)
    assert 'class="briefing-map"' in page and 'class="outline"' not in page
    assert "首期简报，无上期可比" in page


# --- the PDF --------------------------------------------------------------------------------


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        require_or_skip(f"{name} not found (install the Debian package poppler-utils)")
    return path


@pytest.fixture(scope="module")
def pdf(tmp_path_factory):
    try:
        import weasyprint  # noqa: F401
    except OSError as error:  # Pango missing
        require_or_skip(f"WeasyPrint cannot load Pango (Debian libpango-1.0-0): {error}")
    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    if not fonts.strip():
        require_or_skip("no CJK font (install the Debian package fonts-wqy-microhei)")
    path = tmp_path_factory.mktemp("briefing") / "briefing.pdf"
    path.write_bytes(briefing_pdf(snapshot_document()))
    return path


def run(*command) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def test_the_pdf_is_a4_pages(pdf):
    assert pdf.read_bytes().startswith(b"%PDF-")
    info = run(_tool("pdfinfo"), "-f", "1", "-l", "99", str(pdf))
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))
    sizes = re.findall(r"^Page\s+\d+ size:\s+(.*)$", info, re.MULTILINE)
    assert pages >= 1 and len(sizes) == pages
    assert all(size.startswith("595.2") and "841.8" in size for size in sizes), sizes


def test_the_pdf_text_is_the_chinese_of_the_page(pdf):
    text = run(_tool("pdftotext"), "-layout", str(pdf), "-")
    flat = re.sub(r"\s+", "", text)
    assert HEADING in flat
    assert "态势时刻：2015年09月28日20:00（北京时间）" in flat
    assert "七级风圈内村居" in flat and "西天尾镇" in flat
    assert "Ⅳ级（四级）应急响应→Ⅲ级（三级）应急响应" in flat
    assert re.sub(r"\s+", "", SCRIPT_NAME) in flat  # shown as text
    fonts = run(_tool("pdffonts"), str(pdf))
    assert any(name in fonts for name in CJK_FONTS), fonts
