"""Importing key points (CSV, XLSX, GeoJSON; --crs): all or nothing, a row-by-row report with
hints, only inside the importer's scope, audited; by CLI and on the page. GeoJSON export."""

from __future__ import annotations

import base64
import csv
import io
import json

import pytest
import shapely
from openpyxl import Workbook
from sqlalchemy import func, select

from layers import repository
from layers.assign import assign_villages
from layers.crs import from_wgs84_arrays, wgs84_to_bd09, wgs84_to_gcj02
from modules.flood.importer import import_points
from modules.flood.models import FloodKeyPoint
from store.models import AuditEntry
from tests.accounts_fixture import viewer_of
from tests.dash_client import call_callback, response_json

HEADER = ["名称", "类别", "风险等级", "责任人", "联系电话", "巡查周期（天）", "经度", "纬度"]


def inside(sessions, code):
    with sessions() as session:
        point = repository.get_division(session, code).geom.representative_point()
    return round(point.x, 6), round(point.y, 6)


def to_csv(rows, header=HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def count(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(FloodKeyPoint))


def run(sessions, login, data, filename="points.csv", crs="wgs84", dry_run=False):
    return import_points(sessions, viewer_of(login), data, filename, crs, dry_run)


def test_a_good_csv_imports_all_rows_and_again_only_updates(sessions):
    a = inside(sessions, "350304100001")
    b = inside(sessions, "350304100005")
    rows = [
        ["导入测试点甲", "低洼易涝点", "红", "林一", "13812345678", "3", *a],
        ["导入测试点乙", "危房", "blue", "陈二", "0594-2345678", "", *b],
    ]
    before = count(sessions)
    dry = run(sessions, "xtw.admin", to_csv(rows), dry_run=True)
    assert dry.ok and (dry.added, dry.updated) == (2, 0) and count(sessions) == before
    assert "DRY RUN" in dry.text()
    done = run(sessions, "xtw.admin", to_csv(rows))
    assert done.ok and done.added == 2 and count(sessions) == before + 2
    with sessions() as session:
        saved = {
            p.name: p
            for p in session.scalars(
                select(FloodKeyPoint).where(FloodKeyPoint.name.like("导入测试点%"))
            )
        }
    assert saved["导入测试点甲"].village_code == "350304100001"
    assert (
        saved["导入测试点甲"].risk_level == "red" and saved["导入测试点甲"].patrol_every_days == 3
    )
    assert saved["导入测试点乙"].village_code == "350304100005"
    assert saved["导入测试点乙"].patrol_every_days == 7  # the default
    rows[0][2] = "橙"
    again = run(sessions, "xtw.admin", to_csv(rows))
    assert (again.added, again.updated, again.unchanged) == (0, 1, 1)
    assert count(sessions) == before + 2
    twice = run(sessions, "xtw.admin", to_csv(rows))
    assert (twice.added, twice.updated, twice.unchanged) == (0, 0, 2)
    assert "ALREADY IMPORTED" in twice.text() and twice.summary_zh().startswith("已导入过")


def test_bad_rows_are_reported_by_row_and_field_and_nothing_changes(sessions):
    good = inside(sessions, "350304100002")
    xiuyu = inside(sessions, "350305101001")
    rows = [
        ["好点", "低洼易涝点", "黄", "林", "13812345678", "7", *good],  # row 2
        ["类别错", "水坑", "黄", "林", "13812345678", "7", *good],  # row 3
        ["电话错", "危房", "黄", "林", "12345", "7", *good],  # row 4
        ["城外", "危房", "黄", "林", "", "7", 118.09, 24.48],  # row 5: Xiamen
        ["颠倒", "危房", "黄", "林", "", "7", good[1], good[0]],  # row 6
        ["越界", "危房", "黄", "林", "", "7", *xiuyu],  # row 7
        ["", "危房", "紫", "林", "", "0", "abc", good[1]],  # row 8
        ["好点", "低洼易涝点", "黄", "林", "13812345678", "7", *good],  # row 9: twice
    ]
    before = count(sessions)
    result = run(sessions, "xtw.admin", to_csv(rows))
    assert not result.ok and count(sessions) == before
    report = [e.text_zh() for e in result.errors]
    assert report[0].startswith("第 3 行（类别）：未知类别“水坑”")
    assert report[1].startswith("第 4 行（联系电话）：联系电话“12345”格式不对")
    assert report[2] == "第 5 行（经度）：点位不在莆田市范围内"
    assert report[3] == "第 6 行（经度）：点位不在莆田市范围内；经纬度似乎颠倒了"
    assert report[4] == "第 7 行（经度）：点位不在您的辖区内"
    row8 = [line for line in report if line.startswith("第 8 行")]
    assert [line.split("）")[0] for line in row8] == [
        "第 8 行（名称",
        "第 8 行（风险等级",
        "第 8 行（巡查周期（天",
        "第 8 行（经度",
    ]
    assert report[-1] == "第 9 行（名称）：与第 2 行名称和村居相同"
    assert "REJECTED: 10 problem(s); nothing was changed." in result.text()
    missing = run(sessions, "xtw.admin", to_csv([["x", *good]], header=["名称", "经度", "纬度"]))
    assert [e.text_zh() for e in missing.errors] == [
        "文件：缺少列：类别、风险等级。第一行应为表头，本文件的表头是：名称、经度、纬度。"
    ]
    assert "不支持的文件类型" in run(sessions, "xtw.admin", b"x", "points.pdf").errors[0].reason_zh


def test_coordinates_in_other_systems_are_converted_or_hinted(sessions):
    with sessions() as session:
        city = repository.by_level(session, "city")[0].geom
    # A point just inside the city's eastern edge: its GCJ-02 position (~500 m east) is outside.
    for x, y in shapely.get_coordinates(
        city.exterior if city.geom_type == "Polygon" else city.geoms[0].exterior
    ):
        with sessions() as session:
            p = (round(x - 0.0015, 6), round(y, 6))
            g = wgs84_to_gcj02(*p)
            if (
                assign_villages(session, [p[0]], [p[1]])[0]
                and not assign_villages(session, [g[0]], [g[1]])[0]
            ):
                break
    else:
        pytest.skip("no edge point found")
    row = ["坐标系测试", "危房", "黄", "林", "", "7"]
    hinted = run(sessions, "city.admin", to_csv([[*row, *g]]))
    assert hinted.errors[0].text_zh().endswith("看起来是 GCJ-02 坐标，请尝试 --crs gcj02")
    as_gcj = run(sessions, "city.admin", to_csv([[*row, *g]]), crs="gcj02", dry_run=True)
    assert as_gcj.ok, as_gcj.text()
    a = inside(sessions, "350304100003")
    for crs, coordinates in [
        ("bd09", wgs84_to_bd09(*a)),
        ("EPSG:4549", from_wgs84_arrays(*a, "EPSG:4549")),
    ]:
        result = run(sessions, "xtw.admin", to_csv([[f"{crs}点", *row[1:], *coordinates]]), crs=crs)
        assert result.ok, result.text()
        with sessions() as session:
            point = session.scalars(
                select(FloodKeyPoint).where(FloodKeyPoint.name == f"{crs}点")
            ).one()
        assert point.village_code == "350304100003"
        assert abs(point.lon - a[0]) < 1e-5 and abs(point.lat - a[1]) < 1e-5
    assert "不支持的坐标系" in run(sessions, "xtw.admin", b"", crs="mars").errors[0].reason_zh


def test_xlsx_and_geojson_files(sessions):
    a = inside(sessions, "350304100004")
    book = Workbook()
    book.active.append(HEADER)
    book.active.append(["表格点", "在建工地", "橙", "郑", 13912345678, 5, *a])
    buffer = io.BytesIO()
    book.save(buffer)
    result = run(sessions, "xtw.admin", buffer.getvalue(), "points.xlsx")
    assert result.ok and result.added == 1, result.text()
    document = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": list(a)},
                "properties": {"name": "地图点", "category": "避灾安置点", "risk_level": "蓝"},
            },
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [list(a), list(a)]},
                "properties": {"name": "线", "category": "避灾安置点", "risk_level": "蓝"},
            },
        ],
    }
    bad = run(sessions, "xtw.admin", json.dumps(document).encode(), "p.geojson")
    assert [e.text_zh() for e in bad.errors] == ["第 2 行（经度）：几何类型应为点（Point）"]
    document["features"].pop()
    assert run(sessions, "xtw.admin", json.dumps(document).encode(), "p.geojson").added == 1


def test_an_export_reads_back_as_updates_only(client_as, sessions):
    exported = client_as("xtw.staff").get("/api/v1/flood/points.csv").data
    result = run(sessions, "xtw.admin", exported)
    assert result.ok and (result.added, result.updated) == (0, 0), result.text()
    assert result.unchanged >= 46


def test_the_import_page_imports_in_scope_and_audits(client_as, sessions):
    a = inside(sessions, "350304100006")
    data = to_csv([["页面导入点", "低洼易涝点", "黄", "林", "", "7", *a]])
    contents = "data:text/csv;base64," + base64.b64encode(data).decode()

    def submit(login, contents, dry=()):
        response = call_callback(
            client_as(login),
            [("flood-import-report", "children")],
            inputs=[("flood-import-submit", "n_clicks", 1)],
            state=[
                ("flood-import-file", "contents", contents),
                ("flood-import-file", "filename", "points.csv"),
                ("flood-import-crs", "value", "wgs84"),
                ("flood-import-dry-run", "value", list(dry)),
            ],
        )
        return json.dumps(response_json(response), ensure_ascii=False)

    chosen = call_callback(
        client_as("xtw.admin"),
        [("flood-import-chosen", "children")],
        inputs=[("flood-import-file", "contents", contents)],
    )
    assert "已选择文件（约 1 KB）" in json.dumps(response_json(chosen), ensure_ascii=False)
    assert "检查通过（未导入）：将新增 1 个" in submit("xtw.admin", contents, ["dry"])
    assert "导入成功：新增 1 个" in submit("xtw.admin", contents)
    assert "没有导入数据的权限" in submit("xtw.staff", contents)
    assert "文件无法读取" in submit("xtw.admin", "350305101000")
    outside = to_csv([["越界点", "危房", "黄", "林", "", "7", *inside(sessions, "350305101001")]])
    text = submit("xtw.admin", "data:text/csv;base64," + base64.b64encode(outside).decode())
    assert "未导入" in text and "第 2 行（经度）：点位不在您的辖区内" in text
    with sessions() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.target == "flood.points.import")
        ).all()
    assert any(e.login == "xtw.admin" and '"added": 1' in e.detail for e in entries)


def test_the_import_command(flood_app, sessions, tmp_path, monkeypatch, capsys):
    import app.cli as cli

    settings = flood_app.server.extensions["onemap"].settings
    monkeypatch.setenv("ONEMAP_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("ONEMAP_SECRET_KEY", "k")
    a = inside(sessions, "350322100001")
    gcj = wgs84_to_gcj02(*a)
    good = tmp_path / "good.csv"
    good.write_bytes(to_csv([["命令行点", "水库山塘", "红", "余", "", "1", *gcj]]))
    before = count(sessions)
    assert cli.main(["flood", "import", str(good), "--crs", "gcj02", "--dry-run"]) == 0
    assert "DRY RUN" in capsys.readouterr().out and count(sessions) == before
    assert cli.main(["flood", "import", str(good), "--crs", "gcj02"]) == 0
    assert "OK: added 1" in capsys.readouterr().out and count(sessions) == before + 1
    bad = tmp_path / "bad.csv"
    bad.write_bytes(to_csv([["坏点", "水库山塘", "红", "余", "", "1", 118.09, 24.48]]))
    assert cli.main(["flood", "import", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "REJECTED" in out and "row 2 (lon): the point lies outside the city" in out


def test_geojson_export_is_scoped_and_audited(client_as, sessions):
    response = client_as("xtw.staff").get("/api/v1/flood/points.geojson")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    assert "attachment" in response.headers["Content-Disposition"]
    body = json.loads(response.data)
    codes = {f["properties"]["village_code"] for f in body["features"]}
    assert len(body["features"]) >= 46 and all(c.startswith("350304100") for c in codes)
    assert (
        client_as("xiuyu.staff").get("/api/v1/flood/points.geojson?unit=350304100").status_code
        == 403
    )
    with sessions() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.target == "flood.points.geojson")
        ).all()[-1]
    assert entry.login == "xtw.staff"


def test_the_page_refuses_a_file_over_the_cap_by_its_size(
    flood_app, client_as, sessions, monkeypatch
):
    from types import SimpleNamespace

    from modules.flood.importer_page import import_layout
    from tests.modules.flood.helpers import page_import, page_submit, state

    def upload_of(layout):
        return next(c for c in layout.children if getattr(c, "id", None) == "flood-import-file")

    admin = SimpleNamespace(viewer=lambda: viewer_of("xtw.admin"))
    upload = upload_of(import_layout(admin)())
    assert upload.max_size == 50 * 1024 * 1024 and "不超过 50 MB" in str(upload.children)
    monkeypatch.setenv("ONEMAP_FLOOD_IMPORT_MAX_MB", "0.01")  # about 10 KB
    assert upload_of(import_layout(admin)()).max_size == 10485
    client = client_as("xtw.admin")
    before = state(flood_app)
    text = page_import(client, b"x" * 40_000, "big.csv")
    assert "文件超过大小上限 10 KB（本文件 39 KB），请拆分后分批导入。" in text
    # Refused by the length of what was sent, before decoding it: even when it is no base64.
    text = page_submit(client, "data:text/csv;base64," + "!" * 60_000, "big.csv")
    assert "文件超过大小上限 10 KB" in text
    assert "文件无法读取，请重新选择。" in page_submit(client, "data:text/csv;base64,!!!!", "x.csv")
    assert state(flood_app) == before
