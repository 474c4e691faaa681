"""schemathesis against the app in-process (its WSGI server, a throwaway SQLite database):
for every documented operation, requests generated from the document, as a coordinator with
a Bearer token and as an anonymous visitor, never get a server error (5xx other than the
documented 501/503) nor an answer the document does not describe (status, content type,
body schema).

Bounded: a few examples per operation, a fixed seed (derandomized), no shrinking, so the
whole run stays within about a minute.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app import accounts
from app.openapi.document import METHODS, build_document
from app.registry import ModuleRegistry

EXAMPLES_PER_OPERATION = 4
# Answers the document gives a 5xx status for: vector tiles on SQLite, a busy database.
DOCUMENTED_SERVER_ANSWERS = {501, 503}


@schemathesis.check
def no_server_error(ctx, response, case):
    """No 500 (a crash); the documented 501 and 503 are answers, not errors."""
    status = response.status_code
    if status >= 500 and status not in DOCUMENTED_SERVER_ANSWERS:
        raise AssertionError(f"server error {status}: {response.text[:300]}")


CHECKS = [
    no_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
BOUNDED = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
NEGATIVE_BOUND = settings(BOUNDED, max_examples=2)


DOCUMENT = build_document(ModuleRegistry())


def operation_labels(breakable_only: bool = False) -> list[tuple[str, str]]:
    """(method, path) of every documented operation, known at collection time;
    `breakable_only`: those a request can break (a body, or a parameter of a type, a list of
    values or a pattern), where a negative run has something to send."""
    document = DOCUMENT
    return [
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS and (not breakable_only or breakable(operation))
    ]


def breakable(operation: dict) -> bool:
    constrained = (
        {"enum", "format", "pattern", "minimum", "maximum"} & set(p.get("schema", {}))
        or p.get("schema", {}).get("type", "string") != "string"
        for p in operation.get("parameters", [])
    )
    return "requestBody" in operation or any(constrained)


OPERATIONS = operation_labels()
BREAKABLE = operation_labels(breakable_only=True)

# Bodies as sent, so the checks read them (the WSGI client does not undo gzip).
PLAIN = {"Accept-Encoding": "identity"}


@pytest.fixture(scope="module")
def api_schema(onemap_app):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", onemap_app.server)


@pytest.fixture(scope="module")
def coordinator_token(onemap_app) -> str:
    """A Bearer token of the city's coordinator (tests/accounts_fixture.py's accounts)."""
    sessions = onemap_app.server.extensions["onemap"].sessions
    with sessions() as session, session.begin():
        return accounts.create_token(session, accounts.get_user(session, "city.coordinator"))


def run_operation(
    api_schema,
    method: str,
    path: str,
    headers: dict,
    mode: GenerationMode = GenerationMode.POSITIVE,
    checks: list = CHECKS,
) -> None:
    operation = api_schema[path][method]
    bounded = BOUNDED if mode is GenerationMode.POSITIVE else NEGATIVE_BOUND

    @bounded
    @given(case=operation.as_strategy(mode))
    def check(case):
        case.call_and_validate(headers=headers, checks=checks)

    check()


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_as_a_coordinator_with_a_token(api_schema, coordinator_token, method, path):
    token = {"Authorization": f"Bearer {coordinator_token}"}
    run_operation(api_schema, method, path, {**PLAIN, **token})


@pytest.mark.parametrize(("method", "path"), BREAKABLE)
def test_requests_breaking_the_document_get_no_server_error(
    api_schema, coordinator_token, method, path
):
    """Negative data (wrong types, values outside the lists, bodies missing fields) as the
    coordinator: refused with a 4xx, never a crash (the answer need not match the document:
    such a request is outside it)."""
    token = {"Authorization": f"Bearer {coordinator_token}"}
    headers = {**PLAIN, **token}
    try:
        run_operation(api_schema, method, path, headers, GenerationMode.NEGATIVE, [no_server_error])
    except Unsatisfiable:
        # schemathesis found no request outside the description (e.g. a body of any JSON):
        # nothing negative to send, and the positive runs cover the operation.
        pass


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_as_anonymous(api_schema, method, path):
    run_operation(api_schema, method, path, PLAIN)


def test_the_checks_catch_a_crash_and_an_answer_the_document_does_not_describe():
    """The same run, on a tiny app whose routes break their description, fails."""
    from flask import Flask, jsonify

    tiny = Flask("tiny")
    tiny.add_url_rule("/crash", "crash", lambda: 1 / 0)
    tiny.add_url_rule("/wrong", "wrong", lambda: jsonify({"count": "many"}))
    answer = {
        "description": "A count.",
        "content": {
            "application/json": {
                "schema": {"type": "object", "properties": {"count": {"type": "integer"}}}
            }
        },
    }
    tiny.add_url_rule(
        "/openapi.json",
        "doc",
        lambda: jsonify(
            {
                "openapi": "3.0.3",
                "info": {"title": "tiny", "version": "1"},
                "paths": {
                    "/crash": {"get": {"responses": {"200": answer}}},
                    "/wrong": {"get": {"responses": {"200": answer}}},
                },
            }
        ),
    )
    tiny_schema = schemathesis.openapi.from_wsgi("/openapi.json", tiny)
    for path, expected in (
        ("/crash", "division by zero|server error 500"),
        ("/wrong", "violates schema|distinct failure"),
    ):
        with pytest.raises(BaseException, match=expected):  # an ExceptionGroup too
            run_operation(tiny_schema, "GET", path, PLAIN)
