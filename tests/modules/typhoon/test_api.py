"""The typhoon HTTP API: storms, tracks, exposure in the viewer's scope only, exports,
publishing exposure as a signal, and imports that load all or nothing."""

from __future__ import annotations

import io
import zipfile

from tests.accounts_fixture import csrf_header
from tests.modules.typhoon.test_parsers import OURS_CSV

LANDFALL = "2015-09-29T00:50:00Z"  # 1521 Dujuan at landfall in 秀屿区 (08:50 Beijing time)


def test_storms_list_names_seasons_and_radii(client_as):
    body = client_as("xtw.leader").get("/api/v1/typhoon/storms").json
    storms = {s["id"]: s for s in body["storms"]}
    assert {"1513", "1521", "1614", "1808", "2305", "2403"} <= set(storms)
    assert storms["1521"]["name_zh"] == "杜鹃" and storms["1521"]["name_en"] == "Dujuan"
    assert storms["1521"]["season"] == 2015 and storms["1521"]["has_radii"] is True
    assert storms["2403"]["has_radii"] is False


def test_storms_route_checks_the_unit_like_every_route(client_as):
    client = client_as("xiuyu.staff")
    assert client.get("/api/v1/typhoon/storms?unit=350305101000").status_code == 200
    assert client.get("/api/v1/typhoon/storms?unit=350304100000").status_code == 403
    assert client.get("/api/v1/typhoon/storms?unit=350304199000").status_code == 404


def test_track_is_geojson_with_grades_and_warning_line_crossings(client_as):
    body = client_as("xiuyu.staff").get("/api/v1/typhoon/storms/1521/track").json
    points = [f for f in body["features"] if f["geometry"]["type"] == "Point"]
    assert len(points) == 36
    first = points[0]["properties"]
    assert first["time"].endswith("+00:00") and first["grade_name"]
    crossed = {c["line"]: c["time"] for c in body["warning_crossings"]}
    assert crossed["48h"] < crossed["24h"] < LANDFALL
    assert client_as("xiuyu.staff").get("/api/v1/typhoon/storms/9999/track").status_code == 404


def test_exposure_lists_only_units_in_scope(client_as):
    url = f"/api/v1/typhoon/storms/1521/exposure?time={LANDFALL}"
    xiuyu = client_as("xiuyu.staff").get(url).json
    seven = xiuyu["levels"]["7"]
    assert seven["available"] and seven["units"]
    assert all(u["code"].startswith("350305") for u in seven["units"])
    village = next(u for u in seven["units"] if u["level"] == "village")
    (span,) = village["intervals"]
    assert span["from"] < LANDFALL.replace("Z", "+00:00") < span["until"]
    assert xiuyu["levels"]["12"]["available"] is False  # JMA has no 64-kt radii
    xtw = client_as("xtw.staff").get(url).json
    codes = [u["code"] for lv in xtw["levels"].values() for u in lv["units"]]
    assert codes and all(c.startswith("350304100") for c in codes)
    assert all(s["village_code"].startswith("350304100") for s in xtw["levels"]["7"]["sites"])


def test_exposure_changes_with_time_and_refuses_bad_input(client_as):
    client = client_as("xiuyu.staff")
    early = client.get("/api/v1/typhoon/storms/1521/exposure?time=2015-09-22T00:00:00Z").json
    assert early["levels"]["7"]["units"] == []
    assert client.get("/api/v1/typhoon/storms/1521/exposure?time=soon").status_code == 400
    assert client.get("/api/v1/typhoon/storms/0000/exposure").status_code == 404
    narrowed = client.get(
        f"/api/v1/typhoon/storms/1521/exposure?time={LANDFALL}&unit=350305101000"
    ).json
    assert all(u["code"].startswith("350305101") for u in narrowed["levels"]["7"]["units"])
    assert client.get("/api/v1/typhoon/storms/1521/exposure?unit=350304100000").status_code == 403


def test_gaemi_has_a_track_but_its_circles_are_unavailable(client_as):
    body = (
        client_as("xiuyu.staff")
        .get("/api/v1/typhoon/storms/2403/exposure?time=2024-07-25T12:00:00Z")
        .json
    )
    assert all(not level["available"] and not level["units"] for level in body["levels"].values())


def test_exports_hold_the_scope_only_and_are_audited(client_as, sessions):
    client = client_as("xiuyu.staff")
    csv_body = client.get("/api/v1/typhoon/storms/1521/exposure.csv").get_data(as_text=True)
    assert "秀屿区" in csv_body and "10级" in csv_body
    assert "350304" not in csv_body and "350303" not in csv_body
    xlsx = client.get("/api/v1/typhoon/storms/1521/exposure.xlsx")
    with zipfile.ZipFile(io.BytesIO(xlsx.data)) as book:
        text = " ".join(book.read(n).decode() for n in book.namelist())
    assert "明细" in text and "350304" not in text
    from sqlalchemy import select

    from store.models import AuditEntry

    with sessions() as session:
        targets = session.scalars(
            select(AuditEntry.target).where(AuditEntry.login == "xiuyu.staff")
        ).all()
    assert "typhoon.exposure.csv" in targets and "typhoon.exposure.xlsx" in targets


def test_publishing_needs_consult_and_carries_only_the_publishers_scope(client_as, core, sessions):
    staff = client_as("xiuyu.staff")
    refused = staff.post("/api/v1/typhoon/storms/1521/publish", headers=csrf_header(staff))
    assert refused.status_code == 403
    coordinator = client_as("xtw.coordinator")
    response = coordinator.post(
        "/api/v1/typhoon/storms/1521/publish", headers=csrf_header(coordinator)
    )
    assert response.status_code == 200 and response.json["units"] > 0
    bad = coordinator.post(
        "/api/v1/typhoon/storms/1521/publish?replay_at=later", headers=csrf_header(coordinator)
    )
    assert bad.status_code == 400
    with sessions() as session:
        (signal,) = [
            s for s in core.signals(session, "exposure") if s.key == "storm:1521@350304100000"
        ]
    assert signal.source == "typhoon" and signal.payload["event"] == "1521 杜鹃"
    assert {u["code"][:9] for u in signal.payload["units"]} == {"350304100"}
    assert all(u["level"] in (7, 10, 12) for u in signal.payload["units"])
    assert signal.payload["sites"] and signal.valid_until > signal.valid_from
    # The core map now shows the storm under consultation (its track; 2015 is long over).
    from datetime import UTC, datetime

    from modules.typhoon.layers import published_storms_layer
    from tests.accounts_fixture import viewer_of

    with sessions() as session:
        (layer,) = published_storms_layer(
            viewer_of("licheng.leader"),
            datetime.now(UTC),
            session,
            core,
        )
    assert layer.traces[0]["name"] == "台风 1521 杜鹃" and len(layer.traces[0]["lon"]) == 36


def test_import_is_admin_only_and_all_or_nothing(client_as):
    admin = client_as("city.admin")

    def upload(client, text, fmt="csv"):
        data = {"file": (io.BytesIO(text.encode()), "storm.csv"), "format": fmt}
        return client.post(
            "/api/v1/typhoon/import",
            data=data,
            headers=csrf_header(client),
            content_type="multipart/form-data",
        )

    bad = OURS_CSV.replace("22.0,124.0", "95.0,124.0")
    refused = upload(admin, bad)
    assert refused.status_code == 400 and "第2行" in refused.json["error_zh"]
    assert "line 2: lat 95.0 is outside -90 to 90" in refused.json["error"]
    assert admin.get("/api/v1/typhoon/storms/9901/track").status_code == 404
    assert upload(client_as("xtw.staff"), OURS_CSV).status_code == 403
    assert upload(admin, OURS_CSV).json["imported"] == ["9901"]
    track = admin.get("/api/v1/typhoon/storms/9901/track").json
    kinds = [f["properties"]["kind"] for f in track["features"]]
    assert kinds.count("best") == 2 and kinds.count("forecast") == 1


def test_cli_imports_a_file(typhoon_app, cli_core, tmp_path, capsys):
    from modules.typhoon.commands import do_import

    context = typhoon_app.server.extensions["onemap"]
    path = tmp_path / "bad.csv"
    path.write_text(OURS_CSV.replace("9901", "9903").replace("2026-07-01T06:00:00Z,23.0", "x,23"))
    assert do_import(cli_core, str(path), "csv", None) == 1
    said = capsys.readouterr().err
    assert "line 3: time 'x' is not an ISO 8601 time" in said and "第3行" in said
    path.write_text(OURS_CSV.replace("9901", "9903"))
    assert do_import(cli_core, str(path), "csv", None) == 0
    with context.sessions() as session:
        from modules.typhoon.storage import load

        assert load(session, "9903") is not None


FORECAST_CSV = (
    "storm,name_zh,kind,agency,issued_at,time,lat,lon,pressure_hpa,wind_ms,"
    "r7_ne,r7_se,r7_sw,r7_nw,r10_ne,r10_se,r10_sw,r10_nw\n"
    "9920,预报演练,best,,,2026-07-01T00:00:00Z,22.5,122.0,960,40,250,250,200,200,80,80,60,60\n"
    "9920,预报演练,best,,,2026-07-01T06:00:00Z,23.3,121.2,955,42,250,250,200,200,80,80,60,60\n"
    "9920,预报演练,forecast,CMA,2026-07-01T06:00:00Z,2026-07-01T18:00:00Z,24.4,120.2,950,45,"
    "250,250,200,200,80,80,60,60\n"
    "9920,预报演练,forecast,CMA,2026-07-01T06:00:00Z,2026-07-02T06:00:00Z,25.4,119.1,960,38,"
    "220,220,180,180,60,60,50,50\n"
)


def test_a_forecast_over_putian_lists_who_would_be_exposed_in_scope(client_as):
    admin = client_as("city.admin")
    data = {"file": (io.BytesIO(FORECAST_CSV.encode()), "f.csv"), "format": "csv"}
    response = admin.post(
        "/api/v1/typhoon/import",
        data=data,
        headers=csrf_header(admin),
        content_type="multipart/form-data",
    )
    assert response.json["imported"] == ["9920"]
    url = "/api/v1/typhoon/storms/9920/exposure?time=2026-07-01T06:00:00Z"
    xiuyu = client_as("xiuyu.staff").get(url).json
    assert xiuyu["levels"]["7"]["units"] == []  # the observed circles are still far out
    (forecast,) = xiuyu["forecasts"]
    assert forecast["agency"] == "CMA" and forecast["issued_at"].startswith("2026-07-01T06")
    units = forecast["levels"]["7"]["units"]
    assert units and all(u["code"].startswith("350305") for u in units)
    assert forecast["levels"]["12"]["available"] is False
    xtw = client_as("xtw.staff").get(url).json["forecasts"][0]["levels"]["10"]["units"]
    assert xtw and all(u["code"].startswith("350304100") for u in xtw)
    track = admin.get("/api/v1/typhoon/storms/9920/track").json
    assert sum(f["properties"].get("kind") == "forecast" for f in track["features"]) == 2


def test_a_storm_with_only_a_forecast_answers_every_route(client_as):
    admin = client_as("city.admin")
    only = "\n".join(
        [FORECAST_CSV.splitlines()[0]]
        + [r.replace("9920", "9921") for r in FORECAST_CSV.splitlines()[3:]]
    )
    data = {"file": (io.BytesIO(only.encode()), "f.csv"), "format": "csv"}
    response = admin.post(
        "/api/v1/typhoon/import",
        data=data,
        headers=csrf_header(admin),
        content_type="multipart/form-data",
    )
    assert response.json["imported"] == ["9921"]
    base = "/api/v1/typhoon/storms/9921"
    exposure = admin.get(f"{base}/exposure").json
    assert exposure["time"].startswith("2026-07-01T06:00") and exposure["forecasts"]
    for url in (f"{base}/track", f"{base}/exposure.csv", f"{base}/exposure.xlsx"):
        assert admin.get(url).status_code == 200, url
    coordinator = client_as("city.coordinator")
    refused = coordinator.post(f"{base}/publish", headers=csrf_header(coordinator))
    assert refused.status_code == 409 and "没有风圈资料" in refused.json["error_zh"]


def test_a_reimported_track_replaces_the_old_exposure(client_as):
    admin = client_as("city.admin")
    far = FORECAST_CSV.replace("9920", "9930").split("\n")[:3]
    near = [
        far[0],
        "9930,重导演练,best,,,2026-07-01T00:00:00Z,24.5,120.5,960,40,250,250,200,200,80,80,60,60",
        "9930,重导演练,best,,,2026-07-01T12:00:00Z,25.5,119.0,960,40,250,250,200,200,80,80,60,60",
    ]
    url = "/api/v1/typhoon/storms/9930/exposure?time=2026-07-01T06:00:00Z"
    client = client_as("xiuyu.staff")
    for rows, exposed in ((far, False), (near, True)):
        data = {"file": (io.BytesIO("\n".join(rows).encode()), "t.csv"), "format": "csv"}
        response = admin.post(
            "/api/v1/typhoon/import",
            data=data,
            headers=csrf_header(admin),
            content_type="multipart/form-data",
        )
        assert response.status_code == 200
        assert bool(client.get(url).json["levels"]["7"]["units"]) is exposed
