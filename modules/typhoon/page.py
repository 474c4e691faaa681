"""The 台风会商 page (placeholder until the page slice)."""

from modules.contract import PageSpec


def page(core):
    from dash import html

    return PageSpec(
        id="typhoon",
        path="/typhoon",
        title="台风会商",
        layout=lambda **_: html.Div(),
        permission="read",
    )


def register(app, core) -> None:
    return None
