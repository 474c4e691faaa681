"""The demo consultation: 1521 杜鹃 replayed as a drill (演练) over Putian, with two rounds
six hours apart, a response-level change and a few decisions, so that a newcomer sees a
consultation at once. Made through the same functions the page uses, as the city's
coordinator would."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select
from sqlalchemy.orm import Session

from modules.consult.access import READ, RUN
from modules.consult.entries import add_entry
from modules.consult.events import move_clock, open_event, set_level
from modules.consult.models import ConsultEvent
from modules.consult.refusals import Refused
from modules.consult.snapshots import take
from modules.sdk import CoreServices, Viewer

STORM = "1521"
FIRST_ROUND = "2015-09-28 08:00"  # Beijing time: the 7-level circle reaches the coast
CITY = "350300000000"
CITY_VIEW = {"center": {"lon": 119.05, "lat": 25.35}, "zoom": 8.3}


def _coordinator(viewer: Viewer) -> Viewer:
    """The system viewer acting as the city's emergency coordinator (市应急指挥)."""
    return dataclasses.replace(
        viewer,
        name="市应急指挥（演示）",
        login="city.coordinator",
        role="coordinator",
        permissions=viewer.permissions | {READ, RUN},
    )


def seed(session: Session, viewer: Viewer, core: CoreServices) -> ConsultEvent | None:
    if session.scalar(select(ConsultEvent.id).limit(1)) is not None:
        return None
    host = _coordinator(viewer)
    try:
        event = open_event(
            session,
            host,
            core,
            kind="typhoon",
            title="1521 杜鹃",
            scope=CITY,
            ref=STORM,
            drill=True,
            start=FIRST_ROUND,
            level=4,
        )
    except Refused:  # no typhoon module, or no such storm: no demo consultation
        return None
    add_entry(
        session,
        host,
        event,
        kind="assessment",
        text="杜鹃七级风圈已触及秀屿区沿海，预计今天白天覆盖全市，明日上午在莆田至福清一带沿海登陆。",
    )
    add_entry(
        session,
        host,
        event,
        kind="decision",
        text="启动防台风Ⅳ级应急响应；沿海镇街12时前完成渔船回港、人员上岸。",
    )
    take(session, host, core, event, CITY_VIEW)
    move_clock(session, host, event, "+6h")
    set_level(session, host, event, 3, "七级风圈已覆盖全市，十级风圈今夜逼近")
    add_entry(
        session,
        host,
        event,
        kind="instruction",
        text="请西天尾镇立即组织危险区域人员转移，并于1小时内反馈转移人数。",
        units=["350304100000"],
    )
    add_entry(
        session,
        host,
        event,
        kind="feedback",
        text="西天尾镇反馈：已转移危险区域群众 312 人。",
        units=["350304100000"],
    )
    take(session, host, core, event, CITY_VIEW)
    return event
