"""A snapshot's briefing as an HTTP answer: the renderers (modules/consult/briefing) make
the bytes from the frozen document only; this names the file and its type."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response

KINDS = {
    "print.html": "text/html",  # the A4 page, shown (Flask adds the charset)
    "html": "text/html",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def disposition(name: str) -> str:
    """An attachment header that keeps a Chinese file name (RFC 6266 filename*)."""
    ascii_name = "".join(c if c.isascii() and c.isalnum() or c in "._-" else "_" for c in name)
    return f"attachment; filename={ascii_name or 'file'}; filename*=UTF-8''{quote(name)}"


def file_name(document: dict, kind: str) -> str:
    event = document["event"]
    drill = "演练-" if event.get("drill") else ""
    return f"{drill}{event['title']}-第{document['number']}期会商简报.{kind}"


def render(document: dict, kind: str) -> bytes:
    from modules.consult import briefing

    if kind == "print.html":
        return briefing.print_html(document).encode("utf-8")
    if kind == "html":
        return briefing.briefing_html(document)
    if kind == "xlsx":
        return briefing.briefing_xlsx(document)
    return briefing.briefing_pdf(document)


def response(document: dict, kind: str) -> Response:
    headers = (
        {}
        if kind == "print.html"
        else {"Content-Disposition": disposition(file_name(document, kind))}
    )
    return Response(render(document, kind), mimetype=KINDS[kind], headers=headers)
