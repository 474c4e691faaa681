"""What an import does to stored contacts: a missing column leaves a field unchanged, long
text is refused with row, column and limit, groups and key points must exist (key points as
other modules offer them, inside the importer's scope), masked phones keep the stored one,
and the same file posted twice at once adds its contacts once."""

from __future__ import annotations

import base64
import threading

from sqlalchemy import func, select

from modules.alerts.contacts import GROUPS
from modules.alerts.contacts_file import read_contacts
from modules.alerts.contacts_import import run_import
from modules.alerts.models import Contact
from tests.dash_client import call_callback, response_json
from tests.modules.alerts.helpers import LIMIT, core_of, import_as, tables
from tests.snapshot import changed

VILLAGE = "350304100201"  # 龙山村, 西天尾镇


def contact(sessions, phone: str) -> Contact:
    with sessions() as session:
        return session.scalars(select(Contact).where(Contact.phone == phone)).one()


def sites_of(context, login: str, unit: str | None = None):
    core = core_of(context, login)
    with context.sessions() as session:
        return core.sites(session, core.viewer(), unit)


def test_a_file_without_optional_columns_leaves_those_fields_as_stored(context, sessions):
    site = sites_of(context, "xtw.staff", "350304100")[0]
    full = f"姓名,手机号,村居代码,分组,重点部位编号\n方一,13900140001,{VILLAGE},网格员,{site.id}\n"
    assert import_as(context, "xtw.staff", full).added == 1
    renamed = f"姓名,手机号,村居代码\n方一一,13900140001,{VILLAGE}\n"
    report = import_as(context, "xtw.staff", renamed)
    assert (report.added, report.updated) == (0, 1)
    stored = contact(sessions, "13900140001")
    assert (stored.name, stored.groups, stored.site_id) == ("方一一", "网格员", site.id)
    # A column that is there but empty clears the field: that is what the file says.
    cleared = f"姓名,手机号,村居代码,分组\n方一一,13900140001,{VILLAGE},\n"
    assert import_as(context, "xtw.staff", cleared).updated == 1
    stored = contact(sessions, "13900140001")
    assert (stored.groups, stored.site_id) == ("", site.id)
    # A new contact from a file without the optional columns gets them empty.
    assert import_as(context, "xtw.staff", f"姓名,手机号,村居代码\n方二,13900140002,{VILLAGE}\n")
    assert contact(sessions, "13900140002").groups == ""


def test_long_text_is_refused_naming_row_column_and_limit(context):
    before = tables(context.engine)
    rows = [
        f"{'林' * 51},13900140011,{VILLAGE},网格员,",
        f"林二,13900140012,{VILLAGE},{'、'.join(f'{g}{i}' for g in GROUPS for i in range(9))},",
        f"林三,13900140013,{VILLAGE},网格员,flood:{'9' * 70}",
        f"{'林' * 50},13900140014,{VILLAGE},网格员,",  # exactly the limit: fine
    ]
    report = import_as(
        context, "xtw.staff", "姓名,手机号,村居代码,分组,重点部位编号\n" + "\n".join(rows)
    )
    lines = report.text_zh().splitlines()
    assert "第 2 行（姓名）：姓名 51 字，超过 50 字上限，请缩短" in lines
    assert any(
        line.startswith("第 3 行（分组）：分组共 ") and "超过 200 字上限" in line for line in lines
    )
    assert "第 4 行（重点部位编号）：重点部位编号 76 字，超过 64 字上限" in lines
    assert len(report.errors) == 4 and changed(before, tables(context.engine)) == []


def test_unknown_groups_and_key_points_are_refused_listing_what_is_allowed(context):
    mine = [s for s in sites_of(context, "xtw.staff", "350304100")]
    theirs = sites_of(context, "xiuyu.staff")[0]  # a key point in another district
    village = mine[0].village_code
    before = tables(context.engine)
    text = (
        "姓名,手机号,村居代码,分组,重点部位编号\n"
        f"郑一,13900140021,{village},志愿者、网格员,\n"
        f"郑二,13900140022,{village},网格员,flood:99999999\n"
        f"郑三,13900140023,{village},网格员,{theirs.id}\n"
    )
    report = import_as(context, "xtw.staff", text)
    lines = report.text_zh().splitlines()
    assert f"第 2 行（分组）：未知分组 “志愿者”；可用分组：{'、'.join(GROUPS)}" in lines
    unknown = next(line for line in lines if line.startswith("第 3 行（重点部位编号）"))
    assert "重点部位 flood:99999999 不存在或不在您的辖区内；该单位的重点部位有：" in unknown
    assert mine[0].id in unknown
    outside = next(line for line in lines if line.startswith("第 4 行（重点部位编号）"))
    assert theirs.id in outside and theirs.name not in outside  # nothing told of theirs
    assert changed(before, tables(context.engine)) == []
    # The same key point is fine for its district's own staff, and ours for us.
    good = f"姓名,手机号,村居代码,重点部位编号\n郑四,13900140024,{village},{mine[0].id}\n"
    assert import_as(context, "xtw.staff", good).added == 1


def test_a_stored_link_left_as_it_is_stays_even_when_no_longer_offered(context, sessions):
    with sessions() as session, session.begin():
        session.add(
            Contact(
                name="旧一",
                phone="13900140031",
                village_code=VILLAGE,
                groups="老分组",
                site_id="flood:88888888",
            )
        )
    same = "姓名,手机号,村居代码,分组,重点部位编号\n"
    same += f"旧一,13900140031,{VILLAGE},老分组,flood:88888888\n"
    report = import_as(context, "xtw.staff", same)
    assert report.ok and report.unchanged == 1
    changed_site = same.replace("flood:88888888", "flood:77777777")
    assert "不存在或不在您的辖区内" in import_as(context, "xtw.staff", changed_site).text_zh()


def test_masked_phones_keep_the_stored_number_and_never_store_the_mask(context, sessions):
    import_as(
        context, "xtw.staff", f"姓名,手机号,村居代码,分组\n蔡一,13900140041,{VILLAGE},网格员\n"
    )
    before = tables(context.engine)
    masked = f"姓名,手机号,村居代码,分组\n蔡一,139****0041,{VILLAGE},网格员\n"
    report = import_as(context, "xtw.staff", masked)
    assert report.ok and report.unchanged == 1 and tables(context.engine) == before
    report = import_as(context, "xtw.staff", masked.replace("网格员", "村居干部"))
    assert report.updated == 1 and contact(sessions, "13900140041").groups == "村居干部"
    with sessions() as session:
        assert not session.scalar(
            select(func.count()).select_from(Contact).where(Contact.phone.like("%*%"))
        )
    before = tables(context.engine)
    stranger = f"姓名,手机号,村居代码\n蔡二,139****9999,{VILLAGE}\n"
    text = import_as(context, "xtw.staff", stranger).text_zh()
    assert "第 2 行（手机号）：手机号已遮盖（139****9999），本单位没有对应的联系人" in text
    assert changed(before, tables(context.engine)) == []


def test_another_towns_staff_cannot_change_these_contacts(context, sessions):
    import_as(context, "xtw.staff", f"姓名,手机号,村居代码\n许一,13900140051,{VILLAGE}\n")
    before = tables(context.engine)
    for phone in ("13900140051", "139****0051"):
        text = import_as(context, "xiuyu.staff", f"姓名,手机号,村居代码\n坏人,{phone},{VILLAGE}\n")
        assert f"该区划不在您的辖区内：{VILLAGE}" in text.text_zh()
    assert changed(before, tables(context.engine)) == []
    assert contact(sessions, "13900140051").name == "许一"


def test_the_same_import_twice_at_once_adds_each_contact_once(context, sessions):
    text = "姓名,手机号,村居代码,分组\n" + "".join(
        f"王{i},139001401{i:02d},{VILLAGE},网格员\n" for i in range(60)
    )
    table = read_contacts(text.encode(), "c.csv", LIMIT)
    core = core_of(context, "xtw.staff")
    start = threading.Barrier(2)
    reports = []

    def submit() -> None:
        start.wait()
        reports.append(run_import(core, core.viewer(), table, "c.csv"))

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(report.ok for report in reports), [r.text() for r in reports]
    assert sorted(report.added for report in reports) == [0, 60]
    assert sorted(report.unchanged for report in reports) == [0, 60]
    with sessions() as session:
        phones = session.scalars(
            select(Contact.phone).where(Contact.phone.like("139001401%"))
        ).all()
    assert len(phones) == 60


def test_a_page_double_submit_answers_already_imported(client_as, context):
    data = f"姓名,手机号,村居代码\n方三,13900140061,{VILLAGE}\n".encode()
    contents = "data:text/csv;base64," + base64.b64encode(data).decode()
    outputs = [("alerts-import-out", "children")]
    inputs = [("alerts-upload", "contents", contents)]
    state = [("alerts-upload", "filename", "c.csv")]
    client = client_as("xtw.staff")
    first = response_json(call_callback(client, outputs, inputs, state))
    second = response_json(call_callback(client, outputs, inputs, state))
    assert "新增 1 人" in str(first)
    assert "新增 0 人" in str(second) and "可能已导入过" in str(second)


def test_a_file_of_many_bad_rows_is_counted_whole_and_listed_in_part(context):
    text = "姓名,手机号,村居代码\n" + f"坏,123,{VILLAGE}\n" * 1_500
    before = tables(context.engine)
    report = import_as(context, "xtw.staff", text)
    assert report.problems == 1_500 and len(report.errors) == 1_000
    lines = report.text_zh().splitlines()
    assert lines[0] == "导入失败，未做任何修改（1500 处错误）："
    assert lines[1].startswith("第 2 行（手机号）：手机号无效：123")
    assert lines[-1] == "……另有 1300 处错误" and len(lines) == 202
    assert report.text().splitlines()[-1] == "  ... and 1300 more"
    assert changed(before, tables(context.engine)) == []
