"""Reading an items request's query string into a FeatureQuery, or a 400 saying what is wrong.

Every parameter is checked before anything is read: a bad one changes nothing and answers
400 with an English `error` and a zh-CN `message` naming the parameter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from app.ogc import crs
from modules.sdk import CollectionSpec, FeatureQuery

DEFAULT_LIMIT = 10
MAX_LIMIT = 10_000
# Parameters every items request may carry besides the collection's queryables.
COMMON = frozenset({"f", "limit", "bbox", "bbox-crs", "crs", "datetime", "cursor"})


class BadParameter(ValueError):
    """A query parameter that cannot be used: English and zh-CN sentences."""

    def __init__(self, message: str, message_zh: str) -> None:
        super().__init__(message)
        self.message_zh = message_zh


@dataclass(frozen=True)
class ItemsRequest:
    query: FeatureQuery
    crs: str  # the URI features are answered in


def _limit(text: str | None) -> int:
    if text is None or text == "":
        return DEFAULT_LIMIT
    try:
        value = int(text)
    except ValueError:
        raise BadParameter(
            f"limit must be a whole number, got {text!r}", f"limit 须为整数：{text}"
        ) from None
    if value < 1:
        raise BadParameter(f"limit must be at least 1, got {value}", "limit 至少为 1")
    return min(value, MAX_LIMIT)


def _bbox(text: str | None, bbox_crs: str) -> tuple[float, float, float, float] | None:
    if not text:
        return None
    parts = text.split(",")
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        numbers = []
    if len(numbers) == 6:  # with heights: minx,miny,minz,maxx,maxy,maxz
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise BadParameter(
            f"bbox must be four numbers minx,miny,maxx,maxy, got {text!r}",
            f"bbox 须为四个数：最小x,最小y,最大x,最大y（收到 {text}）",
        )
    if numbers[0] > numbers[2] or numbers[1] > numbers[3]:
        raise BadParameter(
            f"bbox lower corner must not exceed the upper corner: {text!r}",
            f"bbox 的最小值不能大于最大值：{text}",
        )
    found = crs.bbox_to_crs84(tuple(numbers), bbox_crs)  # type: ignore[arg-type]
    if not all(math.isfinite(n) for n in found):
        raise BadParameter(
            f"bbox lies outside what {bbox_crs} can describe: {text!r}",
            f"bbox 超出该坐标系的范围：{text}",
        )
    return tuple(max(-180.0, min(180.0, n)) for n in found)  # type: ignore[return-value]


def parse_instant(text: str) -> datetime:
    """An RFC 3339 date-time (or a date: its midnight, UTC) as an aware UTC datetime."""
    value = text.strip()
    if len(value) == 10:
        value += "T00:00:00Z"
    moment = datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _interval(text: str | None) -> tuple[datetime | None, datetime | None]:
    if not text:
        return None, None
    ends = text.split("/")
    if len(ends) > 2:
        ends = []
    try:
        if len(ends) == 1:
            moment = parse_instant(ends[0])
            return moment, moment
        if len(ends) == 2:
            start = None if ends[0] in ("", "..") else parse_instant(ends[0])
            end = None if ends[1] in ("", "..") else parse_instant(ends[1])
            if start and end and start > end:
                raise ValueError("start after end")
            return start, end
    except ValueError:
        pass
    raise BadParameter(
        f"datetime must be an RFC 3339 instant or interval (a/b, ../b, a/..), got {text!r}",
        f"datetime 须为 RFC 3339 时刻或时段（如 2015-09-28T00:00:00Z/..），收到 {text}",
    )


def items_request(args, spec: CollectionSpec) -> ItemsRequest:
    """The FeatureQuery and answer CRS of an items request's `args` (a MultiDict)."""
    queryables = {name for name, _, _ in spec.queryables}
    unknown = sorted(set(args) - COMMON - queryables)
    if unknown:
        allowed = ", ".join(sorted(COMMON | queryables))
        raise BadParameter(
            f"unknown parameter {unknown[0]!r}; this collection takes {allowed}",
            f"不支持的参数 {unknown[0]}；此图层可用参数：{allowed}",
        )
    try:
        answer_crs = crs.parse(args.get("crs"))
        bbox_crs = crs.parse(args.get("bbox-crs"))
    except crs.UnsupportedCRS as error:
        offered = ", ".join(crs.SUPPORTED)
        raise BadParameter(
            f"unsupported coordinate system {error}; offered: {offered}",
            f"不支持的坐标系 {error}；可用：CRS84、EPSG:4326、EPSG:4490、EPSG:3857",
        ) from None
    start, end = _interval(args.get("datetime"))
    if not spec.time_field:
        start = end = None  # a collection without time: every feature matches
    cursor = args.get("cursor") or None
    if cursor is not None and len(cursor) > 200:
        raise BadParameter("cursor too long", "cursor 无效")
    query = FeatureQuery(
        bbox=_bbox(args.get("bbox"), bbox_crs),
        start=start,
        end=end,
        filters={name: args[name] for name in sorted(queryables) if name in args},
        limit=_limit(args.get("limit")),
        cursor=cursor,
    )
    return ItemsRequest(query, answer_crs)


def answer_crs(args) -> str:
    """The CRS of a single feature's answer (`crs`; CRS84 by default)."""
    try:
        return crs.parse(args.get("crs"))
    except crs.UnsupportedCRS as error:
        raise BadParameter(
            f"unsupported coordinate system {error}", f"不支持的坐标系 {error}"
        ) from None
