"""Exposure intervals are half-open: `until` is the first minute outside the circle, so at
t == until a unit is no longer listed, and at until - 1 minute it still is (the API and a
consultation's board alike)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import shapely

from modules.sdk import SituationEvent
from modules.typhoon import service
from modules.typhoon.exposure import Target, Targets, timeline
from modules.typhoon.track import Fix
from tests.accounts_fixture import viewer_of

LANDFALL = "2015-09-29T00:50:00Z"  # 1521 Dujuan at landfall in 秀屿区
MINUTE = timedelta(minutes=1)
URL = "/api/v1/typhoon/storms/1521/exposure?time="


def _stamp(time: datetime) -> str:
    return time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _listed(client, time: datetime, level: str = "7") -> set[str]:
    body = client.get(URL + _stamp(time)).json
    return {u["code"] for u in body["levels"][level]["units"]}


def _a_closed_interval(client, level: str = "7") -> tuple[str, datetime, datetime]:
    """A village inside at landfall, its interval holding landfall (one that ends before the
    track does)."""
    body = client.get(URL + LANDFALL).json
    for unit in body["levels"][level]["units"]:
        if unit["level"] != "village":
            continue
        (span,) = unit["intervals"]
        until = service.parse_time(span["until"])
        if until < datetime(2015, 10, 1, tzinfo=UTC):
            return unit["code"], service.parse_time(span["from"]), until
    raise AssertionError("no village inside at landfall")


def test_api_lists_a_unit_from_its_first_minute_inside_until_the_minute_before_until(client_as):
    client = client_as("xtw.staff")
    code, start, until = _a_closed_interval(client)
    assert code not in _listed(client, start - MINUTE)
    assert code in _listed(client, start)
    assert code in _listed(client, until - MINUTE)
    assert code not in _listed(client, until)  # the first minute outside


def test_board_lists_a_village_until_the_minute_before_until(client_as, core, sessions):
    code, start, until = _a_closed_interval(client_as("xtw.staff"))
    event = SituationEvent(7, "typhoon", "1521", "350300000000", "1521 会商", start, drill=True)

    def inside(moment: datetime) -> set[str]:
        with sessions() as session:
            found = core.situation(session, viewer_of("xtw.staff"), event, moment)
        (item,) = [i for i in found if i.id == "typhoon.inside7"]
        return {row["unit"] for row in item.rows}

    assert code in inside(until - MINUTE)
    assert code not in inside(until)


def test_a_point_still_inside_at_the_last_fix_is_inside_through_that_minute():
    """Half-open everywhere: a target inside when the track ends gets `until` a minute past
    the last fix, so asked at the last fix it is listed; one that left is not."""
    start = datetime(2015, 9, 28, tzinfo=UTC)
    radii = {7: (100.0, 100.0, 100.0, 100.0), 10: None, 12: None}
    track = [
        Fix(start, 119.0, 25.0, radii=dict(radii)),
        Fix(start + timedelta(hours=6), 119.5, 25.0, radii=dict(radii)),
    ]
    near_end = Target("end", "终点旁", "site", shapely.Point(119.5, 25.1))
    near_start = Target("start", "起点旁", "site", shapely.Point(118.4, 25.0))
    found = timeline(track, Targets([near_end, near_start]))
    assert found["end"].intervals[7] == [(found["end"].intervals[7][0][0], track[-1].time + MINUTE)]
    (left,) = found["start"].intervals[7]
    assert left[0] == start and start < left[1] < track[-1].time
