"""A toy module: everything through the module SDK, nothing from the core changed."""

from flask import jsonify, request

from modules.sdk import (
    CollectionSpec,
    FeaturePage,
    LayerSpec,
    MeasureSpec,
    ModuleInfo,
    PageSpec,
    PanelSpec,
    Permission,
    Signal,
    Site,
    SituationItem,
    WorkerSpec,
    hookimpl,
    public,
    unit_profile,
)

# A marker in 西天尾镇's first village, and one in 秀屿区: each viewer sees only their own.
MARKERS = {"350304100001": (119.0186, 25.5173), "350305101001": (119.16, 25.27)}
RECEIVED: list[Signal] = []


@hookimpl
def module_info():
    return ModuleInfo("toy", "玩具模块", "a module for the SDK tests")


@hookimpl
def register_layers(viewer, moment):
    shown = {code: xy for code, xy in MARKERS.items() if viewer.covers(code)}
    return [
        LayerSpec(
            id="toy-markers",
            title="玩具标记",
            traces=(
                {
                    "type": "scattermap",
                    "lon": [xy[0] for xy in shown.values()],
                    "lat": [xy[1] for xy in shown.values()],
                    "text": [f"玩具标记 {code}" for code in shown],
                    "name": "玩具标记",
                    "mode": "markers",
                },
            ),
        )
    ]


@hookimpl
def register_panels(viewer):
    from dash import html

    return [PanelSpec(id="toy-panel", title="玩具面板", component=html.P("玩具模块在此"))]


@hookimpl
def register_measures(viewer):
    return [
        MeasureSpec(
            id="toy",
            title="玩具值",
            unit="个",
            values=lambda session, viewer, codes: {c: len(c) + i for i, c in enumerate(codes)},
        )
    ]


@hookimpl
def register_routes(blueprint, core):
    @blueprint.get("/hello/<code>")
    def hello(code):
        with core.sessions() as session:
            profile = unit_profile(session, core.viewer(), code)
        return jsonify({"hello": profile["name"]})

    @blueprint.get("/poke")
    def poke():  # needs the permission this module declares
        if not core.viewer().can("toy.poke"):
            return jsonify({"error": "needs toy.poke"}), 403
        return jsonify({"poked": True})

    @blueprint.post("/ping")
    @public
    def ping():  # a device with its own token, not a person
        if request.headers.get("Authorization") != "Bearer toy-device-secret":
            return jsonify({"error": "wrong device token"}), 401
        return jsonify({"pong": request.json})


@hookimpl
def register_permissions():
    return [Permission("toy.poke", "戳一下玩具", ("staff",))]


@hookimpl
def register_signals(bus):
    bus.subscribe("toy.ping", RECEIVED.append, module="toy")


@hookimpl
def seed_demo(session):
    RECEIVED.append(Signal("toy.seeded", "toy"))


@hookimpl
def register_callbacks(app, core):
    from dash import Input, Output

    app.callback(Output("toy-echo", "children"), Input("toy-input", "value"))(lambda v: v)


@hookimpl
def register_tables(metadata):
    from sqlalchemy import Column, Integer, Table

    if "toy_things" not in metadata.tables:
        Table("toy_things", metadata, Column("id", Integer, primary_key=True))


@hookimpl
def register_migrations():
    from pathlib import Path

    return str(Path(__file__).parent / "migrations")


@hookimpl
def register_pages(core):
    from dash import html

    return [PageSpec(id="toy", path="/toy", title="玩具页", layout=lambda **_: html.P("玩具页面"))]


@hookimpl
def register_sites(viewer, session, unit):
    return [
        Site(f"toy:{code}", "toy", f"玩具点 {code}", "toy", xy[0], xy[1], code)
        for code, xy in MARKERS.items()
        if viewer.covers(code) and (unit is None or code.startswith(unit.rstrip("0")))
    ]


@hookimpl
def situation(viewer, session, event, moment):
    # Deliberately answers both markers, whoever asks: the core must drop the foreign row.
    if event.kind != "typhoon":
        return []
    rows = tuple({"unit": code, "name": f"玩具点 {code}"} for code in MARKERS)
    return [
        SituationItem(
            "toy.markers",
            "toy",
            "玩具点",
            len(rows),
            f"玩具模块 · {event.ref} · {moment:%H:%M}",
            as_of=moment,
            columns=(("unit", "单位"), ("name", "名称")),
            rows=rows,
            key="unit",
        )
    ]


@hookimpl
def register_collections(viewer):
    """The markers for GIS tools (/ogc/collections/toy.markers): the viewer's only."""

    def items(session, viewer, query):
        shown = [
            {
                "type": "Feature",
                "id": code,
                "geometry": {"type": "Point", "coordinates": list(xy)},
                "properties": {"name": f"玩具标记 {code}", "village_code": code},
            }
            for code, xy in sorted(MARKERS.items())
            if viewer.covers(code) and query.fid in (None, code)
        ]
        start = int(query.cursor or 0)
        page = shown[start : start + query.limit]
        more = start + query.limit < len(shown)
        return FeaturePage(page, str(start + query.limit) if more else None, len(shown))

    return [CollectionSpec("toy.markers", "玩具标记", "玩具模块的标记点", "Point", items)]


WORKED: list[str] = []


@hookimpl
def register_workers(core):
    def run(stop):
        WORKED.append("started")
        stop.wait()
        WORKED.append("stopped")

    return [WorkerSpec("toy-worker", run)]


@hookimpl
def register_commands(commands, core):
    import click

    @commands.command(name="toy-hello", help="the toy module's command")
    @click.argument("who")
    def hello(who):
        with core.sessions() as session:
            names = [site.name for site in core.sites(session, core.viewer())]
        print(f"toy says hello to {who}: {len(names)} sites")
        return 0
