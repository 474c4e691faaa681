"""B7: 50 simulated users against gunicorn with 2 workers, for 10 minutes on each engine
(quick: 5 users for 5 s, SQLite only unless `--engine` asks).

The app runs as in production: `gunicorn -w 2 app.wsgi:server` (sync workers), configured by
`ONEMAP_*` variables, on a scratch SQLite file, then on a scratch PostgreSQL + PostGIS
database (`ONEMAP_BENCH_POSTGRES_URL`, created and dropped; `--engine` picks one), each with
the shipped boundaries and every module's demo data (1,019 flood key points...). The SQLite
rows keep the id B7, the PostgreSQL rows are B7-PG. 50 accounts are created: city leaders and
coordinators, county leaders and town staff across the city, so the users' scopes and
therefore their answers differ.

Each simulated user logs in through the login form (CSRF token, session cookie) and then acts
like a person at the map, with a think time of 1-3 s between actions: it opens the map (the
first `render`), drills down by clicking a child unit (the page picks the new focus in the
browser, `chooseUnit`, then `render` for it), shades the children by another value
(`recolour`: zone, area, the flood module's key-point count), opens a village's profile
(click a village: `render` with it selected), polls the live layers (`refresh_live`), and goes
back up to its home (the breadcrumb). Every request is the JSON dash-renderer posts to
`/_dash-update-component`, with the X-CSRFToken header.

Latency is the client's round trip of each callback POST (on a kept-alive connection, gzip
accepted); an error is any answer but 200, any exception or a timeout (10 s). The load
generator runs in this process (threads) on the same 2 cores as the server: it takes its
share of the CPU, which the notes report. Worker memory is the RSS of each gunicorn worker
(/proc), sampled every second; "flat" means each worker's mean over the last minute is
within 5 % of its mean over the second minute (the first is warm-up: imports, caches).
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import requests

from app import accounts
from bench import baselines, ours
from bench.postgis import scratch_database
from bench.runner import Context, Result, compare, log

ID = "B7"
IDS = {"sqlite": "B7", "postgresql": "B7-PG"}
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL + PostGIS"}
TITLE = "50 users against gunicorn -w 2 (SQLite, PostgreSQL)"
FULL_SECONDS = 600
MEMORY_GROWTH_GOAL = 0.05
PASSWORD = "bench-load-0123"
THINK_S = (1.0, 3.0)
TIMEOUT_S = 10.0
SHADES = ("zone", "area", "measure:flood-key-points")


def _hierarchy() -> tuple[dict[str, str], dict[str, list[str]]]:
    level_of: dict[str, str] = {}
    children: dict[str, list[str]] = defaultdict(list)
    for level in baselines.LEVELS:
        for feature in baselines.raw_features(level):
            props = feature["properties"]
            level_of[props["code"]] = level
            if props.get("parent_code"):
                children[props["parent_code"]].append(props["code"])
    return level_of, children


def _users(count: int) -> list[tuple[str, str, str]]:
    """(login, role, scope) for `count` users spread over the city's levels."""
    level_of, _ = _hierarchy()
    counties = sorted(c for c, lv in level_of.items() if lv == "county")
    towns = sorted(c for c, lv in level_of.items() if lv == "town")
    rng = random.Random(7)
    out = []
    for i in range(count):
        kind = i % 5
        if kind == 0:
            role, scope = ("leader" if i % 2 else "coordinator"), "350300000000"
        elif kind == 1:
            role, scope = "leader", counties[i % len(counties)]
        else:
            role, scope = "staff", rng.choice(towns)
        out.append((f"load.{i:02d}", role, scope))
    return out


def prepare_database(ctx: Context, users: list[tuple[str, str, str]], engine: str) -> str:
    """The URL of a scratch database (a SQLite file, or a PostGIS database dropped when the
    run ends) with boundaries, every module's demo data and the load accounts."""
    url = (
        ours.demo_database(ctx, "b7.sqlite") if engine == "sqlite" else scratch_database(ctx, "B7")
    )
    if url is None:
        raise RuntimeError("B7 on PostgreSQL: no PostGIS server answered")
    app = ours.make_app(url, var_dir=ctx.scratch)
    context = app.server.extensions["onemap"]
    # One scrypt for all: they share the password, and 50 hashes took 9 s of the 15 minutes.
    shared_hash = accounts.hash_password(PASSWORD)
    with context.sessions() as session, session.begin():
        if engine != "sqlite":  # the SQLite copy holds them already
            context.modules.seed_demo(session)
        for login, role, scope in users:
            if accounts.get_user(session, login) is None:
                user = accounts.add_user(session, login, role, [scope], name=login)
                user.password_hash = shared_hash
    from store.engine import get_engine

    get_engine(url).dispose()  # gunicorn's workers open their own connections
    return url


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(url: str, scratch: Path, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "ONEMAP_DATABASE_URL": url,
        "ONEMAP_SECRET_KEY": "bench-secret",
        "ONEMAP_DEMO": "0",
        "ONEMAP_VAR_DIR": str(scratch),
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn), "-w", "2", "-b", f"127.0.0.1:{port}", "app.wsgi:server"]
    process = subprocess.Popen(
        command,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.DEVNULL,
        stderr=open(scratch / "gunicorn.log", "wb"),  # noqa: SIM115
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}); see gunicorn.log")
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except requests.RequestException:
            pass
        time.sleep(0.3)
    stop(process)
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    try:
        return [int(p) for p in children.read_text().split()]
    except OSError:
        return []


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


class Keys:
    """The callback keys of the running app, from /_dash-dependencies."""

    def __init__(self, client: requests.Session, base: str) -> None:
        self.render = self.recolour = self.live = ""
        for dep in client.get(base + "/_dash-dependencies", timeout=30).json():
            out = dep["output"]
            inputs = [f"{i['id']}.{i['property']}" for i in dep["inputs"]]
            if out.startswith("..map-figure.data...breadcrumb.children"):
                self.render = out
            elif out.startswith("map-figure.data@") and inputs == ["map-shade.value"]:
                self.recolour = out
            elif out.startswith("map-live.data"):
                self.live = out
        if not all((self.render, self.recolour, self.live)):
            raise RuntimeError("the map page's callbacks were not all found")


def _prop(id_, prop):
    key = json.dumps(id_, separators=(",", ":"), sort_keys=True) if isinstance(id_, dict) else id_
    return f"{key}.{prop}"


class User:
    """One simulated person; records (callback, ms, ok) into `record`."""

    def __init__(self, base, keys, login, scope, record, stop_at, seed) -> None:
        self.base, self.keys, self.login, self.home = base, keys, login, scope
        self.record, self.stop_at = record, stop_at
        self.rng = random.Random(seed)
        self.level_of, self.children = _hierarchy()
        self.focus, self.selected, self.shade = scope, scope, "zone"
        self.client = requests.Session()
        self.throttled = 0

    def log_in(self, attempts: int = 4) -> int:
        """Log in through the form; returns how many times the login throttle said "wait"
        (50 logins from one address in seconds trip it: a person would wait and retry)."""
        for attempt in range(attempts):
            page = self.client.get(self.base + "/login", timeout=30).text
            token = re.search(r'name="csrf_token" value="([^"]+)"', page)
            if not token:
                raise RuntimeError(f"login page without a CSRF token for {self.login}")
            response = self.client.post(
                self.base + "/login",
                data={"login": self.login, "password": PASSWORD, "csrf_token": token.group(1)},
                allow_redirects=False,
                timeout=30,
            )
            if response.status_code == 302:
                break
            if response.status_code != 429 or attempt == attempts - 1:
                raise RuntimeError(f"login of {self.login} failed: {response.status_code}")
            wait = re.search(r"(\d+) 秒", response.text)
            time.sleep(min(int(wait.group(1)) if wait else 5, 30) + self.rng.uniform(0, 1))
        self.throttled = attempt
        self.client.headers["X-CSRFToken"] = self.client.cookies.get("_csrf_token", "")
        self.client.headers["Accept-Encoding"] = "gzip"
        return attempt

    def post(self, name: str, output: str, outputs, inputs, state, changed) -> dict | None:
        body = {
            "output": output,
            "outputs": outputs,
            "inputs": inputs,
            "changedPropIds": changed,
            "parsedChangedPropsIds": changed,
        }
        if state:
            body["state"] = state
        started = time.perf_counter()
        ok, data = False, None
        try:
            response = self.client.post(
                self.base + "/_dash-update-component", json=body, timeout=TIMEOUT_S
            )
            ok = response.status_code == 200
            data = response.json() if ok else None
            if not ok:
                self.record(name, 0.0, False, f"{response.status_code}")
                return None
        except (requests.RequestException, ValueError) as error:
            self.record(name, (time.perf_counter() - started) * 1000, False, type(error).__name__)
            return None
        self.record(name, (time.perf_counter() - started) * 1000, ok, "")
        return data

    def choose(self, code: str) -> None:
        """What the page's clientside `chooseUnit` does with a click (no request): a unit with
        children becomes the focus, a village is selected inside its town."""
        if code and not code.endswith("000"):
            self.focus, self.selected = code[:9] + "000", code
        else:
            self.focus = self.selected = code

    def render(self) -> None:
        self.post(
            "render",
            self.keys.render,
            [
                {"id": "map-figure", "property": "data"},
                {"id": "breadcrumb", "property": "children"},
                {"id": "unit-profile", "property": "children"},
                {"id": "unit-children", "property": "children"},
            ],
            [
                {"id": "map-focus", "property": "data", "value": self.focus},
                {"id": "map-selected", "property": "data", "value": self.selected},
                {"id": "layer-toggles", "property": "value", "value": ["city", "county"]},
            ],
            [{"id": "map-shade", "property": "value", "value": self.shade}],
            ["map-focus.data", "map-selected.data"],
        )

    def recolour(self) -> None:
        self.shade = self.rng.choice([s for s in SHADES if s != self.shade])
        self.post(
            "recolour",
            self.keys.recolour,
            {"id": "map-figure", "property": "data"},
            [{"id": "map-shade", "property": "value", "value": self.shade}],
            [{"id": "map-focus", "property": "data", "value": self.focus}],
            ["map-shade.value"],
        )

    def live(self) -> None:
        self.post(
            "refresh_live",
            self.keys.live,
            {"id": "map-live", "property": "data"},
            [{"id": "map-live-tick", "property": "n_intervals", "value": 1}],
            [{"id": "map-focus", "property": "data", "value": self.focus}],
            ["map-live-tick.n_intervals"],
        )

    def act(self) -> None:
        kids = self.children.get(self.focus, [])
        roll = self.rng.random()
        if roll < 0.45 and kids:  # drill down (or open a village's profile at a town)
            self.choose(self.rng.choice(kids))
            self.render()
        elif roll < 0.7:
            self.recolour()
        elif roll < 0.8:
            self.live()
        elif self.focus != self.home:  # back up to home by the breadcrumb
            self.choose(self.home)
            self.render()
        else:
            self.recolour()

    def run(self) -> None:
        try:
            self.log_in()
        except Exception as error:  # noqa: BLE001 - a failed login is an error, not a crash
            self.record("login", 0.0, False, type(error).__name__)
            return
        self.render()  # the map opens
        while time.monotonic() < self.stop_at:
            time.sleep(self.rng.uniform(*THINK_S))
            if time.monotonic() >= self.stop_at:
                break
            self.act()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def memory_growth(series: list[tuple[float, float]], elapsed: float) -> float | None:
    """(mean RSS over the last minute) / (mean over the second minute) - 1, for samples
    (seconds since the start, MB); None when the run is shorter than three minutes."""
    second = [mb for at, mb in series if 60 <= at < 120]
    last = [mb for at, mb in series if at >= elapsed - 60]
    if elapsed < 180 or not second or not last:
        return None
    return statistics.fmean(last) / statistics.fmean(second) - 1


def run(ctx: Context) -> list[Result]:
    rows: list[Result] = []
    for engine in ctx.engines:
        try:
            rows += run_on(ctx, engine)
        except Exception as error:  # noqa: BLE001 - e.g. no PostgreSQL: the other still runs
            if engine == "sqlite":
                raise
            log(f"B7: {ENGINE_NAMES[engine]} not measured ({' '.join(str(error).split())[:160]})")
    return rows


def run_on(ctx: Context, engine: str) -> list[Result]:
    count, seconds = (5, 5) if ctx.quick else (50, FULL_SECONDS)
    users = _users(count)
    log(f"B7 on {ENGINE_NAMES[engine]}: preparing the database and {count} accounts")
    url = prepare_database(ctx, users, engine)
    port = _free_port()
    process = start_gunicorn(url, ctx.scratch, port)
    base = f"http://127.0.0.1:{port}"
    samples: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    lock = threading.Lock()

    def record(name: str, ms: float, ok: bool, why: str) -> None:
        with lock:
            if ok:
                samples[name].append(ms)
            else:
                errors[f"{name}: {why}"] += 1

    rss: dict[int, list[tuple[float, float]]] = defaultdict(list)
    try:
        first = User(base, None, users[0][0], users[0][2], record, 0, 0)
        first.log_in()
        keys = Keys(first.client, base)
        workers = worker_pids(process.pid)
        cpu_before = {pid: cpu_seconds(pid) for pid in workers}
        load_cpu_before = time.process_time()
        stop_at = time.monotonic() + seconds
        started = time.monotonic()
        people = [
            User(base, keys, login, scope, record, stop_at, i)
            for i, (login, _, scope) in enumerate(users)
        ]
        threads = [threading.Thread(target=person.run, daemon=True) for person in people]
        log(f"B7: {count} users for {seconds} s against gunicorn -w 2 (workers {workers})")
        for thread in threads:
            thread.start()
            time.sleep(0.05)  # people do not all arrive in the same millisecond
        while any(t.is_alive() for t in threads):
            for pid in worker_pids(process.pid):
                rss[pid].append((time.monotonic() - started, rss_mb(pid)))
            time.sleep(1.0)
            if time.monotonic() > stop_at + 30:
                break
        elapsed = time.monotonic() - started
        workers_now = worker_pids(process.pid)
        cpu_used = sum(cpu_seconds(pid) - cpu_before.get(pid, 0.0) for pid in workers_now)
        load_cpu = time.process_time() - load_cpu_before
    finally:
        stop(process)
    id_ = IDS[engine]
    every = [ms for values in samples.values() for ms in values]
    total = len(every) + sum(errors.values())
    p95 = percentile(every, 0.95)
    per = "; ".join(
        f"{name}: n={len(v)}, median {statistics.median(v):.0f} ms, p95 {percentile(v, 0.95):.0f}"
        f" ms, max {max(v):.0f} ms"
        for name, v in sorted(samples.items())
    )
    restarted = sorted(set(workers_now) ^ set(workers))
    growth = {pid: memory_growth(series, elapsed) for pid, series in rss.items()}
    memory = ", ".join(
        f"worker {pid}: {v[0][1]:.0f} MB at start, {max(mb for _, mb in v):.0f} MB peak, "
        f"{v[-1][1]:.0f} MB at end"
        + (
            f", last minute {growth[pid] * 100:+.1f} % on the second"
            if growth[pid] is not None
            else ""
        )
        for pid, v in sorted(rss.items())
    )
    throughput = len(every) / elapsed
    setup = (
        f"{count} users, {seconds} s, think time {THINK_S[0]:.0f}-{THINK_S[1]:.0f} s, "
        f"gunicorn -w 2 (sync) on {ENGINE_NAMES[engine]} with every module's demo data"
    )
    error_text = ", ".join(f"{k} x{n}" for k, n in sorted(errors.items())) or "none"
    waits = sum(person.throttled for person in people)
    error_text += (
        f'; the login throttle answered 429 "wait" {waits} time(s), each user waited and '
        "logged in again (not counted as errors: the product protecting itself)"
    )
    log(f"{id_}: {len(every)} callbacks, p95 {p95:.0f} ms, errors {sum(errors.values())}")
    log(f"{id_}: {per}")
    log(f"{id_}: memory {memory}")
    peak = max((max(mb for _, mb in v) for v in rss.values()), default=0.0)
    measured = [g for g in growth.values() if g is not None]
    worst = max(measured, default=None)
    http = "n/a (HTTP, no browser)"
    return [
        Result(
            id=id_,
            metric="p95 callback latency",
            unit="ms",
            ours=p95,
            baseline=None,
            ratio=None,
            goal="p95 <= 300 ms and 0 errors",
            met=bool(p95 <= 300 and not errors),
            renderer=http,
            repetitions=len(every),
            ours_min=min(every) if every else None,
            ours_max=max(every) if every else None,
            notes=f"{setup}. Per callback: {per}. Errors: {error_text}.",
        ),
        compare(
            id_,
            "errors",
            "requests",
            [float(sum(errors.values()))],
            [],
            "report",
            ctx,
            notes=f"of {total} callback requests: {error_text}",
            renderer=http,
        ),
        compare(
            id_,
            "throughput",
            "callbacks/s",
            [throughput],
            [],
            "report",
            ctx,
            notes=f"{len(every)} callbacks answered in {elapsed:.0f} s; worker CPU "
            f"{cpu_used:.0f} s of {2 * elapsed:.0f} s available on 2 cores; the load "
            f"generator (this process, same machine) used {load_cpu:.0f} s CPU",
            renderer=http,
        ),
        compare(
            id_,
            "worker memory (peak RSS)",
            "MB",
            [peak],
            [],
            "report",
            ctx,
            notes=f"{memory}; workers replaced during the run: {restarted or 'none'}",
            renderer=http,
        ),
        Result(
            id=id_,
            metric="worker memory growth (last minute vs second minute, worst worker)",
            unit="%",
            ours=None if worst is None else worst * 100,
            baseline=None,
            ratio=None,
            goal=f"<= {MEMORY_GROWTH_GOAL * 100:.0f} % (memory flat)",
            met=None if worst is None else bool(worst <= MEMORY_GROWTH_GOAL and not restarted),
            renderer=http,
            repetitions=len(measured),
            notes=memory if worst is not None else "run shorter than 3 minutes: not measured",
        ),
    ]
