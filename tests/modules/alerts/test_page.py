"""The page's send and template callbacks, as a forger would call them: another town's unit,
another district's template, a role without the right. The page itself is refused too."""

from __future__ import annotations

from sqlalchemy import func, select

from modules.alerts.models import Delivery, Message, Template
from tests.dash_client import call_callback, response_json

SEND_OUTPUTS = [
    ("alerts-send-out", "children"),
    ("alerts-message", "data"),
    ("alerts-confirm-box", "hidden"),
    ("alerts-confirm-text", "children"),
    ("alerts-pending", "data"),
]
SEND_INPUTS = [
    ("alerts-send", "n_clicks", 1),
    ("alerts-confirm", "n_clicks", 0),
    ("alerts-cancel", "n_clicks", 0),
]


def send_state(
    unit,
    text="{单位}：请注意防范。",
    template=None,
    ack=(),
    escalate=None,
    groups=("村居干部",),
    exposure=(),
    drill=(),
    mode="mark",
    pending=None,
):
    return [
        ("alerts-unit", "value", unit),
        ("alerts-groups", "value", list(groups)),
        ("alerts-sites", "value", []),
        ("alerts-exposure", "value", list(exposure)),
        ("alerts-text", "value", text),
        ("alerts-template", "value", template),
        ("alerts-drill", "value", list(drill)),
        ("alerts-drill-mode", "value", mode),
        ("alerts-ack", "value", list(ack)),
        ("alerts-escalate", "value", escalate),
        ("alerts-pending", "data", pending),
    ]


def counts(sessions):
    with sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(Message)),
            session.scalar(select(func.count()).select_from(Delivery)),
        )


def click_send(client, state, button="alerts-send"):
    """Click 发送 (or 确认发送, 取消) with the form in `state`."""
    return response_json(
        call_callback(client, SEND_OUTPUTS, SEND_INPUTS, state, changed=[f"{button}.n_clicks"])
    )


def test_the_send_button_queues_the_audience_and_answers_the_message(client_as, sessions):
    before = counts(sessions)
    body = click_send(client_as("xtw.staff"), send_state("350304100", ack=["1"], escalate=30))
    message_id = body["response"]["alerts-message"]["data"]
    assert "35 人" in str(body["response"]["alerts-send-out"])
    with sessions() as session:
        message = session.get(Message, message_id)
        assert message.ask_ack and message.escalate_after_minutes == 30
        rows = session.scalars(select(Delivery).where(Delivery.message_id == message_id)).all()
    assert len(rows) == 35 and all("/api/v1/alerts/ack/ack_" in r.body for r in rows)
    assert rows[0].body.startswith("http") is False and "http://localhost/api" in rows[0].body
    assert counts(sessions) == (before[0] + 1, before[1] + 35)


def test_forged_sends_change_nothing(client_as, sessions):
    before = counts(sessions)
    outside = click_send(client_as("xtw.staff"), send_state("350305101000"))
    assert "不在您的辖区内" in str(outside) and "350305101000" not in str(outside)
    leader = click_send(client_as("xtw.leader"), send_state("350304100"))
    assert "无权" in str(leader)
    long = click_send(client_as("xtw.staff"), send_state("350304100", text="台" * 501))
    assert "500" in str(long)
    junk = click_send(client_as("xtw.staff"), send_state("350304100", escalate="x", ack=["1"]))
    assert "升级时限" in str(junk)
    assert counts(sessions) == before


def test_templates_of_another_district_are_out_of_reach(client_as, sessions):
    with sessions() as session, session.begin():
        theirs = Template(name="秀屿专用", body="秀屿区专用模板", scope_code="350305000000")
        session.add(theirs)
    outputs = [("alerts-text", "value")]

    def pick(login, template_id):
        response = call_callback(
            client_as(login), outputs, [("alerts-template", "value", template_id)]
        )
        if response.status_code == 204:
            return 204, ""
        return response.status_code, str(response_json(response))

    assert "秀屿区专用模板" in pick("xiuyu.staff", theirs.id)[1]
    status, text = pick("xtw.staff", theirs.id)
    assert status in (200, 204) and "秀屿区专用模板" not in text
    state = send_state("350304100", text="", template=theirs.id)
    before = counts(sessions)
    assert "模板不存在" in str(click_send(client_as("xtw.staff"), state))
    assert counts(sessions) == before


def find(component, element_id):
    if getattr(component, "id", None) == element_id:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            found = find(child, element_id)
            if found is not None:
                return found
    return None


def test_the_page_preselects_what_the_map_showed_inside_the_scope_only(context):
    from modules.alerts.pages import layout
    from tests.modules.alerts.helpers import core_of

    core = core_of(context, "xtw.staff")
    with context.sessions() as session:
        mine = [s.id for s in core.sites(session, core.viewer(), "350304100001")][:2]
        theirs = [
            s.id for s in context.core.sites(session, core_of(context, "xiuyu.staff").viewer())
        ][:1]
    page = layout(core, unit="350304100001", sites=",".join(mine + theirs), exposure="1")
    assert find(page, "alerts-unit").value == "350304100001"
    assert find(page, "alerts-sites").value == mine
    assert find(page, "alerts-exposure").value == ["1"]
    options = find(page, "alerts-unit").options
    assert all(o["value"].startswith("350304100") for o in options) and len(options) == 18
    outside = layout(core, unit="350305101", sites=",".join(theirs))
    assert find(outside, "alerts-unit").value == "350304100000"
    assert find(outside, "alerts-sites").value == []
    refused = layout(core_of(context, "xtw.leader"))
    assert find(refused, "alerts-refused") is not None and find(refused, "alerts-unit") is None


def test_a_template_saved_for_a_town_serves_that_town_only(client_as, sessions):
    outputs = [("alerts-template", "options"), ("alerts-template-out", "children")]

    def save(login, unit, name="巡查提醒（西天尾）", text="{单位}：请于{时间}前完成巡查。"):
        state = [
            ("alerts-template-name", "value", name),
            ("alerts-text", "value", text),
            ("alerts-unit", "value", unit),
        ]
        inputs = [("alerts-save-template", "n_clicks", 1)]
        return response_json(call_callback(client_as(login), outputs, inputs, state))

    body = save("xtw.staff", "350304100")
    assert "已保存模板" in str(body)
    options = body["response"]["alerts-template"]["options"]
    saved = next(o["value"] for o in options if o["label"] == "巡查提醒（西天尾）")
    with sessions() as session:
        assert session.get(Template, saved).scope_code == "350304100000"
    outside = save("xtw.staff", "350305101000", name="越权")
    assert "不在您的辖区内" in str(outside) and "350305101000" not in str(outside)
    assert "未知字段" in str(save("xtw.staff", "350304100", text="{地点}集合"))
    assert "无权" in str(save("xtw.leader", "350304100"))
    # Another district's staff neither list nor use it.
    picked = call_callback(
        client_as("xiuyu.staff"), [("alerts-text", "value")], [("alerts-template", "value", saved)]
    )
    shown = str(response_json(picked)) if picked.status_code == 200 else ""
    assert picked.status_code in (200, 204) and "请于" not in shown
    mine = call_callback(
        client_as("xtw.staff"), [("alerts-text", "value")], [("alerts-template", "value", saved)]
    )
    assert "请于" in str(response_json(mine))  # the check above can see a leak
    with sessions() as session:
        assert session.scalars(select(Template).where(Template.name == "越权")).first() is None


def components(component):
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            yield from components(child)


def test_the_upload_names_its_limit_and_the_browser_enforces_it(context, monkeypatch):
    from dash import dcc

    from modules.alerts.pages import layout
    from tests.modules.alerts.helpers import core_of

    page = layout(core_of(context, "xtw.staff"))
    upload = find(page, "alerts-upload")
    assert upload.max_size == 50 * 1024 * 1024 and not upload.disabled
    assert "不超过 50 MB" in str(upload.children)
    assert find(page, "alerts-export-xlsx").href == "/api/v1/alerts/contacts.xlsx"
    # Every graph of the module's (none today) hides plotly's logo and cloud links.
    for graph in (c for c in components(page) if isinstance(c, dcc.Graph)):
        config = graph.config or {}
        assert config.get("displaylogo") is False and config.get("showSendToCloud") is False
        assert config.get("showEditInChartStudio") is False
    monkeypatch.setenv("ONEMAP_ALERTS_CONTACTS_MAX_MB", "-1")
    broken = find(layout(core_of(context, "xtw.staff")), "alerts-upload")
    assert broken.disabled and "设置有误" in str(broken.children)
