"""Demo data, deterministic: key points (46 in 西天尾镇, about a thousand across the city),
an open city-wide campaign 2027年汛前巡查 (西天尾镇 at 38/46), and the demo stations with a
storm that ends at seeding time (modules.flood.storm).

Each point is sampled inside its village's polygon (then checked by point-in-polygon), with a
category that fits the place: seawalls (海堤/河堤) on the coast of 秀屿区 and 荔城区, reservoirs
and mountain-torrent zones in the hill towns (most of 仙游县, the north of 涵江区 and 城厢区),
low-lying spots and underpasses in the sub-districts. Runs once, on an empty table.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, date, datetime, timedelta, timezone

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from modules.flood import ingest, storm
from modules.flood.models import RISK_LEVELS, FloodCampaign, FloodInspection, FloodKeyPoint
from modules.sdk import DivisionCode, Viewer, assign_villages, town_kind, units

LOGGER = logging.getLogger(__name__)

SEED = 20240615
XITIANWEI = "350304100"
XITIANWEI_POINTS = 46
# Counties whose boundary, where not shared with another Putian county, is sea coast.
COASTAL_COUNTIES = ("350305", "350304")
# A village this close to the coast (degrees, ~1 km) gets seawalls, placed within COAST_BAND.
COASTAL_REACH = 0.01
COAST_BAND = 0.005
# Towns in the hills: reservoirs, mountain torrents, landslides.
HILL_TOWNS = frozenset(
    {
        "350302100",  # 常太镇
        "350302101",  # 华亭镇
        "350303105",  # 萩芦镇
        "350303106",  # 白沙镇
        "350303107",  # 庄边镇
        "350303108",  # 新县镇
        "350303200",  # 大洋乡
        *(f"350322{t}" for t in ("101", "102", "103", "104", "105", "106", "107")),
        *(f"350322{t}" for t in ("108", "109", "110", "111", "200", "201", "202", "203", "204")),
    }
)
CATEGORY_WEIGHTS: dict[str, dict[str, float]] = {
    "coast": {
        "海堤/河堤": 0.45,
        "低洼易涝点": 0.2,
        "避灾安置点": 0.1,
        "危房": 0.1,
        "在建工地": 0.05,
        "地质灾害隐患点": 0.05,
        "其他": 0.05,
    },
    "hill": {
        "水库山塘": 0.32,
        "山洪灾害危险区": 0.25,
        "地质灾害隐患点": 0.18,
        "危房": 0.1,
        "避灾安置点": 0.1,
        "其他": 0.05,
    },
    "urban": {
        "低洼易涝点": 0.35,
        "下穿通道/涵洞": 0.25,
        "在建工地": 0.15,
        "危房": 0.1,
        "避灾安置点": 0.1,
        "其他": 0.05,
    },
    "plain": {
        "低洼易涝点": 0.35,
        "危房": 0.15,
        "避灾安置点": 0.15,
        "在建工地": 0.1,
        "山洪灾害危险区": 0.1,
        "地质灾害隐患点": 0.1,
        "其他": 0.05,
    },
}
# Names say what the thing is, e.g. 西天尾镇东星社区低洼易涝点1, 南日镇海山村海堤2.
NAME_OF = {"海堤/河堤": "海堤", "下穿通道/涵洞": "下穿通道", "其他": "防汛重点部位"}
RISK_WEIGHTS = {"red": 0.05, "orange": 0.12, "yellow": 0.33, "blue": 0.5}
PATROL_DAYS = {"red": 1, "orange": 3, "yellow": 7, "blue": 15}
SURNAMES = "林陈黄郑吴李王张刘蔡许方翁朱余杨周徐苏游"
GIVEN = "志国建明文华金春荣秀丽美玉清海伟强军平东兴福德辉峰娟芳"


def coastline(counties: dict[str, BaseGeometry], county: str) -> BaseGeometry:
    """The part of a county's boundary not shared with another county of the city: for the
    coastal counties, the coast."""
    own = DivisionCode.parse(county)
    others = shapely.union_all([g for code, g in counties.items() if code != own])
    return counties[own].boundary.difference(others.buffer(0.003))


def city_coast(session: Session, viewer: Viewer) -> BaseGeometry:
    """The coast of the coastal counties (秀屿区, 荔城区), as lines."""
    counties = {c.code: c.geom for c in units(session, viewer, "county")}
    present = [c for c in COASTAL_COUNTIES if DivisionCode.parse(c) in counties]
    return shapely.union_all([coastline(counties, c) for c in present])


def _short_village(name: str) -> str:
    # 东星社区居委会 -> 东星社区, 龙山村委会 -> 龙山村
    return name.removesuffix("居委会").removesuffix("委会")


def _sample_inside(rng: np.random.Generator, area: BaseGeometry, village: BaseGeometry):
    """A point (rounded to 6 decimals) strictly inside both `area` and the village."""
    shapely.prepare(area)
    min_x, min_y, max_x, max_y = area.bounds
    for _ in range(50):
        xs = np.round(rng.uniform(min_x, max_x, 64), 6)
        ys = np.round(rng.uniform(min_y, max_y, 64), 6)
        hit = shapely.contains_xy(area, xs, ys) & shapely.contains_xy(village, xs, ys)
        if hit.any():
            first = int(np.flatnonzero(hit)[0])
            return float(xs[first]), float(ys[first])
    return None


def _counts(rng: np.random.Generator, village_codes: list[str]) -> dict[str, int]:
    """Points per village: 46 in 西天尾镇 (two each, the rest at random), about one elsewhere."""
    inside = [c for c in village_codes if c.startswith(XITIANWEI)]
    counts = {c: 2 for c in inside}
    extra = XITIANWEI_POINTS - 2 * len(inside)
    for i in rng.choice(len(inside), size=extra, replace=False) if inside else ():
        counts[inside[int(i)]] += 1
    for code in village_codes:
        if code not in counts:
            counts[code] = int(rng.choice([0, 1, 2], p=[0.2, 0.6, 0.2]))
    return counts


def _kind(town: str, coastal: bool) -> str:
    if coastal:
        return "coast"
    if town in HILL_TOWNS:
        return "hill"
    return "urban" if town_kind(town) == "街道" else "plain"


def _person(rng: np.random.Generator) -> tuple[str, str]:
    name = rng.choice(list(SURNAMES)) + "".join(
        rng.choice(list(GIVEN), size=int(rng.integers(1, 3)), replace=False)
    )
    phone = "1" + rng.choice(list("3456789")) + "".join(map(str, rng.integers(0, 10, size=9)))
    return str(name), phone


def demo_rows(session: Session, viewer: Viewer) -> list[dict]:
    """The demo key points as row dicts (no database writes), the same on every run."""
    rng = np.random.default_rng(SEED)
    villages = units(session, viewer, "village")
    towns = {t.code[:9]: t.name for t in units(session, viewer, "town")}
    coast = city_coast(session, viewer)
    near_coast = coast.buffer(COAST_BAND)
    reach = coast.buffer(COASTAL_REACH)
    shapely.prepare(reach)
    counts = _counts(rng, [v.code for v in villages])
    rows: list[dict] = []
    for village in villages:
        town = village.code[:9]
        coastal = village.code[:6] in COASTAL_COUNTIES and reach.intersects(village.geom)
        weights = CATEGORY_WEIGHTS[_kind(town, coastal)]
        numbered: Counter[str] = Counter()
        for _ in range(counts[village.code]):
            category = str(rng.choice(list(weights), p=list(weights.values())))
            area = village.geom
            if category == "海堤/河堤":
                area = village.geom.intersection(near_coast)
                if area.is_empty or area.area == 0:
                    category, area = "低洼易涝点", village.geom
            where = _sample_inside(rng, area, village.geom)
            if where is None:
                LOGGER.warning("demo: no room for a point in %s", village.code)
                continue
            risk = str(rng.choice(RISK_LEVELS, p=[RISK_WEIGHTS[r] for r in RISK_LEVELS]))
            person, phone = _person(rng)
            label = NAME_OF.get(category, category)
            numbered[label] += 1
            rows.append(
                {
                    "name": f"{towns.get(town, '')}{_short_village(village.name)}"
                    f"{label}{numbered[label]}",
                    "category": category,
                    "risk_level": risk,
                    "responsible_name": person,
                    "responsible_phone": phone,
                    "patrol_every_days": PATROL_DAYS[risk],
                    "lon": where[0],
                    "lat": where[1],
                    "village_code": village.code,
                }
            )
    # Ingest's own rule decides the village: a sample that point-in-polygon puts elsewhere
    # (it cannot, being strictly inside) would be dropped rather than stored wrongly.
    assigned = assign_villages(session, [r["lon"] for r in rows], [r["lat"] for r in rows])
    kept = [r for r, code in zip(rows, assigned, strict=True) if code == r["village_code"]]
    if len(kept) != len(rows):
        LOGGER.warning("demo: %d points fell outside their village", len(rows) - len(kept))
    return kept


def seed(session: Session, viewer: Viewer) -> int:
    """All of the module's demo data, each part only into its empty table; returns the
    number of key points added."""
    added = seed_points(session, viewer)
    seed_campaign(session, viewer)
    if storm.seed_stations(session, viewer):
        end = storm.storm_end()
        items = [item for station in storm.STATIONS for item in storm.series(station, end)]
        ingest.ingest(session, items, allowed=None)
    return added


BEIJING = timezone(timedelta(hours=8))
CAMPAIGN = "2027年汛前巡查"
CAMPAIGN_OPENED = datetime(2026, 11, 1, 8, 0, tzinfo=BEIJING)
CAMPAIGN_DUE = date(2027, 4, 30)
XITIANWEI_DONE = 38
# Results of the demo inspections: mostly normal, some hazards, some already fixed.
RESULT_WEIGHTS = {"ok": 0.8, "hazard": 0.12, "fixed": 0.08}
HAZARDS = ("排水沟堵塞", "挡墙出现裂缝", "边坡有落石", "警示牌缺失", "涵洞淤积", "堤身渗水")
MEASURES = ("已清理疏通", "已设置警示标志", "已安排专人值守", "已加固修复")


def seed_campaign(session: Session, viewer: Viewer) -> int:
    """The open campaign 2027年汛前巡查 over the city, with inspections: 38 of the 46 points
    of 西天尾镇, and a share between a fifth and all of each other town's. Returns how many."""
    if session.scalar(select(func.count()).select_from(FloodCampaign)):
        return 0
    city = next(iter(units(session, viewer, "city")), None)
    if city is None:
        return 0
    campaign = FloodCampaign(
        name=CAMPAIGN,
        jurisdiction_code=city.code,
        due_date=CAMPAIGN_DUE,
        opened_by="city.coordinator",
        opened_at=CAMPAIGN_OPENED,
    )
    session.add(campaign)
    session.flush()
    rng = np.random.default_rng(SEED + 1)
    points = list(session.scalars(select(FloodKeyPoint).order_by(FloodKeyPoint.id)))
    by_town: dict[str, list[FloodKeyPoint]] = {}
    for point in points:
        by_town.setdefault(point.village_code[:9], []).append(point)
    rows = []
    for town, members in sorted(by_town.items()):
        share = XITIANWEI_DONE / len(members) if town == XITIANWEI else rng.uniform(0.2, 1.0)
        count = min(len(members), round(share * len(members)))
        chosen = sorted(rng.choice(len(members), size=count, replace=False).tolist())
        for i in chosen:
            result = str(rng.choice(list(RESULT_WEIGHTS), p=list(RESULT_WEIGHTS.values())))
            at = CAMPAIGN_OPENED + timedelta(minutes=int(rng.integers(60, 24 * 60 * 24)))
            rows.append(
                {
                    "point_id": members[i].id,
                    "campaign_id": campaign.id,
                    "inspector": "xitianwei.staff" if town == XITIANWEI else "demo",
                    "inspected_at": at,
                    "result": result,
                    "hazard": str(rng.choice(HAZARDS)) if result != "ok" else "",
                    "measures": str(rng.choice(MEASURES)) if result == "fixed" else "",
                }
            )
    if rows:
        session.execute(insert(FloodInspection), rows)
    LOGGER.info("flood demo: campaign %s with %d inspections", CAMPAIGN, len(rows))
    return len(rows)


def seed_points(session: Session, viewer: Viewer) -> int:
    """Insert the demo key points into an empty table; returns how many (0 if not empty)."""
    if session.scalar(select(func.count()).select_from(FloodKeyPoint)):
        return 0
    rows = demo_rows(session, viewer)
    now = datetime.now(UTC)
    if rows:
        session.execute(
            insert(FloodKeyPoint), [{**row, "created_at": now, "updated_at": now} for row in rows]
        )
    LOGGER.info("flood demo: %d key points", len(rows))
    return len(rows)
