"""Every file of tests/corpus/ledger/ imported as 西天尾镇's staff for this month: a refused
file names the sheet (XLSX), row, column and reason of every bad cell and changes no table;
an accepted one is saved, and importing it again changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from access.viewer import make_viewer
from modules.ledger import periods
from modules.ledger.sheetfile import import_file
from tests.accounts_fixture import USERS
from tests.modules.ledger.conftest import ENGINES, _sessions, with_catalogue
from tests.modules.ledger.helpers import put
from tests.snapshot import snapshot

CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "ledger"
MONTH = periods.of_date(datetime.now(UTC).date())
ACCEPTED = "accepted"
ROW2 = "第 2 行"

# file -> fragments every one of which the report must contain, or ACCEPTED.
MANIFEST: dict[str, tuple[str, ...]] = {
    "not-a-number.csv": (f"{ROW2}（户籍人口（人））：「户籍人口」应填整数，收到「abc」",),
    "decimal-count.csv": (f"{ROW2}（户籍人口（人））：「户籍人口」应填整数，收到「12.5」",),
    "negative.csv": ("「本月临时救助人次」-1人次 小于下限 0",),
    "percent-over.csv": ("「0-6岁儿童健康管理率」120 大于上限 100",),
    "bad-yesno.csv": ("「居家养老服务站」只能填 是 或 否，收到「也许」",),
    "bad-choice.csv": ("「党组织类型」只能填 党委、党总支、党支部 之一，收到「党小组」",),
    "bad-date.csv": ("「应急预案修订日期」应填日期，如 2026-11-05，收到「2026-02-30」",),
    "rule-elderly.csv": (f"{ROW2}（60岁以上老人（人））：60岁以上老人 1,240 大于 常住人口 1,180",),
    "rule-alone.csv": ("独居老人 301 大于 60岁以上老人 300",),
    "rule-both-sides.csv": ("60岁以上老人 300 大于 常住人口 250",),
    "foreign-unit.csv": ("单位 350305101001 不在您的辖区内",),
    "unknown-unit.csv": ("单位 350304100999 不在您的辖区内",),
    "bad-code.csv": ("「西天尾」不是单位编码",),
    "wrong-level.csv": ("「户籍人口」按村（社区）填报，西天尾镇是镇街",),
    "required-blank.csv": ("「户籍人口」是必填项，不能为空",),
    "duplicate-row.csv": ("第 3 行（本月临时救助人次（人次））：同一单元格在本次提交中出现了两次",),
    "wrong-period.csv": (f"{ROW2}（期间）：这一行是 2020年1月 的数",),
    "bad-period.csv": ("期间「十一月」不是月份",),
    "no-unit-column.csv": ("文件：缺少列：单位代码",),
    "no-tag-columns.csv": ("没有可导入的标签列",),
    "unknown-tag-code.csv": ("没有可导入的标签列",),
    "header-only.csv": ("文件只有表头，没有数据行",),
    "header-only.xlsx": ("文件只有表头，没有数据行",),
    "empty.csv": ("文件为空",),
    "empty-sheet.xlsx": ("工作表为空",),
    "utf16.csv": ("UTF-16",),
    "formula.csv": ("「本月临时救助人次」应填整数，收到「=1+1」",),
    "nan.csv": ("「户籍人口」应填整数，收到「NaN」",),
    "infinite.csv": ("「耕地面积」应填数字，收到「inf」",),
    "text-too-long.csv": ("「独居老人联系人」最多 500 个字，收到 501 个",),
    "damaged.xlsx": ("文件",),
    "contacts.docx": ("不支持的文件类型 .docx",),
    "bad-cells.xlsx": (
        "工作表「十二月」第 2 行（户籍人口（人））：「户籍人口」应填整数，收到「一千」",
        "工作表「十二月」第 2 行（60岁以上老人（人））：60岁以上老人 1,240 大于 常住人口 1,180",
        "工作表「十二月」第 3 行（居家养老服务站）：「居家养老服务站」只能填 是 或 否",
    ),
    "ok-change.csv": (ACCEPTED,),
    "ok-codes.csv": (ACCEPTED,),
    "ok-gbk.csv": (ACCEPTED,),
    "ok-tabs.tsv": (ACCEPTED,),
    "ok-unchanged.csv": (ACCEPTED,),
    "ok.xlsx": (ACCEPTED,),
}


@pytest.fixture(scope="module", params=ENGINES)
def corpus_db(request, grants):
    """The catalogue and 东星社区's figures the rules compare with (常住人口 1,180, 60岁以上
    老人 300), committed, shared by the corpus's files."""
    for sessions in _sessions(request, with_catalogue):
        role, scopes = USERS["xitianwei.staff"]
        staff = make_viewer(7, "xitianwei.staff", "王五", role, scopes, grants)
        with sessions() as session, session.begin():
            saved = put(
                session,
                staff,
                [
                    ("350304100001", "RK001", periods.label(MONTH), "1200"),
                    ("350304100001", "RK002", periods.label(MONTH), "1180"),
                    ("350304100001", "RK008", periods.label(MONTH), "300"),
                ],
            )
            assert not saved.refused
        yield sessions, staff


def test_the_corpus_has_every_file_and_enough_bad_ones():
    files = {p.name for p in CORPUS.iterdir()}
    assert files == set(MANIFEST)
    assert sum(ACCEPTED not in v for v in MANIFEST.values()) >= 30


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_a_corpus_file(corpus_db, name):
    sessions, staff = corpus_db
    data = (CORPUS / name).read_bytes()
    with sessions() as session:
        engine = session.get_bind()
    before = snapshot(engine)
    with sessions() as session, session.begin():
        report = import_file(session, staff, data, name, MONTH)
    text = "\n".join(report.errors)
    if MANIFEST[name] == (ACCEPTED,):
        assert report.ok, text
        assert "已导入" in report.summary()
        with sessions() as session, session.begin():
            again = import_file(session, staff, data, name, MONTH)
        assert again.ok and again.accepted == 0
        return
    assert not report.ok
    for fragment in MANIFEST[name]:
        assert fragment in text, text
    assert "第 0 行" not in text and "Error" not in text and "Exception" not in text
    assert snapshot(engine) == before
