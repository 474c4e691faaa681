"""The time slider and the player of 台风会商, over HTTP as the browser calls them: a step
answers a Patch of the traces that move (never the whole figure), which turns the figure on
screen into exactly the figure of the new time; the player moves by the configured speed."""

from __future__ import annotations

import copy
import json

import pytest

from modules.sdk import SettingsError
from modules.typhoon import pages, settings
from modules.typhoon.track import GRADES
from tests.dash_client import call_callback, response_json

RENDER = [
    ("typhoon-map", "figure"),
    ("typhoon-status", "children"),
    ("typhoon-exposure", "children"),
]
STEP = ["typhoon-time.value"]
NEW_STORM = ["typhoon-storm.value"]
LANDFALL_HOUR = 181  # 1521 杜鹃 reaches 秀屿区 (tests/modules/typhoon/test_page.py)
NOW_TRACES = 4  # the 7, 10 and 12-level circles and the centre


def render(client, hour, changed, replay=(), storm="1521"):
    response = call_callback(
        client,
        RENDER,
        [
            ("typhoon-storm", "value", storm),
            ("typhoon-time", "value", hour),
            ("typhoon-replay", "value", list(replay)),
        ],
        changed=changed,
    )
    return response_json(response)["response"]


def applied(figure: dict, patch: dict) -> dict:
    """The figure after a Patch, as dash-renderer applies one (negative indices count from
    the end of the list)."""
    result = copy.deepcopy(figure)
    for operation in patch["operations"]:
        assert operation["operation"] == "Assign", operation
        *path, last = operation["location"]
        target = result
        for key in path:
            target = target[key]
        target[last] = operation["params"]["value"]
    return result


@pytest.mark.parametrize("replay", [(), ("replay",)], ids=["live", "replay"])
def test_a_step_patches_only_what_moves_and_lands_on_the_new_times_figure(client_as, replay):
    client = client_as("xiuyu.staff")
    before = render(client, LANDFALL_HOUR - 6, NEW_STORM, replay)["typhoon-map"]["figure"]
    step = render(client, LANDFALL_HOUR, STEP, replay)["typhoon-map"]["figure"]
    whole = render(client, LANDFALL_HOUR, NEW_STORM, replay)["typhoon-map"]["figure"]

    assert "data" not in step and step["__dash_patch_update"] == "__dash_patch_update"
    moving = NOW_TRACES + (1 + len(GRADES) if replay else 0)  # a replay's track grows
    locations = [op["location"] for op in step["operations"]]
    assert locations == [["data", offset] for offset in range(-moving, 0)]
    sent = json.dumps(step, ensure_ascii=False)
    assert "警戒线" not in sent and "预报" not in sent and "layout" not in sent
    assert applied(before, step)["data"] == whole["data"]
    # Live, the track stays: a step sends under half the figure (in a replay the track so far
    # is part of what moves).
    assert len(sent) * (2 if not replay else 1) <= len(json.dumps(whole, ensure_ascii=False))
    # The centre says which figure the step is for; the page checks it (CHECK_STEP).
    key = "1521|replay" if replay else "1521|live"
    assert whole["layout"]["meta"]["key"] == key
    assert step["operations"][-1]["params"]["value"]["meta"] == {"key": key}
    names = [op["params"]["value"].get("name") for op in step["operations"]]
    assert names[-NOW_TRACES:] == ["7级风圈", "10级风圈", None, "台风中心"]  # no 12-level here


def test_a_new_storm_or_mode_sends_the_whole_figure_fitted_in_the_browser(client_as):
    client = client_as("xiuyu.staff")
    for changed in (NEW_STORM, ["typhoon-replay.value"], []):
        figure = render(client, 20, changed)["typhoon-map"]["figure"]
        assert "__dash_patch_update" not in figure and figure["data"], changed
        fit = figure["layout"]["meta"]["fit"]
        west, south, east, north = fit["bbox"]
        assert west < 119.2 < east and south < 25.3 < north  # the track and Putian
        assert fit["narrow_legend"]["orientation"] == "h" and fit["narrow_width"] == 600


def test_a_step_lists_only_the_viewers_units(client_as):
    xiuyu = json.dumps(render(client_as("xiuyu.staff"), LANDFALL_HOUR, STEP), ensure_ascii=False)
    xitianwei = json.dumps(
        render(client_as("xitianwei.staff"), LANDFALL_HOUR, STEP), ensure_ascii=False
    )
    assert "秀屿区" in xiuyu and "350304" not in xiuyu and "西天尾镇" not in xiuyu
    assert "350305" not in xitianwei and "秀屿区" not in xitianwei


def test_a_forged_step_is_clamped_and_echoes_nothing(client_as):
    client = client_as("xiuyu.staff")
    for hour in ("350304100000", -5, None, [1], 10**30):
        response = call_callback(
            client,
            RENDER,
            [
                ("typhoon-storm", "value", "1521"),
                ("typhoon-time", "value", hour),
                ("typhoon-replay", "value", "350304100000"),
            ],
            changed=STEP,
        )
        text = response.get_data(as_text=True)
        assert response.status_code == 200 and "350304100000" not in text, hour
    # No storm: nothing to patch, an empty figure.
    empty = render(client, 5, STEP, storm="no-such")["typhoon-map"]["figure"]
    assert empty["data"] == []


def tick(client, hour, speed, top=200):
    response = call_callback(
        client,
        [("typhoon-time", "value")],
        [("typhoon-storm", "value", "1521"), ("typhoon-interval", "n_intervals", 3)],
        [
            ("typhoon-time", "value", hour),
            ("typhoon-time", "max", top),
            ("typhoon-speed", "value", speed),
        ],
        changed=["typhoon-interval.n_intervals"],
    )
    return response_json(response)["response"]["typhoon-time"]["value"]


def interval(client, speed):
    response = call_callback(
        client,
        [("typhoon-interval", "interval")],
        [("typhoon-speed", "value", speed)],
        changed=["typhoon-speed.value"],
    )
    return response_json(response)["response"]["typhoon-interval"]["interval"]


@pytest.mark.parametrize("seconds_per_day", [10, 30, 60])
def test_playback_plays_a_day_in_the_chosen_seconds(client_as, seconds_per_day):
    client = client_as("xiuyu.staff")
    ms = interval(client, seconds_per_day)
    hours = tick(client, 50, seconds_per_day) - 50
    assert hours >= 1 and ms >= settings.MIN_TICK_MS
    # 24 hours of storm time take exactly the chosen seconds of ticks.
    assert 24 / hours * ms == pytest.approx(seconds_per_day * 1000, rel=0.01)


def test_playback_stops_at_the_last_fix_then_starts_over(client_as):
    client = client_as("xiuyu.staff")
    assert tick(client, 198, 10, top=200) == 200  # three hours a tick, cut at the end
    assert tick(client, 200, 10, top=200) == 0


def test_a_forged_speed_plays_at_the_configured_one(client_as):
    client = client_as("xiuyu.staff")
    default = settings.playback_seconds_per_day()
    for forged in (7, "10", True, None, [10], 10**9):
        assert interval(client, forged) == settings.pace(default)[0], forged
        assert tick(client, 50, forged) == 50 + settings.pace(default)[1], forged


def test_the_configured_speed_is_the_pages_default_and_among_its_choices(monkeypatch):
    monkeypatch.setenv("ONEMAP_TYPHOON_PLAYBACK_SECONDS_PER_DAY", "20")
    picker = pages.speed_picker()
    assert picker.value == 20
    assert [o["label"] for o in picker.options] == ["1天/10秒", "1天/20秒", "1天/30秒", "1天/60秒"]
    assert settings.pace(20) == (1667, 2)
    monkeypatch.setenv("ONEMAP_TYPHOON_PLAYBACK_SECONDS_PER_DAY", "0")
    with pytest.raises(SettingsError, match="ONEMAP_TYPHOON_PLAYBACK_SECONDS_PER_DAY"):
        settings.playback_seconds_per_day()


def test_the_default_speed_is_a_day_in_ten_seconds(monkeypatch):
    monkeypatch.delenv("ONEMAP_TYPHOON_PLAYBACK_SECONDS_PER_DAY", raising=False)
    assert settings.load(environ={}).playback_seconds_per_day == 10
    assert [o["label"] for o in pages.speed_picker().options][:3] == [
        "1天/10秒",
        "1天/30秒",
        "1天/60秒",
    ]
