"""The briefing's text as HTML fragments, shared by the offline map's side panel and the
printable page: the heading, the key figures, the change since the previous round and the
decision log. Every text from the document goes through `esc`."""

from __future__ import annotations

from html import escape

from modules.consult.briefing.document import (
    SEVERITY_ZH,
    beijing_long,
    changes,
    decisions,
    event_line,
    figures,
    heading,
    is_drill,
    taken_line,
)

# Chinese must show wherever the briefing is opened or printed: the CJK fonts .ci/run
# installs (WenQuanYi Micro Hei) or a desktop's own, before the generic family.
FONT_STACK = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", '
    '"Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", sans-serif'
)
# What both pages share: the figures table, severities, the change and the decision log.
SECTION_CSS = """
.briefing-header h1 { font-size: 1.35em; margin: 0 0 .3em; }
.briefing-header p { margin: .15em 0; }
.briefing-header .drill { color: #c92a2a; font-weight: bold; }
.briefing-header .taken { color: #667; font-size: .85em; }
section h2 { font-size: 1.05em; border-bottom: 2px solid #1c7ed6; padding-bottom: .15em;
  margin: 1em 0 .4em; }
.figures table { width: 100%; border-collapse: collapse; font-size: .9em; }
.figures th, .figures td { border: 1px solid #ccd; padding: .2em .4em; text-align: left;
  vertical-align: top; }
.figures th { background: #eef3f8; }
.figures .value { font-weight: bold; white-space: nowrap; }
.figures .unit { font-weight: normal; margin-left: .15em; }
.figures .source { color: #556; font-size: .85em; }
.figures .severity { font-size: .8em; margin-left: .4em; padding: 0 .25em; border: 1px solid;
  border-radius: 3px; white-space: nowrap; }
.severity-alarm .severity { color: #c92a2a; }
.severity-warn .severity { color: #d9480f; }
.severity-info .severity { color: #1864ab; }
.severity-alarm td:first-child { border-left: 4px solid #e03131; }
.severity-warn td:first-child { border-left: 4px solid #f08c00; }
.severity-info td:first-child { border-left: 4px solid #1c7ed6; }
.diff h3 { font-size: .95em; margin: .6em 0 .2em; }
.diff .delta { font-weight: normal; color: #556; }
.diff .level { font-weight: bold; color: #c92a2a; }
.diff p, .diff li { font-size: .9em; margin: .15em 0; }
.decisions ol { padding-left: 1.2em; margin: 0; }
.decisions li { margin: 0 0 .6em; }
.decisions p { margin: .1em 0; }
.decisions .meta, .decisions .units, .decisions .acks { font-size: .85em; color: #445; }
.decisions .badge { background: #fff3bf; border: 1px solid #f08c00; border-radius: 3px;
  padding: 0 .3em; margin-left: .4em; font-size: .9em; }
"""


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def header_html(doc: dict) -> str:
    drill = '<p class="drill">演练 · 非真实事件</p>' if is_drill(doc) else ""
    taken = taken_line(doc)
    return (
        '<header class="briefing-header">'
        f"<h1>{esc(heading(doc))}</h1>{drill}"
        f'<p class="event">{esc(event_line(doc))}</p>'
        f'<p class="moment">态势时刻：{esc(beijing_long(doc.get("moment")))}</p>'
        + (f'<p class="taken">{esc(taken)}</p>' if taken else "")
        + "</header>"
    )


def figures_html(doc: dict) -> str:
    rows = "".join(
        f'<tr class="severity-{esc(f.severity or "none")}">'
        f"<td>{esc(f.title)}{_severity_badge(f.severity)}</td>"
        f'<td class="value">{esc(f.value)}<span class="unit">{esc(f.unit)}</span></td>'
        f'<td class="source">{esc(f.source)}{"，截至 " + esc(f.as_of) if f.as_of else ""}</td>'
        "</tr>"
        for f in figures(doc)
    )
    body = rows or '<tr><td colspan="3">本期无态势数据</td></tr>'
    return (
        '<section class="figures"><h2>关键数据</h2><table>'
        "<thead><tr><th>项目</th><th>数值</th><th>来源</th></tr></thead>"
        f"<tbody>{body}</tbody></table></section>"
    )


def _severity_badge(severity: str) -> str:
    """The severity in words too: a printed page may be black and white."""
    label = SEVERITY_ZH.get(severity)
    return f'<span class="severity">{esc(label)}</span>' if label else ""


def diff_html(doc: dict, names_limit: int | None = None, changed_limit: int | None = None) -> str:
    """The change since the previous round. On paper, `names_limit` shortens a list of
    members to that many names and a count, `changed_limit` the members whose figures
    changed to that many lines and a count; the workbook has them all."""
    change = changes(doc)
    parts = [
        f'<section class="diff"><h2>与上期相比</h2><p class="against">{esc(change.against)}</p>'
    ]
    if change.level:
        parts.append(f'<p class="level">响应级别：{esc(change.level)}</p>')
    if not change.first and not change.level and not change.items:
        parts.append("<p>各项数据与上期相同。</p>")
    for item in change.items:
        delta = f'<span class="delta">（{esc(item.delta)}）</span>' if item.delta else ""
        parts.append(
            f'<div class="change"><h3>{esc(item.title)}：{esc(item.before)} → '
            f"{esc(item.after)}{esc(item.unit)}{delta}</h3>"
        )
        for group in item.members:
            names = group.names
            shown = names if names_limit is None else names[:names_limit]
            more = f" 等{len(names)}个" if len(shown) < len(names) else ""
            parts.append(
                f'<p class="members"><b>{esc(group.label)}（{len(names)}）：</b>'
                f"{esc('、'.join(shown))}{esc(more)}</p>"
            )
        changed = item.changed if changed_limit is None else item.changed[:changed_limit]
        if changed:
            lines = "".join(f"<li>{esc(line)}</li>" for line in changed)
            more = len(item.changed) - len(changed)
            tail = f"<li>另有{more}项变化</li>" if more else ""
            parts.append(f'<ul class="changed">{lines}{tail}</ul>')
        parts.append("</div>")
    parts.append("</section>")
    return "".join(parts)


def decisions_html(doc: dict) -> str:
    entries = decisions(doc)
    if not entries:
        return '<section class="decisions"><h2>会商决策</h2><p>本期无决策记录。</p></section>'
    rows = "".join(
        f'<li class="{"new" if d.new else ""}">'
        f'<p class="meta"><b>{esc(d.ref)} {esc(d.kind)}</b> {esc(d.at)} · {esc(d.author)}'
        + ('<span class="badge">本期新增</span>' if d.new else "")
        + (f" · {esc(d.corrects)}" if d.corrects else "")
        + "</p>"
        f'<p class="text">{esc(d.text)}</p>'
        + (f'<p class="units">涉及单位：{esc(d.units)}</p>' if d.units else "")
        + (f'<p class="acks">{esc(d.acks)}</p>' if d.acks else "")
        + "</li>"
        for d in entries
    )
    return f'<section class="decisions"><h2>会商决策</h2><ol>{rows}</ol></section>'


def body_sections(
    doc: dict, names_limit: int | None = None, changed_limit: int | None = None
) -> str:
    """Everything but the map, in reading order."""
    return figures_html(doc) + diff_html(doc, names_limit, changed_limit) + decisions_html(doc)
