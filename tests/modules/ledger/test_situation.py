"""The ledger's answer to a consultation (the `situation` hook, through core.situation):
the people exposed where it holds population, for the villages the exposure signals in
force list; only units in the viewer's scope, nothing for a viewer who may not read the
ledger, a drill's exposure read at now, figures equal to the ledger's own, 演示 marked,
个人敏感 tags never."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from access.viewer import make_viewer
from modules.ledger import periods
from modules.ledger.catalogue_admin import save_tag
from modules.ledger.exposed import BEIJING
from modules.ledger.models import LedgerValue
from modules.ledger.values import carried
from modules.sdk import EXPOSURE, Signal, SituationEvent
from tests.accounts_fixture import viewer_of
from tests.modules.ledger.helpers import XIUYU_VILLAGE, XTW, XTW_VILLAGES

V1, V2, V3 = XTW_VILLAGES
ITEM = "ledger.exposed_people"
NOW = datetime.now(UTC).replace(microsecond=0)
PAST = datetime(2015, 9, 28, 6, tzinfo=UTC)  # 1521 杜鹃 near Putian
CITY = "350300000000"


def iso(moment: datetime) -> str:
    return moment.isoformat()


def entry(code: str, level: int, start: datetime, hours: float = 6) -> dict:
    return {
        "code": code,
        "level": level,
        "from": iso(start),
        "until": iso(start + timedelta(hours=hours)),
    }


def exposure(storm, units, at, drill=False, replayed_from=None, key=None) -> Signal:
    payload = {
        "hazard": "台风",
        "event": f"{storm}（演练）" if drill else storm,
        "storm": storm,
        "drill": drill,
        "replayed_from": iso(replayed_from) if replayed_from else None,
        "scope": [CITY],
        "replaced_in": [],
        "sites": [],
        "units": units,
    }
    return Signal(
        name=EXPOSURE,
        source="typhoon",
        payload=payload,
        at=at,
        key=key or f"storm:{storm}@{CITY}",
        valid_from=at,
        valid_until=at + timedelta(hours=24),
    )


def event(storm: str, drill=False, scope=CITY, kind="typhoon") -> SituationEvent:
    return SituationEvent(1, kind, storm, scope, f"{storm} 会商", NOW, drill=drill, level=3)


@pytest.fixture
def board(ledger_app):
    """ask(viewer, event, moment) -> the ledger's item (or None), in a session whose
    signals and catalogue edits are rolled back afterwards."""
    context = ledger_app.server.extensions["onemap"]
    with context.sessions() as session:

        def ask(viewer, asked, moment=NOW):
            items = context.core.situation(session, viewer, asked, moment)
            return next((i for i in items if i.id == ITEM), None)

        ask.session = session
        ask.publish = lambda signal: context.core.publish(session, signal)
        try:
            yield ask
        finally:
            session.rollback()


def live(board, storm="L01"):
    board.publish(
        exposure(
            storm,
            [
                entry(V1, 10, NOW - timedelta(hours=1)),
                entry(V1, 7, NOW - timedelta(hours=3)),
                entry(V2, 7, NOW + timedelta(hours=2)),  # about to be reached: counts
                entry(V3, 12, NOW - timedelta(hours=9)),  # over: it has left
                entry(XIUYU_VILLAGE, 7, NOW - timedelta(hours=1)),
                entry(XTW, 10, NOW - timedelta(hours=1)),  # a town: the villages carry it
                entry("350305", "x", NOW),  # junk is skipped
            ],
            NOW - timedelta(hours=4),
        )
    )


def held(session, units: list[str], month: int) -> dict:
    found = carried(session, ["RK002", "RK008", "MZ001"], month, LedgerValue.unit_code.in_(units))
    return {(u, t): int(h.number) for (u, t), h in found.items()}


def test_the_people_exposed_are_the_ledgers_figures_for_the_exposed_villages(board, client_as):
    # The same figures as the ledger's own API gives for this month (asked first: on SQLite
    # the board's session then holds the write lock).
    month = periods.of_date(NOW.astimezone(BEIJING).date())
    answer = client_as("city.coordinator").get(
        "/api/v1/ledger/values",
        query_string={
            "tags": "RK002,RK008,MZ001",
            "units": ",".join([V1, V2, XIUYU_VILLAGE]),
            "periods": periods.label(month),
        },
    )
    api = {(v["unit"], v["tag"]): v["value"] for v in answer.get_json()["values"]}
    live(board)
    item = board(viewer_of("city.coordinator"), event("L01"))
    assert item.key == "unit" and item.unit == "人" and item.as_of == NOW
    rows = {r["unit"]: r for r in item.rows}
    assert set(rows) == {V1, V2, XIUYU_VILLAGE} and rows[V1]["level"] == 10
    levels = [r["level"] for r in item.rows]
    assert levels == sorted(levels, reverse=True)  # the highest wind level first
    for unit, row in rows.items():
        for tag in ("RK002", "RK008", "MZ001"):
            assert row[tag] == api[(unit, tag)] is not None
        assert row["source"] == "演示" and row["name"]
    assert item.value == sum(api[(u, "RK002")] for u in rows) > 0
    assert item.source == f"一张表 · {periods.label_zh(month)} (演示)"
    headings = dict(item.columns)
    assert headings["RK002"] == "常住人口（人）" and headings["level"] == "风圈（级）"
    assert item.severity == "warn"


@pytest.mark.parametrize(
    ("login", "units"),
    [
        ("xitianwei.staff", {V1, V2}),
        ("xiuyu.staff", {XIUYU_VILLAGE}),
        ("licheng.leader", {V1, V2}),
        ("city.leader", {V1, V2, XIUYU_VILLAGE}),
    ],
)
def test_only_the_viewers_villages_are_counted(board, login, units):
    live(board, "L02")
    item = board(viewer_of(login), event("L02"))
    assert {r["unit"] for r in item.rows} == units
    assert item.value == sum(r["RK002"] for r in item.rows)


def test_the_events_scope_narrows_it_too(board):
    live(board, "L03")
    item = board(viewer_of("city.coordinator"), event("L03", scope="350305000000"))
    assert {r["unit"] for r in item.rows} == {XIUYU_VILLAGE}


def test_a_viewer_who_may_not_read_the_ledger_gets_nothing(board):
    live(board, "L04")
    nobody = make_viewer(9, "guest", "guest", "leader", ["350300"], {"leader": frozenset({"read"})})
    assert board(nobody, event("L04")) is None


def test_another_storms_footprint_is_not_counted(board):
    live(board, "L05")
    item = board(viewer_of("city.coordinator"), event("L99"))
    assert item.rows == () and item.value == 0 and item.severity == ""


def test_until_is_the_first_minute_outside(board):
    # Exposure intervals are half-open: a village whose `until` is this minute has left; one
    # leaving a minute later is still counted.
    left = entry(V1, 10, NOW - timedelta(hours=6), hours=6)
    staying = entry(V2, 10, NOW - timedelta(hours=6), hours=6 + 1 / 60)
    board.publish(exposure("L06", [left, staying], NOW - timedelta(hours=6)))
    item = board(viewer_of("city.coordinator"), event("L06"))
    assert {r["unit"] for r in item.rows} == {V2}


def test_a_drill_reads_its_exposure_in_the_storms_time_and_this_months_figures(board):
    # The typhoon module publishes a drill of 1521 replayed from PAST with the storm's times
    # shifted to now; a live storm's signal is in force too, and never enters the drill.
    shift = NOW - PAST
    board.publish(
        exposure(
            "1521",
            [entry(V1, 12, PAST - timedelta(hours=1) + shift), entry(V2, 7, PAST + shift, 2)],
            NOW,
            drill=True,
            replayed_from=PAST,
        )
    )
    board.publish(exposure("1521", [entry(V3, 10, NOW)], NOW, key="storm:1521@live"))
    coordinator = viewer_of("city.coordinator")
    item = board(coordinator, event("1521", drill=True), PAST)
    assert [r["unit"] for r in item.rows] == [V1, V2] and item.rows[0]["level"] == 12
    this = periods.of_date(NOW.astimezone(BEIJING).date())
    assert item.rows[0]["RK002"] == held(board.session, [V1], this)[(V1, "RK002")]
    assert item.source == f"一张表 · {periods.label_zh(this)} (演示)；2015年9月无数据，取本月"
    assert item.as_of == PAST
    # Three hours on in the replay, V2's seven-level circle (two hours) has passed it.
    later = board(coordinator, event("1521", drill=True), PAST + timedelta(hours=3))
    assert [r["unit"] for r in later.rows] == [V1]
    # Not a drill: at a past moment nothing was in force.
    assert board(coordinator, event("1521"), PAST).rows == ()


def test_a_personal_tag_never_appears_whoever_asks(board):
    live(board, "L06")
    admin = viewer_of("city.admin")
    save_tag(board.session, admin, "MZ001", {"sensitivity": "个人敏感"}, create=False)
    for login in ("xitianwei.staff", "city.admin", "city.coordinator"):
        item = board(viewer_of(login), event("L06"))
        assert "MZ001" not in dict(item.columns)
        assert all("MZ001" not in row for row in item.rows)
