"""`onemap users ...` and `onemap tokens ...`: the forms other systems' scripts rely on."""

from __future__ import annotations

import io

import pytest

from app.cli import main
from app.demo import DEMO_ACCOUNTS, create_demo_accounts
from app.factory import create_app
from app.settings import load_settings
from tests.accounts_fixture import log_in


@pytest.fixture
def database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'users.sqlite'}"
    monkeypatch.setenv("ONEMAP_DATABASE_URL", url)
    return url


def run(capsys, *argv, stdin: str | None = None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def app_for(url):
    return create_app(
        load_settings(
            overrides={"database_url": url, "secret_key": "k"}, environ={}, config_path=None
        )
    )


def test_users_add_with_password_from_stdin_then_log_in(database, capsys, monkeypatch):
    code, out, _ = run(
        capsys,
        "users",
        "add",
        "wang.wu",
        "--role",
        "staff",
        "--jurisdiction",
        "350304100",
        "--name",
        "王五",
        "--password-stdin",
        stdin="a-long-password-1\n",
        monkeypatch=monkeypatch,
    )
    assert code == 0 and "password:" not in out  # given on stdin: not echoed
    client = app_for(database).server.test_client()
    assert log_in(client, "wang.wu", "a-long-password-1").status_code == 302


def test_users_add_generates_a_password_when_none_is_given(database, capsys):
    code, out, _ = run(
        capsys,
        "users",
        "add",
        "li.si",
        "--role",
        "leader",
        "--jurisdiction",
        "350304",
        "--jurisdiction",
        "350305",
    )
    assert code == 0
    password = out.strip().splitlines()[-1].removeprefix("password: ")
    client = app_for(database).server.test_client()
    assert log_in(client, "li.si", password).status_code == 302
    code, out, _ = run(capsys, "users", "list")
    line = next(x for x in out.splitlines() if x.startswith("li.si"))
    assert "350304000000 350305000000" in line and "leader" in line


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--role", "staff", "--jurisdiction", "350399"], "no division"),
        (["--role", "staff", "--jurisdiction", "12"], "not a division code"),
    ],
)
def test_users_add_refuses_bad_input_with_a_sentence(database, capsys, argv, message):
    code, _, err = run(capsys, "users", "add", "bad.user", *argv)
    assert code == 1 and message in err
    code, out, _ = run(capsys, "users", "list")
    assert "bad.user" not in out  # nothing half-created


def test_tokens_print_alone_on_the_last_line_and_revoke_ends_them(database, capsys):
    run(capsys, "users", "add", "sys.gateway", "--role", "leader", "--jurisdiction", "350304")
    code, out, _ = run(capsys, "tokens", "create", "sys.gateway", "--label", "水利局")
    token = out.rstrip("\n").splitlines()[-1]
    assert code == 0 and token.startswith("om_") and " " not in token
    client = app_for(database).server.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/divisions/350304", headers=headers).status_code == 200
    assert client.get("/api/v1/divisions/350305", headers=headers).status_code == 403
    code, out, _ = run(capsys, "tokens", "list", "sys.gateway")
    assert token[:9] in out and "active" in out and token not in out  # never shown again
    assert run(capsys, "tokens", "revoke", token)[0] == 0
    assert client.get("/api/v1/divisions/350304", headers=headers).status_code == 401
    assert run(capsys, "tokens", "revoke", token)[0] == 1  # nothing left to revoke


def test_disable_set_password_and_grant(database, capsys, monkeypatch):
    run(
        capsys,
        "users",
        "add",
        "zhao.liu",
        "--role",
        "staff",
        "--jurisdiction",
        "350304100",
        "--password-stdin",
        stdin="first-password-1\n",
        monkeypatch=monkeypatch,
    )
    app = app_for(database)
    client = app.server.test_client()
    assert log_in(client, "zhao.liu", "first-password-1").status_code == 302
    assert client.get("/api/v1/divisions/350305").status_code == 403
    assert (
        run(
            capsys,
            "users",
            "grant",
            "zhao.liu",
            "--jurisdiction",
            "350305",
            "--role",
            "coordinator",
        )[0]
        == 0
    )
    relogged = app.server.test_client()
    log_in(relogged, "zhao.liu", "first-password-1")
    assert relogged.get("/api/v1/divisions/350305").status_code == 200
    run(
        capsys,
        "users",
        "set-password",
        "zhao.liu",
        "--password-stdin",
        stdin="second-password-2\n",
        monkeypatch=monkeypatch,
    )
    assert relogged.get("/api/v1/divisions/350305").status_code == 401  # sessions ended
    assert log_in(app.server.test_client(), "zhao.liu", "second-password-2").status_code == 302
    assert run(capsys, "users", "disable", "zhao.liu")[0] == 0
    assert log_in(app.server.test_client(), "zhao.liu", "second-password-2").status_code == 401
    assert run(capsys, "users", "disable", "nobody")[0] == 1


def test_demo_accounts_are_made_once_on_an_empty_database(database):
    app = app_for(database)
    sessions = app.server.extensions["onemap"].sessions
    with sessions() as session, session.begin():
        created = create_demo_accounts(session)
    assert [c[0] for c in created] == [a[0] for a in DEMO_ACCOUNTS]
    login, password = created[2][0], created[2][1]  # 西天尾镇 staff
    client = app.server.test_client()
    assert log_in(client, login, password).status_code == 302
    assert (
        client.get("/api/v1/layers/village.geojson")
        .json["features"][0]["properties"]["code"]
        .startswith("350304100")
    )
    with sessions() as session, session.begin():
        assert create_demo_accounts(session) == []  # never again


def test_production_mode_creates_no_demo_accounts(database, monkeypatch, capsys):
    import app.cli as cli

    served = {}
    monkeypatch.setattr("waitress.serve", lambda server, **kw: served.update(kw))

    class NotServing:  # `onemap run` builds its waitress server and runs it: not here
        def __init__(self, **options) -> None:
            served.update(options)

        def run(self) -> None:
            pass

    monkeypatch.setattr("waitress.server.create_server", lambda app, **kw: NotServing(**kw))
    monkeypatch.setenv("ONEMAP_DEMO", "0")
    assert cli.main(["run", "--port", "8123"]) == 0
    out = capsys.readouterr().out
    assert "Demo accounts" not in out and served["port"] == 8123
    assert "http://127.0.0.1:8123/" in out
    code, listing, _ = run(capsys, "users", "list")
    assert listing.strip() == ""
    monkeypatch.setenv("ONEMAP_DEMO", "1")
    assert cli.main(["run", "--port", "8123"]) == 0
    out = capsys.readouterr().out
    assert "Demo accounts" in out and "xitianwei.staff" in out
