"""The /ogc/ pages for a person with a browser: plain server-rendered HTML, zh-CN, nothing
loaded from outside the app (the app's stylesheet only)."""

from __future__ import annotations

from html import escape

from flask import Response

from app.html_page import page


def _link(href: str, text: str) -> str:
    return f'<a href="{escape(href)}">{escape(text)}</a>'


def _table(headings: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headings)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<table class="ogc-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _json_link(href: str) -> str:
    return f'<p class="ogc-formats">{_link(href, "JSON")}</p>'


def landing(base: str, json_href: str) -> Response:
    body = f"""<h2>开放数据接口（OGC API – Features）</h2>
<p>本服务按 OGC API – Features 标准提供各级区划界线与各业务模块的图层，只含您辖区内的数据。
在 QGIS 中：图层 → 添加图层 → 添加 WFS / OGC API – Features 图层，地址填
<code>{escape(base)}</code>，并在“HTTP 头”中加入 <code>Authorization: Bearer 您的令牌</code>。</p>
<ul><li>{_link(base + "/collections?f=html", "图层列表")}</li>
<li>{_link(base + "/conformance?f=html", "符合的标准类")}</li>
<li>{_link("/api/openapi.json", "接口说明（OpenAPI）")}</li></ul>{_json_link(json_href)}"""
    return page("开放数据接口", body)


def conformance(classes: list[str], json_href: str) -> Response:
    items = "".join(f"<li><code>{escape(c)}</code></li>" for c in classes)
    return page("符合的标准类", f"<h2>符合的标准类</h2><ul>{items}</ul>{_json_link(json_href)}")


def collections(listed: list[dict], json_href: str) -> Response:
    rows = [
        [
            _link(c["html"], c["id"]),
            escape(c["title"]),
            escape(c["description"]),
            _link(c["items_html"], "浏览要素"),
        ]
        for c in listed
    ]
    table = _table(["编号", "名称", "说明", ""], rows) if rows else "<p>没有可读的图层。</p>"
    return page("图层列表", f"<h2>图层列表</h2>{table}{_json_link(json_href)}")


def collection(info: dict, json_href: str) -> Response:
    queryables = "、".join(escape(q) for q in info["queryables"]) or "无"
    timed = f"；有时间字段 {escape(info['time_field'])}" if info["time_field"] else ""
    crs_list = "".join(f"<li><code>{escape(c)}</code></li>" for c in info["crs"])
    body = f"""<h2>{escape(info["title"])}</h2><p>{escape(info["description"])}</p>
<p>编号：<code>{escape(info["id"])}</code>；几何类型：{escape(info["geometry_type"])}；
可筛选字段：{queryables}{timed}</p>
<p>{_link(info["items_html"], "浏览要素")} · {_link(info["queryables_html"], "可筛选字段")}
 · {_link(info["items_json"], "GeoJSON")}</p><h3>坐标系</h3><ul>{crs_list}</ul>
<p>{_link("/ogc/collections?f=html", "返回图层列表")}</p>{_json_link(json_href)}"""
    return page(info["title"], body)


def _cell(value) -> str:
    if isinstance(value, dict | list):
        return f"<code>{escape(str(value))[:200]}</code>"
    return escape("" if value is None else str(value))


def items(title: str, features: list[dict], links: dict, json_href: str) -> Response:
    keys: list[str] = []
    for feature in features:
        for key in feature.get("properties") or {}:
            if key not in keys:
                keys.append(key)
    rows = [
        [_link(f"{links['item']}/{f['id']}?f=html", str(f["id"]))]
        + [_cell((f.get("properties") or {}).get(k)) for k in keys]
        for f in features
    ]
    more = f" · {_link(links['next'], '下一页')}" if links.get("next") else ""
    table = _table(["编号", *keys], rows) if rows else "<p>没有符合条件的要素。</p>"
    body = f"""<h2>{escape(title)}</h2><p>本页 {len(features)} 个要素{more}</p>{table}
<p>{_link(links["collection"], "返回图层")}</p>{_json_link(json_href)}"""
    return page(title, body)


def item(title: str, feature: dict, geometry: str, links: dict, json_href: str) -> Response:
    rows = [[escape(k), _cell(v)] for k, v in (feature.get("properties") or {}).items()]
    shown = escape(geometry[:2000]) + ("…" if len(geometry) > 2000 else "")
    body = f"""<h2>{escape(title)} · {escape(str(feature["id"]))}</h2>{_table(["字段", "值"], rows)}
<h3>几何</h3><pre class="ogc-geometry">{shown}</pre>
<p>{_link(links["items"], "返回要素列表")}</p>{_json_link(json_href)}"""
    return page(title, body)


def queryables(title: str, schema: dict, json_href: str) -> Response:
    rows = [
        [f"<code>{escape(name)}</code>", escape(p.get("type", "")), escape(p.get("title", ""))]
        for name, p in schema["properties"].items()
    ]
    body = f"<h2>{escape(title)} · 可筛选字段</h2>{_table(['字段', '类型', '说明'], rows)}"
    return page(title, body + _json_link(json_href))
