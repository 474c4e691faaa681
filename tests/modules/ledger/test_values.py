"""Values: carried forward (stored once while unchanged), every change in the append-only
history, each item checked on the server by the tag's rules and the viewer's scope."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DatabaseError

from modules.ledger.models import LedgerHistory, LedgerTag, LedgerValue
from modules.ledger.values import carried, history, stored_rows
from tests.modules.ledger.helpers import XIUYU_VILLAGE, XTW, XTW_VILLAGES, put, statuses

V1, V2 = XTW_VILLAGES[:2]


def read(session, tag, unit, month):
    held = carried(session, [tag], month).get((unit, tag))
    return held.value if held else None


def test_a_value_is_stored_once_and_read_forward_until_it_changes(session, viewer):
    staff = viewer("xitianwei.staff")
    assert statuses(put(session, staff, [(V1, "RK001", "2026-03", "1000")])) == ["accepted"]
    assert [read(session, "RK001", V1, m) for m in (202602, 202603, 202606)] == [
        None,
        "1000",
        "1000",
    ]
    # The next month opens pre-filled; confirming it stores nothing.
    assert statuses(put(session, staff, [(V1, "RK001", "2026-05", "1,000")])) == ["unchanged"]
    assert stored_rows(session) == 1
    assert statuses(put(session, staff, [(V1, "RK001", "2026-05", "1010")])) == ["accepted"]
    assert [read(session, "RK001", V1, m) for m in (202604, 202605, 202611)] == [
        "1000",
        "1010",
        "1010",
    ]
    assert stored_rows(session) == 2


def test_every_change_is_kept_in_the_history_with_who_when_and_channel(session, viewer):
    staff = viewer("xitianwei.staff")
    put(session, staff, [(V1, "RK001", "2026-03", "1000")], channel="grid")
    put(session, staff, [(V1, "RK001", "2026-05", "1010")], channel="import")
    put(session, staff, [(V1, "RK001", "2026-05", "1020")], channel="api")  # a correction
    assert stored_rows(session) == 2  # the correction replaced May's row ...
    put(session, staff, [(V1, "RK001", "2026-05", "1000")], channel="api")
    assert stored_rows(session) == 1  # ... and going back to March's figure reads forward
    changes = history(session, "RK001", V1)
    assert [(h.old_value, h.new_value, h.channel) for h in reversed(changes)] == [
        (None, "1000", "grid"),
        ("1000", "1010", "import"),
        ("1010", "1020", "api"),
        ("1020", "1000", "api"),
    ]
    assert all(h.changed_by == "xitianwei.staff" and h.changed_at for h in changes)
    assert read(session, "RK001", V1, 202605) == "1000"


def test_the_history_cannot_be_changed_or_deleted(ledger_db, viewer):
    with ledger_db() as session, session.begin():
        put(session, viewer("xitianwei.staff"), [(V1, "RK001", "2026-03", "1000")])
    for statement in (
        update(LedgerHistory).values(new_value="9"),
        delete(LedgerHistory),
    ):
        with ledger_db() as session, pytest.raises(DatabaseError, match="append-only"):
            session.execute(statement)
    with ledger_db() as session:
        assert session.scalar(select(LedgerHistory.new_value)) == "1000"


@pytest.mark.parametrize(
    ("tag", "value", "reason"),
    [
        ("RK001", "abc", "「户籍人口」应填整数，收到「abc」"),
        ("RK001", "12.5", "「户籍人口」应填整数，收到「12.5」"),
        ("RK001", "-3", "「户籍人口」-3人 小于下限 0"),
        ("RK001", "", "「户籍人口」是必填项，不能为空"),
        ("RK001", "nan", "应填整数"),
        ("WJ009", "101", "「0-6岁儿童健康管理率」101 大于上限 100"),
        ("NY001", "三百", "「耕地面积」应填数字"),
        ("MZ009", "也许", "「居家养老服务站」只能填 是 或 否，收到「也许」"),
        ("DJ006", "党小组", "「党组织类型」只能填 党委、党总支、党支部 之一"),
        ("SL011", "501", "大于上限 500"),
        ("MZ013", "x" * 501, "最多 500 个字"),
    ],
)
def test_a_value_the_tag_refuses_is_refused_with_the_reason(session, viewer, tag, value, reason):
    saved = put(session, viewer("xitianwei.staff"), [(V1, tag, "2026-11", value)])
    assert statuses(saved) == ["refused"] and reason in saved.outcomes[0].reason_zh
    assert stored_rows(session) == 0


def test_a_date_of_the_town_is_checked_and_written_one_way(session, viewer):
    staff = viewer("xitianwei.staff")
    saved = put(session, staff, [(XTW, "YJ009", "2026-11", "2026年2月30日")])
    assert "应填日期，如 2026-11-05" in saved.outcomes[0].reason_zh
    assert statuses(put(session, staff, [(XTW, "YJ009", "2026-11", "2026/3/7")])) == ["accepted"]
    assert read(session, "YJ009", XTW, 202611) == "2026-03-07"


def test_values_are_written_one_way(session, viewer):
    staff = viewer("xitianwei.staff")
    saved = put(
        session,
        staff,
        [
            (V1, "RK001", "2026-11", "1,240"),
            (V1, "MZ009", "2026-11", "有"),
            (V1, "WJ009", "2026-11", "95.5%"),
            (V1, "MZ013", "2026-11", ""),  # not required: blank is no value, stored nothing
        ],
    )
    assert statuses(saved) == ["accepted", "accepted", "accepted", "unchanged"]
    assert [read(session, t, V1, 202611) for t in ("RK001", "MZ009", "WJ009")] == [
        "1240",
        "是",
        "95.5",
    ]


def test_a_quarterly_figure_is_kept_from_its_quarters_first_month(session, viewer):
    put(session, viewer("xitianwei.staff"), [(V1, "NY006", "2026-05", "300")])
    assert session.scalar(select(LedgerValue.period)) == 202604
    assert read(session, "NY006", V1, 202604) == "300"


def test_a_rule_across_tags_is_checked_from_either_side(session, viewer):
    staff = viewer("xitianwei.staff")
    put(session, staff, [(V1, "RK002", "2026-11", "1180")])
    saved = put(session, staff, [(V1, "RK008", "2026-11", "1240")])
    assert saved.outcomes[0].reason_zh == "60岁以上老人 1,240 大于 常住人口 1,180"
    assert read(session, "RK008", V1, 202611) is None  # the cell keeps its old value
    put(session, staff, [(V1, "RK008", "2026-11", "300")])
    saved = put(session, staff, [(V1, "RK002", "2026-12", "250")])
    assert saved.outcomes[0].reason_zh == "60岁以上老人 300 大于 常住人口 250"
    # Both sides changed together are checked together.
    saved = put(session, staff, [(V1, "RK002", "2026-12", "250"), (V1, "RK008", "2026-12", "200")])
    assert statuses(saved) == ["accepted", "accepted"]
    saved = put(session, staff, [(V1, "MZ001", "2026-12", "201")])  # 独居老人 ≤ 60岁以上老人
    assert saved.outcomes[0].reason_zh == "独居老人 201 大于 60岁以上老人 200"
    saved = put(session, staff, [(V1, "MZ002", "2026-12", "5"), (V1, "MZ003", "2026-12", "4")])
    assert saved.outcomes[1].reason_zh == "低保人数 4 小于 低保户数 5"


@pytest.mark.parametrize(
    ("login", "item", "reason"),
    [
        ("xiuyu.staff", (V1, "RK001", "2026-11", "10"), "不在您的辖区内"),
        ("xitianwei.staff", (XIUYU_VILLAGE, "RK001", "2026-11", "10"), "不在您的辖区内"),
        ("xitianwei.staff", ("350304100999", "RK001", "2026-11", "10"), "不在您的辖区内"),
        ("xitianwei.staff", ("35030410000x", "RK001", "2026-11", "10"), "不是单位编码"),
        ("xitianwei.staff", (None, "RK001", "2026-11", "10"), "不是单位编码"),
        ("xitianwei.staff", (XTW, "RK001", "2026-11", "10"), "「户籍人口」按村（社区）填报"),
        ("xitianwei.staff", (V1, "WJ010", "2026-11", "10"), "「卫生院床位数」按镇街填报"),
        ("xitianwei.staff", (V1, "RK001", "2027-01", "10"), "2027年1月还没到"),
        ("xitianwei.staff", (V1, "RK001", "2026-13", "10"), "不是月份"),
        ("xitianwei.staff", (V1, "XX999", "2026-11", "10"), "没有编码为「XX999」的标签"),
        ("xtw.leader", (V1, "RK001", "2026-11", "10"), "领导账号只能查看"),
        ("licheng.leader", (V1, "RK001", "2026-11", "10"), "领导账号只能查看"),
        ("xtw.admin", (V1, "RK001", "2026-11", "10"), "管理员账号只能查看"),
        ("xtw.coordinator", (V1, "RK001", "2026-11", "10"), "应急指挥账号只能查看"),
    ],
)
def test_only_staff_write_and_only_inside_their_scope(session, viewer, login, item, reason):
    saved = put(session, viewer(login), [item])
    assert statuses(saved) == ["refused"] and reason in saved.outcomes[0].reason_zh
    assert stored_rows(session) == 0


def test_a_retired_tag_keeps_its_history_and_takes_no_new_value(session, viewer):
    staff = viewer("xitianwei.staff")
    put(session, staff, [(V1, "RK010", "2026-10", "55")])
    tag = session.scalar(select(LedgerTag).where(LedgerTag.code == "RK010"))
    tag.retired_at = datetime.now(UTC)
    session.flush()
    saved = put(session, staff, [(V1, "RK010", "2026-11", "56")])
    assert "已停用" in saved.outcomes[0].reason_zh
    assert [h.new_value for h in history(session, "RK010", V1)] == ["55"]


def test_an_import_is_all_or_nothing_and_reports_every_bad_item(session, viewer):
    staff = viewer("xitianwei.staff")
    saved = put(
        session,
        staff,
        [
            (V1, "RK001", "2026-11", "900"),
            (V2, "RK001", "2026-11", "x"),
            (V1, "RK001", "2026-11", "9"),
        ],
        all_or_nothing=True,
    )
    assert statuses(saved) == ["accepted", "refused", "refused"] and not saved.written
    assert "出现了两次" in saved.outcomes[2].reason_zh
    assert stored_rows(session) == 0
    assert session.scalar(select(LedgerHistory.id)) is None
