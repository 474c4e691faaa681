"""The OpenAPI document names every /api/v1 and /ogc route the app serves, with every path
parameter, and each answer it refers to exists; its page lists them all."""

from __future__ import annotations

import re

from app.openapi.document import METHODS, UNDESCRIBED, build_document
from app.openapi.document import served_operations as served


def served_operations(app) -> set[tuple[str, str]]:
    """(path, method) of every rule the app serves under /api/v1 and /ogc."""
    return {(path, method) for path, method, _ in served(app.server.url_map)}


def documented_operations(document: dict) -> set[tuple[str, str]]:
    return {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    }


def test_every_served_route_is_described(onemap_app, document):
    served_here = served_operations(onemap_app)
    assert len(served_here) > 50  # the core's and every module's routes are there to check
    assert served_here <= documented_operations(document)
    # A route nobody described is listed all the same, marked: none may be.
    undescribed = sorted(
        (path, method)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS and operation.get(UNDESCRIBED)
    )
    assert undescribed == [], f"routes not described in /api/openapi.json: {undescribed}"


class WithoutModuleDocs:
    """The app's registry, as if `module` had no register_openapi."""

    def __init__(self, registry, module: str) -> None:
        self.registry, self.module = registry, module

    def info(self):
        return self.registry.info()

    def call(self, hook: str, **kwargs):
        return [(n, r) for n, r in self.registry.call(hook, **kwargs) if n != self.module]


def test_a_route_without_a_description_is_listed_and_marked(onemap_app):
    server = onemap_app.server
    registry = WithoutModuleDocs(server.extensions["onemap"].modules, "flood")
    document = build_document(registry, server.url_map, server.view_functions)
    readings = document["paths"]["/api/v1/flood/readings"]["post"]
    assert readings[UNDESCRIBED] is True
    assert readings["summary"].startswith("Readings from devices")  # the view's docstring
    assert readings["tags"] == ["flood"]
    assert document["paths"]["/api/v1/flood/points"]["get"][UNDESCRIBED] is True
    assert not document["paths"]["/api/v1/typhoon/storms"]["get"].get(UNDESCRIBED)


def test_nothing_documented_that_is_not_served(onemap_app, document):
    stale = sorted(documented_operations(document) - served_operations(onemap_app))
    assert stale == []


def test_every_path_parameter_is_declared_and_every_reference_resolves(document):
    components = document["components"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            declared = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "path"}
            assert declared == set(re.findall(r"{([^}]+)}", path)), (path, method)
            assert operation["responses"], (path, method)
            for status, answer in operation["responses"].items():
                ref = answer.get("$ref")
                if ref:
                    assert ref.rsplit("/", 1)[-1] in components["responses"], ref
                    assert ref.endswith(f"Error{status}"), (path, method, status)


def test_errors_the_core_gives_are_documented_on_every_operation(document):
    """401 without credentials (except the routes devices call with their own token), 403
    on a cookie session's change without CSRF, 503 when the database is busy."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            answers = operation["responses"]
            assert "503" in answers, (path, method)
            if operation.get("security") != []:
                assert "401" in answers, (path, method)
                if method != "get":
                    assert "403" in answers, (path, method)


def test_security_schemes_are_the_token_and_the_session_cookie(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerToken"] == {**schemes["bearerToken"], "type": "http", "scheme": "bearer"}
    assert schemes["sessionCookie"]["in"] == "cookie"
    assert schemes["sessionCookie"]["name"] == "onemap_session"
    assert document["security"] == [{"bearerToken": []}, {"sessionCookie": []}]
    assert document["openapi"].startswith("3.")


def test_the_document_and_its_page_need_no_login_and_load_nothing_from_outside(
    onemap_app, document
):
    anonymous = onemap_app.server.test_client()
    page = anonymous.get("/api/docs")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    for path in document["paths"]:
        assert f"{path}</code>" in html.replace("&#x27;", "'"), path
    assert "<script" not in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "Bearer" in html and "onemap_session" in html
    # The API itself still refuses the anonymous visitor.
    assert anonymous.get("/api/v1/divisions/350304100000").status_code == 401


def test_the_document_is_valid_openapi_3_0(document):
    from schemathesis.specs.openapi.definitions import OPENAPI_30_VALIDATOR

    errors = [f"{e.instance_path}: {e.message}" for e in OPENAPI_30_VALIDATOR.iter_errors(document)]
    assert errors == []
