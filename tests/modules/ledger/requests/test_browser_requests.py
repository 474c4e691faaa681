"""In headless Chromium: 市民政局 asks for 低保对象月报 over 荔城区 on 申请调阅; 荔城区's admin
approves it on 待审批; the department downloads the report, and the file holds only
荔城区's rows, stamped with the request's number.

The shipped catalogue has 低保户数/低保人数 公开 (granted at once); here the city has
marked them 内部, as a city may, so the request waits for the admin."""

from __future__ import annotations

import base64
import io
import re

import pytest
from openpyxl import load_workbook
from selenium.webdriver.common.by import By
from sqlalchemy import update

from tests.app_fixtures import database_for
from tests.app_server import serving
from tests.browser.conftest import browser, chrome, log_in  # noqa: F401 (fixtures)
from tests.browser.test_drilldown import wait_for
from tests.modules.ledger.conftest import with_demo

pytestmark = pytest.mark.browser
LICHENG = "350304000000"


def with_internal_dibao(app) -> None:
    from modules.ledger.models import LedgerTag

    with_demo(app)
    with app.server.extensions["onemap"].sessions() as session, session.begin():
        session.execute(
            update(LedgerTag)
            .where(LedgerTag.code.in_(("MZ002", "MZ003")))
            .values(sensitivity="internal")
        )


@pytest.fixture(scope="module")
def requests_url(request):
    with database_for(request, "ledger-requests", with_internal_dibao) as database:
        NAMES.update(town_names(database))
        with serving(database) as url:
            yield url


NAMES: dict[str, set[str]] = {}


def town_names(database: str) -> dict[str, set[str]]:
    """The towns' names of 荔城区 and of the rest of the city."""
    from modules.sdk import units
    from store.engine import build_engine, make_session
    from tests.accounts_fixture import system_viewer

    engine = build_engine(database)
    try:
        with make_session(engine)() as session:
            towns = units(session, system_viewer(), "town")
            inside = {u.name for u in towns if u.code.startswith(LICHENG[:6])}
            return {"licheng": inside, "elsewhere": {u.name for u in towns} - inside}
    finally:
        engine.dispose()


def choose(page, dropdown: str, text: str) -> None:
    """Open a dropdown, search for `text` and pick the first option showing it."""
    box = wait_for(lambda: page.find_element(By.ID, dropdown), message=dropdown)
    page.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
    box.click()
    menu = wait_for(
        lambda: page.find_element(By.CSS_SELECTOR, ".dash-dropdown-content"), message="its menu"
    )
    menu.find_element(By.CSS_SELECTOR, "input[type=search]").send_keys(text)

    def option():
        found = [
            o
            for o in menu.find_elements(By.CSS_SELECTOR, ".dash-dropdown-option")
            if text in o.text
        ]
        return found[0] if found else None

    wait_for(option, message=f"the option {text}").click()
    wait_for(lambda: text in page.find_element(By.ID, dropdown).text, message=f"{text} chosen")


def message(page, element: str) -> str:
    return page.find_element(By.ID, element).text


def fetched(page, href: str) -> tuple[int, bytes]:
    """The file behind a link, fetched by the page with its own session (as a click
    would download it)."""
    page.set_script_timeout(60)
    status, body = page.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        fetch(arguments[0], {credentials: 'same-origin'})
          .then(r => r.arrayBuffer().then(b => [r.status, b]))
          .then(([status, b]) => {
            let text = '';
            const bytes = new Uint8Array(b);
            for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
            done([status, btoa(text)]);
          });
        """,
        href,
    )
    return status, base64.b64decode(body)


def test_a_department_requests_the_admin_approves_and_the_file_holds_only_licheng(
    browser,  # noqa: F811
    requests_url,
):
    page = browser
    log_in(page, requests_url, "city.minzheng")
    page.get(requests_url + "/ledger/requests")
    choose(page, "ledger-req-template", "低保对象月报")
    choose(page, "ledger-req-unit", "荔城区")
    page.find_element(By.ID, "ledger-req-purpose").send_keys("核对低保资金发放")
    page.find_element(By.ID, "ledger-req-submit").click()
    wait_for(lambda: "已提交 SQ-" in message(page, "ledger-req-message"), message="submitted")
    number = re.search(r"SQ-\d{4}-\d{4}", message(page, "ledger-req-message")).group(0)
    assert "待审批" in message(page, "ledger-req-message")
    row = wait_for(lambda: page.find_element(By.ID, f"ledger-req-row-{number}"), message="row")
    assert "待审批" in row.text and not row.find_elements(By.LINK_TEXT, "下载 XLSX")

    page.delete_all_cookies()
    log_in(page, requests_url, "licheng.admin")
    page.get(requests_url + "/ledger/approvals")
    wait_for(lambda: number in message(page, "ledger-appr-list"), message="the pending request")
    choose(page, "ledger-appr-number", number)
    page.find_element(By.ID, "ledger-appr-approve").click()
    wait_for(lambda: "已批准" in message(page, "ledger-appr-message"), message="approved")

    page.delete_all_cookies()
    log_in(page, requests_url, "city.minzheng")
    page.get(requests_url + "/ledger/requests")
    row = wait_for(lambda: page.find_element(By.ID, f"ledger-req-row-{number}"), message="row")
    link = wait_for(lambda: row.find_element(By.LINK_TEXT, "下载 XLSX"), message="the link")
    assert "已批准" in row.text
    status, data = fetched(page, link.get_attribute("href"))
    assert status == 200
    sheet = load_workbook(io.BytesIO(data)).active
    text = [str(c) for r in sheet.iter_rows(values_only=True) for c in r if c is not None]
    joined = " ".join(text)
    assert number in joined and "市民政局" in joined
    assert NAMES["licheng"] and all(town in joined for town in NAMES["licheng"]), joined
    assert not [name for name in NAMES["elsewhere"] if name in joined]
