"""What every format's storms must be, checked after parsing and before anything is stored:
some positions, times a best track or a forecast can hold, names that fit their columns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from modules.typhoon.track import Bad, Fix, Problems, StormData, storm_id_ok

# The best-track archives (CMA, JMA) begin in 1949 and 1951: anything older is a typo.
EARLIEST = datetime(1949, 1, 1, tzinfo=UTC)
# A best track holds observations: a fix later than now (beyond a clock's error) is a typo.
OBSERVED_SLACK = timedelta(hours=6)
# The longest forecasts agencies issue reach 10 days.
FORECAST_REACH = timedelta(days=10)
NAME_LIMIT = 50


def _when(time: datetime) -> str:
    return time.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _first(fixes: list[Fix], wrong) -> tuple[Fix | None, int]:
    bad = [f for f in fixes if wrong(f.time)]
    return (bad[0] if bad else None), len(bad)


def _times(data: StormData, now: datetime, problems: Problems) -> None:
    latest = now + OBSERVED_SLACK
    fix, count = _first(data.fixes, lambda t: t > latest)
    more = f" (and {count - 1} more)" if count > 1 else ""
    more_zh = f"（另有{count - 1}个）" if count > 1 else ""
    if fix is not None:
        problems.add(
            fix.line,
            Bad(
                f"storm {data.id}: the best-track time {_when(fix.time)}{more} is in the "
                "future: a best track holds observations only (check the year)",
                f"台风 {data.id} 的最佳路径时间 {_when(fix.time)}{more_zh}在未来："
                "最佳路径只含已观测的位置，请检查年份",
            ),
        )
    fix, count = _first(data.fixes, lambda t: t < EARLIEST)
    if fix is not None:
        problems.add(
            fix.line,
            Bad(
                f"storm {data.id}: the time {_when(fix.time)} is before 1949, older than any "
                "best-track archive (check the year)",
                f"台风 {data.id} 的时间 {_when(fix.time)} 早于1949年，"
                "早于任何最佳路径资料，请检查年份",
            ),
        )
    for forecast in data.forecasts:
        first = forecast.points[0].line if forecast.points else data.line
        if forecast.issued_at > latest:
            problems.add(
                first,
                Bad(
                    f"storm {data.id}: the forecast of {forecast.agency} is issued in the "
                    f"future ({_when(forecast.issued_at)})",
                    f"台风 {data.id} 的 {forecast.agency} 预报发布时间 "
                    f"{_when(forecast.issued_at)} 在未来，请检查年份",
                ),
            )
        elif forecast.issued_at < EARLIEST:
            problems.add(
                first,
                Bad(
                    f"storm {data.id}: the forecast issued {_when(forecast.issued_at)} is "
                    "before 1949 (check the year)",
                    f"台风 {data.id} 的预报发布时间 {_when(forecast.issued_at)} 早于1949年，"
                    "请检查年份",
                ),
            )
        reach = forecast.issued_at + FORECAST_REACH
        fix, count = _first(forecast.points, lambda t, reach=reach: t > reach)
        if fix is not None:
            problems.add(
                fix.line,
                Bad(
                    f"storm {data.id}: the forecast time {_when(fix.time)} lies more than "
                    f"{FORECAST_REACH.days} days after its issue, beyond any forecast's reach",
                    f"台风 {data.id} 的预报时间 {_when(fix.time)} 比发布时间晚"
                    f"{FORECAST_REACH.days}天以上，超出任何预报的时效，请检查日期",
                ),
            )


def check(storms: list[StormData], now: datetime | None = None) -> None:
    """ParseError naming every storm that cannot be stored as it is."""
    now = now or datetime.now(UTC)
    problems = Problems()
    for data in storms:
        if not storm_id_ok(data.id):
            problems.add(
                data.line,
                Bad(
                    f"storm number {data.id[:20]!r} should be letters and digits, at most 16",
                    f"台风编号 {data.id[:20]!r} 应为字母和数字，至多16位",
                ),
            )
            continue
        if not data.fixes and not any(f.points for f in data.forecasts):
            problems.add(
                data.line,
                Bad(
                    f"storm {data.id} has no fixes: the file holds its header but no "
                    "positions (is it cut short?)",
                    f"台风 {data.id} 没有任何定位点：文件只有它的头行，没有位置数据"
                    "（文件可能不完整）",
                ),
            )
            continue
        for name in (data.name_en, data.name_zh):
            if len(name) > NAME_LIMIT:
                problems.add(
                    data.line,
                    Bad(
                        f"storm {data.id}: its name is longer than {NAME_LIMIT} characters",
                        f"台风 {data.id} 的名称超过{NAME_LIMIT}个字符",
                    ),
                )
        _times(data, now, problems)
    problems.raise_any()
