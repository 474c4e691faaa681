"""Repetition, alternation, statistics and the results file; nothing here knows a scenario.

A benchmark module has `ID`, `TITLE` and `run(ctx) -> list[Result]`. It measures ours and the
baseline with `alternate`, in one process, on one machine and one browser build, and turns the
samples into `Result` rows with `compare`.
"""

from __future__ import annotations

import json
import logging
import operator
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

LOGGER = logging.getLogger(__name__)

RESULTS_DIR = Path(__file__).with_name("results")
GOAL_OPS = {"<=": operator.le, ">=": operator.ge}


@dataclass
class Result:
    """One row of results: a metric of ours against the baseline."""

    id: str
    metric: str
    unit: str
    ours: float | None
    baseline: float | None
    ratio: float | None
    goal: str
    met: bool | None
    renderer: str
    repetitions: int
    ours_min: float | None = None
    ours_max: float | None = None
    baseline_min: float | None = None
    baseline_max: float | None = None
    notes: str = ""
    measured_at: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S%z"))


@dataclass
class Context:
    """What a run shares between benchmarks: its mode, a scratch directory, resources."""

    quick: bool
    repetitions: int
    warmup: int = 1
    renderer: str = "n/a"
    # The storage engines B7 runs on: "sqlite", "postgresql" (`--engine`).
    engines: tuple[str, ...] = ("sqlite", "postgresql")
    scratch: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="onemap-bench-")))
    resources: ExitStack = field(default_factory=ExitStack)
    _cache: dict[str, Any] = field(default_factory=dict)
    # Figures one benchmark leaves for another's notes (B1's floor, quoted by B5).
    facts: dict[str, float] = field(default_factory=dict)

    def shared(self, key: str, make: Callable[[], Any]) -> Any:
        """A resource made once per run (e.g. a served app), kept until the run ends."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def close(self) -> None:
        self.resources.close()


def log(message: str) -> None:
    """Progress on stderr, so stdout carries only the results."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


Samples = dict[str, dict[str, list[float]]]  # variant -> metric -> values


def alternate(
    variants: dict[str, Callable[[], dict[str, float]]], repetitions: int, warmup: int = 1
) -> Samples:
    """Run each variant `warmup` times (discarded), then `repetitions` times, alternating.

    The order flips every round (A B, B A, A B, ...), so a slow drift of the machine, or
    whichever variant benefits from running second, weighs on both alike.
    """
    names = list(variants)
    samples: Samples = {name: {} for name in names}
    for round_ in range(warmup + repetitions):
        order = names if round_ % 2 == 0 else list(reversed(names))
        for name in order:
            started = time.perf_counter()
            metrics = variants[name]()
            label = "warm-up" if round_ < warmup else f"rep {round_ - warmup + 1}/{repetitions}"
            shown = ", ".join(f"{k}={v:,.1f}" for k, v in metrics.items())
            log(f"  {name:<9} {label:<9} {time.perf_counter() - started:5.1f} s  {shown}")
            if round_ < warmup:
                continue
            for metric, value in metrics.items():
                samples[name].setdefault(metric, []).append(float(value))
    return samples


@contextmanager
def timed() -> Iterator[list[float]]:
    """`with timed() as t:` ... `t[0]` is the elapsed wall time in ms."""
    holder: list[float] = []
    started = time.perf_counter()
    try:
        yield holder
    finally:
        holder.append((time.perf_counter() - started) * 1000)


def compare(
    id_: str,
    metric: str,
    unit: str,
    ours: list[float],
    baseline: list[float],
    goal: str,
    ctx: Context,
    notes: str = "",
    renderer: str | None = None,
) -> Result:
    """A result row from two sample lists; `goal` is "<= 0.5" or ">= 50" (on ours/baseline),
    or free text (then `met` is None: reported, not judged). `renderer` overrides the run's
    WebGL renderer string for rows measured without a browser."""
    ours_median = statistics.median(ours) if ours else None
    baseline_median = statistics.median(baseline) if baseline else None
    ratio = ours_median / baseline_median if ours_median is not None and baseline_median else None
    met = None
    parts = goal.split()
    if ratio is not None and len(parts) == 2 and parts[0] in GOAL_OPS:
        met = bool(GOAL_OPS[parts[0]](ratio, float(parts[1])))
    return Result(
        id=id_,
        metric=metric,
        unit=unit,
        ours=ours_median,
        baseline=baseline_median,
        ratio=ratio,
        goal=f"ratio {goal}" if met is not None else goal,
        met=met,
        renderer=renderer or ctx.renderer,
        repetitions=min(len(ours), len(baseline)) if baseline else len(ours),
        ours_min=min(ours) if ours else None,
        ours_max=max(ours) if ours else None,
        baseline_min=min(baseline) if baseline else None,
        baseline_max=max(baseline) if baseline else None,
        notes=notes,
    )


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:,.1f}"
    return f"{value:.3g}"


def _spread(median_: float | None, low: float | None, high: float | None) -> str:
    if median_ is None:
        return "—"
    return f"{_number(median_)} [{_number(low)}–{_number(high)}]"


def table(results: list[Result]) -> str:
    """The results as a fixed-width text table."""
    header = (
        "id",
        "metric",
        "ours median [min–max]",
        "baseline median [min–max]",
        "ratio",
        "goal",
        "met",
    )
    rows = [
        (
            r.id,
            f"{r.metric} ({r.unit})",
            _spread(r.ours, r.ours_min, r.ours_max),
            _spread(r.baseline, r.baseline_min, r.baseline_max),
            _number(r.ratio),
            r.goal,
            {True: "yes", False: "NO", None: "—"}[r.met],
        )
        for r in results
    ]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]

    def line(cells) -> str:
        return "  ".join(str(cell).ljust(width) for cell, width in zip(cells, widths, strict=True))

    out = [line(header), line("-" * w for w in widths), *(line(row) for row in rows)]
    return "\n".join(text.rstrip() for text in out)


def write_results(results: list[Result], path: Path = RESULTS_DIR / "latest.json") -> Path:
    """Write the rows as a JSON list (indent=2), atomically.

    Rows of benchmarks this run did not measure (`--only`) are kept from the file, each with
    its own `measured_at`, so one benchmark can be rerun without losing the others.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    ran = {r.id for r in results}
    kept: list[dict] = []
    if path.exists():
        try:
            kept = [row for row in json.loads(path.read_text("utf-8")) if row["id"] not in ran]
        except (ValueError, TypeError, KeyError):
            kept = []
    rows = sorted([*kept, *(asdict(r) for r in results)], key=lambda row: row["id"])
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    temporary.replace(path)
    return path
