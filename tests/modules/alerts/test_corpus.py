"""Every file of tests/corpus/alerts/ imported as 西天尾镇's staff: a refused file says what
is wrong (row and column, or 文件) and changes no table; an accepted one changes only the
contacts, and importing it again changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.modules.alerts.helpers import import_as, tables
from tests.snapshot import changed

CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "alerts"
GROUPS = "可用分组：村居干部、包保责任人、网格员、重点人群、在建工地负责人"
ACCEPTED = "accepted"

# file -> what the report must say (zh-CN, as the page shows it), or ACCEPTED (and, for
# some, a line of the accepted report too).
MANIFEST: dict[str, tuple[str, ...]] = {
    "utf16.csv": ("文件：文件是 UTF-16 编码，请另存为 UTF-8 或 GBK 后再导入。",),
    "utf16-no-bom.csv": ("文件：文件是 UTF-16 编码，请另存为 UTF-8 或 GBK 后再导入。",),
    "nul-bytes.csv": (
        "文件：第 3 行含有空字符（\\0），这不是文本文件：请另存为 UTF-8 或 GBK 的文本。",
    ),
    "header-only.csv": ("文件：文件只有表头，没有数据行：请在表头下填写数据后再导入。",),
    "header-only.xlsx": ("文件：文件只有表头，没有数据行：请在表头下填写数据后再导入。",),
    "empty.csv": ("文件：文件为空，没有任何内容。",),
    "blank-lines.csv": ("文件：文件为空，没有任何内容。",),
    "empty-sheet.xlsx": ("文件：工作簿的第一个工作表为空：请把数据放在第一个工作表。",),
    "unknown-group.csv": (f"第 2 行（分组）：未知分组 “志愿者”；{GROUPS}",),
    "unknown-group.xlsx": (f"第 2 行（分组）：未知分组 “巡逻队”；{GROUPS}",),
    "formula-groups.csv": ("第 2 行（分组）：未知分组 “=HYPERLINK(",),
    "unknown-key-point.csv": (
        "第 2 行（重点部位编号）：重点部位 flood:99999999 不存在或不在您的辖区内；"
        "该单位的重点部位有：flood:",
    ),
    "bad-phones.csv": (
        "第 2 行（手机号）：手机号无效：12345（应为 11 位大陆手机号，如 13812345678）",
        "第 3 行（手机号）：手机号无效：0594-2345678（应为 11 位大陆手机号，如 13812345678）",
        "第 4 行（手机号）：手机号无效：139001601041（应为 11 位大陆手机号，如 13812345678）",
        "第 5 行（手机号）：手机号为空",
    ),
    "bad-phones.xlsx": (
        "第 2 行（手机号）：手机号无效：1390016010（应为 11 位大陆手机号，如 13812345678）",
        "第 3 行（手机号）：手机号无效：23900160105（应为 11 位大陆手机号，如 13812345678）",
    ),
    "tab-bad-phone.csv": (
        "第 2 行（手机号）：手机号无效：1390016（应为 11 位大陆手机号，如 13812345678）",
    ),
    "foreign-unit.csv": ("第 2 行（村居代码）：该区划不在您的辖区内：350305101001",),
    "unknown-unit.csv": ("第 2 行（村居代码）：区划代码不存在：350304100999",),
    "bad-code.csv": (
        "第 2 行（村居代码）：区划代码无效：西天尾（应为 12 位代码，如 350304100001）",
        "第 3 行（村居代码）：区划代码无效：35030410020（应为 12 位代码，如 350304100001）",
    ),
    "duplicates.csv": ("第 3 行（手机号）：与第 2 行重复（同一单位同一手机号）",),
    "long-name.csv": ("第 2 行（姓名）：姓名 51 字，超过 50 字上限，请缩短",),
    "long-groups.csv": ("第 2 行（分组）：分组共 349 字，超过 200 字上限",),
    "empty-name.csv": ("第 2 行（姓名）：姓名为空",),
    "unclosed-quote.csv": (
        "第 2 行（姓名）：姓名一栏包含了整行内容（含分隔符或换行）：请检查该行的引号是否成对",
    ),
    "masked-stranger.csv": (
        "第 2 行（手机号）：手机号已遮盖（139****0115），本单位没有对应的联系人："
        "新联系人请填写完整的 11 位手机号",
    ),
    "missing-columns.csv": (
        "文件：缺少列：手机号。第一行应为表头，本文件的表头是：姓名、村居代码。",
    ),
    "semicolons.csv": (
        "文件：缺少列：姓名、手机号、村居代码。第一行应为表头，本文件的表头是：姓名;手机号;村居代码。",
    ),
    "damaged.xlsx": (
        "文件：文件不是有效的 XLSX 工作簿：请在 Excel 中另存为“Excel 工作簿 (*.xlsx)”。",
    ),
    "not-a-workbook.xlsx": (
        "文件：文件不是有效的 XLSX 工作簿：请在 Excel 中另存为“Excel 工作簿 (*.xlsx)”。",
    ),
    "contacts.docx": ("文件：不支持的文件类型 .docx：请使用 CSV、XLSX 文件。",),
    # accepted
    "good-utf8-bom.csv": (ACCEPTED, "导入成功：共 2 行，新增 2 人，更新 0 人，0 人无变化。"),
    "good-gbk.csv": (ACCEPTED,),
    "good-tab.csv": (ACCEPTED,),
    "good.xlsx": (ACCEPTED, "导入成功：共 2 行，新增 2 人，更新 0 人，0 人无变化。"),
    "good-english-headers.csv": (ACCEPTED,),
    "good-extra-columns.csv": (ACCEPTED, "注意：以下列未导入：备注。"),
    "good-formula-names.csv": (ACCEPTED, "导入成功：共 4 行，新增 4 人，更新 0 人，0 人无变化。"),
    "good-phone-formats.csv": (ACCEPTED, "导入成功：共 3 行，新增 3 人，更新 0 人，0 人无变化。"),
    "good-town-officer.csv": (ACCEPTED,),
    # A demo contact's row from a masked export: the stored phone is kept, nothing changes.
    "good-masked-known.csv": (ACCEPTED, "导入成功：共 1 行，新增 0 人，更新 0 人，1 人无变化。"),
}


def test_the_manifest_names_every_file_and_enough_of_them():
    assert sorted(MANIFEST) == sorted(p.name for p in CORPUS.iterdir())
    refused = [name for name, expected in MANIFEST.items() if expected[0] != ACCEPTED]
    assert len(refused) >= 12 and len(MANIFEST) - len(refused) >= 5


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_each_file_gets_its_answer(context, name):
    expected = MANIFEST[name]
    data = (CORPUS / name).read_bytes()
    before = tables(context.engine)
    report = import_as(context, "xtw.staff", data, name)
    lines = report.text_zh().splitlines()
    assert "第 0 行" not in report.text_zh() and "Error" not in report.text_zh()
    if expected[0] != ACCEPTED:
        assert not report.ok and lines[0].startswith("导入失败，未做任何修改")
        for fragment in expected:
            assert fragment in report.text_zh(), report.text_zh()
        assert changed(before, tables(context.engine)) == []
        return
    assert report.ok, report.text_zh()
    for line in expected[1:]:
        assert line in lines, report.text_zh()
    assert set(changed(before, tables(context.engine))) <= {"alerts_contacts"}
    after = tables(context.engine)
    again = import_as(context, "xtw.staff", data, name)
    assert (again.added, again.updated, again.unchanged) == (0, 0, report.rows)
    assert tables(context.engine) == after
