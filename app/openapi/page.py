"""/api/docs: the OpenAPI document as a page a person reads (server-rendered, no script, no
resource from outside the app)."""

from __future__ import annotations

from html import escape

from flask import Response

from app.openapi.document import METHODS

STYLE = """
body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:0 auto;max-width:72em;
padding:1em 1.5em;color:#1f2933;line-height:1.5}
h1{font-size:1.5em}h2{border-bottom:2px solid #d9e2ec;padding-bottom:.2em;margin-top:2em}
section.op{border:1px solid #d9e2ec;border-radius:6px;margin:1em 0;padding:.6em 1em}
.method{display:inline-block;min-width:4.5em;font-weight:bold;text-transform:uppercase}
.get{color:#0b6e4f}.post{color:#1c5d99}.patch,.put{color:#8a5a00}.delete{color:#b42318}
code.path{font-size:1.05em}table{border-collapse:collapse;width:100%;margin:.4em 0}
th,td{border:1px solid #e4e7eb;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f5f7fa}.muted{color:#616e7c}nav a{margin-right:1em}
ul.index{list-style:none;padding-left:0}ul.index li{margin:.15em 0}ul.index a{text-decoration:none}
"""


def _text(text: str) -> str:
    """Escaped prose, `code` in backticks shown as code."""
    parts = escape(text or "").split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def _ref(document: dict, found: dict) -> dict:
    """A `$ref` inside this document, followed (one level is all the document uses)."""
    ref = found.get("$ref")
    if not ref:
        return found
    node = document
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


def _type_of(schema: dict | None) -> str:
    schema = schema or {}
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    text = schema.get("type", "")
    if schema.get("format"):
        text += f" ({schema['format']})"
    if schema.get("pattern"):
        text += f" {schema['pattern']}"
    if schema.get("enum"):
        text += "：" + " | ".join(str(v) for v in schema["enum"])
    if text == "array" and schema.get("items"):
        text = f"array of {_type_of(schema['items'])}"
    return text


def _parameters(document: dict, operation: dict) -> str:
    rows = []
    for found in operation.get("parameters", []):
        found = _ref(document, found)
        rows.append(
            f"<tr><td><code>{escape(found['name'])}</code></td><td>{escape(found['in'])}</td>"
            f"<td>{'是' if found.get('required') else ''}</td>"
            f"<td>{escape(_type_of(found.get('schema')))}</td>"
            f"<td>{_text(found.get('description', ''))}</td></tr>"
        )
    if not rows:
        return ""
    return (
        "<h4>参数</h4><table><tr><th>名称</th><th>位置</th><th>必填</th><th>类型</th>"
        f"<th>说明</th></tr>{''.join(rows)}</table>"
    )


def _body(document: dict, operation: dict) -> str:
    body = operation.get("requestBody")
    if not body:
        return ""
    body = _ref(document, body)
    parts = []
    for media, content in body.get("content", {}).items():
        schema = _ref(document, content.get("schema", {}))
        fields = schema.get("properties") or (schema.get("items") or {}).get("properties") or {}
        required = set(schema.get("required", ()))
        listed = "".join(
            f"<tr><td><code>{escape(name)}</code></td><td>{'是' if name in required else ''}</td>"
            f"<td>{escape(_type_of(field))}</td>"
            f"<td>{_text(field.get('description', ''))}</td></tr>"
            for name, field in fields.items()
        )
        table = (
            f"<table><tr><th>字段</th><th>必填</th><th>类型</th><th>说明</th></tr>{listed}</table>"
            if listed
            else ""
        )
        parts.append(f"<p><code>{escape(media)}</code> {escape(_type_of(schema))}</p>{table}")
    text = _text(body.get("description", ""))
    return f"<h4>请求体</h4><p>{text}</p>{''.join(parts)}"


def _answers(document: dict, operation: dict) -> str:
    rows = []
    for status, answer in sorted(operation.get("responses", {}).items()):
        answer = _ref(document, answer)
        media = ", ".join(answer.get("content", {})) or "—"
        rows.append(
            f"<tr><td>{escape(status)}</td><td>{_text(answer.get('description', ''))}</td>"
            f"<td><code>{escape(media)}</code></td></tr>"
        )
    return (
        "<h4>应答</h4><table><tr><th>状态</th><th>说明</th><th>内容类型</th></tr>"
        f"{''.join(rows)}</table>"
    )


def _security(document: dict, operation: dict) -> str:
    chosen = operation.get("security", document.get("security", []))
    if not chosen:
        return '<p class="muted">无需登录（路由自行校验其令牌）。</p>'
    names = sorted({name for option in chosen for name in option})
    return f'<p class="muted">认证：{escape("、".join(names))}</p>'


def _where(scheme: dict) -> str:
    """Where a security scheme's credential goes: the header or the cookie it names."""
    if scheme.get("type") == "http":
        return f"<code>Authorization: {escape(scheme.get('scheme', '').title())} …</code>"
    return f"{escape(scheme.get('in', ''))} <code>{escape(scheme.get('name', ''))}</code>"


def _anchor(path: str, method: str) -> str:
    return f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", "")


def _operation(document: dict, path: str, method: str, operation: dict) -> str:
    anchor = _anchor(path, method)
    description = _text(operation.get("description", ""))
    return (
        f'<section class="op" id="{escape(anchor)}">'
        f'<h3><span class="method {method}">{method}</span> <code class="path">'
        f"{escape(path)}</code></h3><p><b>{escape(operation.get('summary', ''))}</b></p>"
        f"<p>{description}</p>{_security(document, operation)}"
        f"{_parameters(document, operation)}{_body(document, operation)}"
        f"{_answers(document, operation)}</section>"
    )


def render(document: dict) -> Response:
    """The page: one section per tag, each operation with its parameters and answers."""
    by_tag: dict[str, list[str]] = {tag["name"]: [] for tag in document.get("tags", [])}
    index: dict[str, list[str]] = {}
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                tag = (item[method].get("tags") or ["core"])[0]
                by_tag.setdefault(tag, []).append(_operation(document, path, method, item[method]))
                index.setdefault(tag, []).append(
                    f'<li><a href="#{escape(_anchor(path, method))}"><span class="method '
                    f'{method}">{method}</span> <code>{escape(path)}</code></a> '
                    f"{escape(item[method].get('summary', ''))}</li>"
                )
    titles = {tag["name"]: tag.get("description", tag["name"]) for tag in document["tags"]}
    nav = "".join(
        f'<a href="#tag-{escape(t)}">{escape(titles.get(t, t))}</a>' for t in by_tag if by_tag[t]
    )
    sections = "".join(
        f'<h2 id="tag-{escape(t)}">{escape(titles.get(t, t))} '
        f'<span class="muted">({escape(t)})</span></h2><ul class="index">{"".join(index[t])}</ul>'
        f"{''.join(ops)}"
        for t, ops in by_tag.items()
        if ops
    )
    schemes = "".join(
        f"<li><b>{escape(name)}</b>（{_where(s)}）：{_text(s.get('description', ''))}</li>"
        for name, s in document["components"]["securitySchemes"].items()
    )
    info = document["info"]
    html = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>接口文档 · 莆田市一张图</title><style>{STYLE}</style></head><body>
<h1>{escape(info["title"])}（接口文档）</h1><p>{_text(info["description"])}</p>
<p>机器可读版本：<a href="/api/openapi.json">/api/openapi.json</a>（OpenAPI
{escape(document["openapi"])}）</p><h2>认证</h2><ul>{schemes}</ul><nav>{nav}</nav>
{sections}</body></html>"""
    return Response(html, mimetype="text/html")
