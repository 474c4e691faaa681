"""What the line-based best-track formats (CMA, JMA) share: storms opened by `66666` header
lines and counted against them, fixes in time order, a storm at most once per file, and
the checks of a single value."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from modules.typhoon.track import Bad, Fix, ParseError, Problem, Problems, StormData, shown

PRESSURE = (850, 1100)  # hPa: below the deepest storm ever measured, above any high
WIND = (0, 120)  # m/s: above the strongest gust ever measured


def not_numbers(text: str, what: str, what_zh: str) -> Bad:
    return Bad(
        f"{what} should be whole numbers, not {shown(text)}",
        f"{what_zh}应为整数，此行为 {shown(text)}：请检查是否有字母、多余的符号或缺了字段",
    )


def csv_syntax(error: Exception) -> Bad:
    return Bad(
        f"CSV syntax: {error}",
        f"CSV 格式错误（{error}）：请检查引号是否成对、单元格是否过长",
    )


def pressure_of(value: float) -> float:
    low, high = PRESSURE
    if not low <= value <= high:
        raise Bad(
            f"pressure {value} hPa is outside {low}-{high} hPa",
            f"气压 {value} hPa 不合理（应在 {low}–{high} hPa 之间）",
        )
    return float(value)


def wind_of(value: float) -> float:
    low, high = WIND
    if not low <= value <= high:
        raise Bad(
            f"wind {value} m/s is outside {low}-{high} m/s",
            f"风速 {value} m/s 不合理（应在 {low}–{high} m/s 之间）",
        )
    return float(value)


class Storms:
    """Collects the storms of a `66666`-headed file and every problem on the way."""

    def __init__(self, fmt: str, header: str, wanted: str | None) -> None:
        self.fmt, self.header, self.wanted = fmt, header, wanted
        self.problems = Problems()
        self.storms: list[StormData] = []
        self.seen: dict[str, int] = {}  # storm id -> its header line
        self.current: StormData | None = None
        self.keep = False
        self.expected = self.count = 0
        self.last: datetime | None = None
        self.started = False

    def bad_header(self, line: int) -> None:
        self._count_done(line)
        self.started = True
        self.current = None
        self.problems.add(
            line,
            Bad(
                f"a header line should read {self.header}",
                f"头行应为 {self.header}（66666 开头，其后为数字编号）",
            ),
        )

    def open(self, data: StormData, expected: int, keep: bool) -> None:
        """A header line: a new storm (`keep`: one that may be imported)."""
        self._count_done(data.line or 0)
        self.started = True
        self.current, self.expected, self.count, self.last = data, expected, 0, None
        self.keep = keep and (self.wanted is None or data.id == self.wanted)
        if keep and data.id in self.seen:
            first = self.seen[data.id]
            self.problems.add(
                data.line,
                Bad(
                    f"storm {data.id} appears twice (lines {first} and {data.line}): "
                    "a file holds each storm once",
                    f"台风 {data.id} 在文件中出现两次（第{first}行和第{data.line}行）："
                    "每个台风只能出现一次，请删去重复的一段",
                ),
            )
        elif keep:
            self.seen[data.id] = data.line or 0
        if self.keep:
            self.storms.append(data)

    def fix(self, line: int, make: Callable[[], Fix]) -> None:
        if not self.started:
            raise ParseError(
                [
                    Problem(
                        None,
                        f"the file does not start with a 66666 header line: it is not a "
                        f"{self.fmt} best track (choose the format the file is in)",
                        f"文件不是以 66666 头行开始，不是{self.fmt}最佳路径文件："
                        "请选择与文件相符的格式",
                    )
                ]
            )
        if self.current is None:
            self.problems.add(
                line,
                Bad(
                    "a fix line without a valid 66666 header line above it",
                    "此定位行之上没有有效的 66666 头行",
                ),
            )
            return
        self.count += 1
        try:
            fix = make()
        except Bad as error:
            self.problems.add(line, error)
            return
        if self.last is not None and fix.time <= self.last:
            self.problems.add(
                line,
                Bad(
                    "the time is not after the previous fix's: fixes go in time order",
                    "时间没有递增（与上一条定位相同或更早）：定位应按时间先后排列",
                ),
            )
        self.last = fix.time
        if self.keep:
            self.current.fixes.append(fix)

    def _count_done(self, next_line: int) -> None:
        data = self.current
        if data is not None and self.count != self.expected:
            upto = f" (up to line {next_line})" if next_line else ""
            upto_zh = f"（至第{next_line}行）" if next_line else ""
            self.problems.add(
                data.line,
                Bad(
                    f"the header says {self.expected} fix lines follow, the file has "
                    f"{self.count}{upto}: the file may be cut short or lines lost",
                    f"头行说有{self.expected}条定位，实有{self.count}条{upto_zh}："
                    "文件可能不完整或缺行",
                ),
            )
        self.current = None

    def close(self) -> list[StormData]:
        self._count_done(0)
        if not self.started:
            raise ParseError(
                [
                    Problem(
                        None, f"the file holds no {self.fmt} storm", f"文件中没有{self.fmt}台风数据"
                    )
                ]
            )
        if self.wanted is not None and self.wanted not in self.seen:
            self.problems.add(
                None,
                Bad(
                    f"the file holds no storm numbered {self.wanted}",
                    f"文件中没有编号为 {self.wanted} 的台风：请检查台风编号",
                ),
            )
        elif not self.seen and not self.problems:
            self.problems.add(
                None,
                Bad(
                    "the file holds no numbered storm",
                    "文件中没有带编号的台风（编号为 0000 的台风不导入）",
                ),
            )
        self.problems.raise_any()
        for data in self.storms:
            data.season = data.fixes[0].time.year if data.fixes else 0
        return self.storms
