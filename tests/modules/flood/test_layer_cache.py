"""The flood layers are reused for a few seconds, never across a change or another viewer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from modules import flood
from modules.flood import patrol
from modules.flood.layer_cache import LayerCache, fingerprint
from modules.flood.points import points_for
from modules.sdk import LayerSpec, Signal
from tests.accounts_fixture import viewer_of
from tests.modules.flood.test_map import key_point_trace
from tests.modules.test_contract import render


def _layers(flood_app, viewer, unit=None) -> list[LayerSpec]:
    """The flood module's answer to the core's register_layers call."""
    context = flood_app.server.extensions["onemap"]
    with context.sessions() as session:
        return flood.register_layers(viewer, datetime.now(UTC), session, unit, context.core)


def test_an_inspection_shows_on_the_next_render_not_after_the_cache_expires(
    flood_app, client_as, sessions
):
    staff = viewer_of("xtw.staff")
    before = key_point_trace(render(client_as("xtw.staff")))
    waiting = [i for i, text in enumerate(before["text"]) if "未巡查" in text]
    assert waiting, "the demo leaves some of 西天尾镇's points unpatrolled"
    with sessions() as session, session.begin():
        point = next(p for p, state in _pending(session, staff) if state.status == "未巡查")
        patrol.record_inspection(session, staff, point_id=point.id, result="ok")
        name = point.name
    after = key_point_trace(render(client_as("xtw.staff")))
    text = next(t for t in after["text"] if t.startswith(name + "<br>"))
    assert "未巡查" not in text
    assert sum("未巡查" in t for t in after["text"]) == len(waiting) - 1


def _pending(session, viewer):
    points = points_for(session, viewer)
    states = patrol.statuses(session, points)
    return [(p, states[p.id]) for p in points]


def test_another_towns_viewer_never_gets_a_cached_answer(flood_app):
    xtw = _layers(flood_app, viewer_of("xtw.staff"))
    xiuyu = _layers(flood_app, viewer_of("xiuyu.staff"))
    xtw_names = set(xtw[0].traces[0]["text"])
    assert xtw_names and not xtw_names & set(xiuyu[0].traces[0]["text"])
    # Same scope, another role: phone numbers differ (masked for a leader), so no reuse.
    leader = _layers(flood_app, viewer_of("xtw.leader"))
    assert "****" in " ".join(leader[0].traces[0]["text"])
    assert "****" not in " ".join(_layers(flood_app, viewer_of("xtw.staff"))[0].traces[0]["text"])


def test_unchanged_data_is_reused_until_the_time_runs_out(flood_app, sessions):
    clock = [100.0]
    cache = LayerCache(ttl_s=10, clock=lambda: clock[0])
    made = []
    context = flood_app.server.extensions["onemap"]
    viewer = viewer_of("xtw.staff")

    def get():
        with sessions() as session:
            return cache.get_or_make(
                "map", viewer, None, session, context.core, lambda: made.append(1) or len(made)
            )

    assert get() == 1 and get() == 1  # the second is the first answer again
    clock[0] += 9.9
    assert get() == 1
    clock[0] += 0.2
    assert get() == 2  # 10 s after it was made: computed again


def test_an_exposure_signal_changes_the_fingerprint_and_its_withdrawal_restores_it(
    flood_app, sessions
):
    context = flood_app.server.extensions["onemap"]
    with sessions() as session:
        before = fingerprint(session, context.core)
    now = datetime.now(UTC).replace(microsecond=0)
    signal = Signal(
        "exposure",
        "typhoon",
        {"hazard": "台风", "event": "缓存", "sites": []},
        key="storm:cache",
        valid_from=now - timedelta(minutes=1),
        valid_until=now + timedelta(hours=1),
    )
    with sessions() as session, session.begin():
        context.core.publish(session, signal)
    try:
        with sessions() as session:
            assert fingerprint(session, context.core) != before
    finally:
        with sessions() as session, session.begin():
            context.core.publish(session, Signal("exposure", "typhoon", {}, key="storm:cache"))
    with sessions() as session:
        assert fingerprint(session, context.core) == before
