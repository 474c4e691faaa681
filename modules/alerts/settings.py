"""The alerts module's own settings: a table of name, default and help, read by the SDK from
the `[alerts]` table of the config file and `ONEMAP_ALERTS_*` environment variables
(documented in docs/alerts.md)."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Mapping
from typing import Any

from modules.sdk import (
    Setting,
    SettingsError,
    SettingValues,
    config_file,
    module_settings,
    var_dir,
)

LOGGER = logging.getLogger(__name__)
MODULE_ID = "alerts"
PREFIX = "ONEMAP_ALERTS_"
MB = 1024 * 1024
CONFIRM_DEFAULT = 50


class AlertsSettingsError(SettingsError):
    """A setting that cannot be used; the message names the variable and says why."""


def _positive(kind: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        value = kind(text)
        if value <= 0:
            raise ValueError(f"must be positive, got {text!r}")
        return value

    return parse


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError(f"must be 0 or more, got {text!r}")
    return value


def _provider(text: str) -> str:
    value = text.strip().lower()
    if value not in ("file", "http"):
        raise ValueError(f"expected file or http, got {text!r}")
    return value


def _json_object(text: str) -> dict:
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("expected a JSON object")
    return value


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in text.replace("、", ",").split(",") if w.strip())


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "provider", "file", "file (append JSON lines to a file) or http (a gateway)", _provider
    ),
    Setting(
        "file",
        "",
        "the file provider's output: one JSON line per message sent "
        "(empty: alerts-outbox.jsonl in the core's var_dir)",
    ),
    Setting("http_url", "", "the HTTP gateway's URL (POST, JSON body)"),
    Setting("http_auth_header", "Authorization", "name of the header carrying the credential"),
    Setting("http_auth", "", "value of that header, e.g. 'Bearer KEY' (empty: none)"),
    Setting(
        "http_body",
        '{"to": "$phone", "text": "$text", "idempotency_key": "$key"}',
        "JSON body template; the strings $phone $text $key $name are replaced",
        _json_object,
    ),
    Setting("http_status_field", "status", "field of the JSON answer that says what happened"),
    Setting("http_ok", "ok,accepted,sent,queued", "values of that field meaning sent", _words),
    Setting("http_delivered", "delivered", "values of that field meaning delivered", _words),
    Setting(
        "http_fatal",
        "invalid_number,rejected",
        "values meaning a permanent failure (no retry)",
        _words,
    ),
    Setting(
        "report_token",
        "",
        "secret the gateway sends (Authorization: Bearer ...) with delivery reports; "
        "empty = reports refused",
    ),
    Setting(
        "report_failed",
        "failed,undeliverable,expired",
        "delivery-report statuses meaning the message never arrived",
        _words,
    ),
    Setting("http_id_field", "id", "field of the JSON answer with the provider's message id"),
    Setting("http_timeout", "5", "seconds to wait for the gateway", _positive(float)),
    Setting("rate", "20", "messages per second per worker process (rate limit)", _positive(float)),
    Setting("max_attempts", "8", "attempts before a delivery is marked 失败", _positive(int)),
    Setting(
        "backoff_base", "5", "seconds before the first retry; doubles each time", _positive(float)
    ),
    Setting("backoff_cap", "600", "longest wait between retries, seconds", _positive(float)),
    Setting("batch", "50", "deliveries claimed at once", _positive(int)),
    Setting("threads", "4", "requests in flight at once per worker process", _positive(int)),
    Setting(
        "lease",
        "120",
        "seconds a claimed delivery stays with its worker before another may take it",
        _positive(float),
    ),
    Setting("poll", "1", "seconds the worker sleeps when nothing is due", _positive(float)),
    Setting(
        "ack_base_url", "", "origin put before acknowledgement links (e.g. https://onemap.example)"
    ),
    Setting(
        "contacts_max_mb",
        "50",
        "largest contacts file accepted, in MB (page upload and CLI; an XLSX may unpack to "
        "no more)",
        _positive(float),
    ),
    Setting(
        "confirm_over",
        "50",
        "a send to more recipients than this asks the sender to confirm the count first "
        "(the page: a confirm step; the API: 409 unless `confirm` is the count); 0 = every send",
        _count,
    ),
    Setting(
        "escalate_groups",
        "包保责任人,村居干部",
        "groups of the parent unit's contacts who receive escalations",
        _words,
    ),
)


AlertsSettings = SettingValues


def load(environ: Mapping[str, str] | None = None, **overrides: Any) -> AlertsSettings:
    """The settings from the config file and the environment (and keyword overrides, already
    parsed, e.g. from a test)."""
    environ = os.environ if environ is None else environ
    try:
        config = config_file(environ)
        settings = module_settings(MODULE_ID, SETTINGS, environ, config=config, **overrides)
        values = dict(settings.values)
        values["file"] = values["file"] or str(
            var_dir(environ, config=config) / "alerts-outbox.jsonl"
        )
    except SettingsError as exc:
        raise AlertsSettingsError(str(exc)) from exc
    if values["provider"] == "http" and not values["http_url"]:
        raise AlertsSettingsError(f"{PREFIX}HTTP_URL is required with the http provider")
    return SettingValues(values)


def ack_base_url(environ: Mapping[str, str] | None = None) -> str:
    """Only the acknowledgement origin (from the same file and variables as `load`): a send
    must not fail on a worker-only setting."""
    try:
        read = module_settings(MODULE_ID, SETTINGS, environ, only=("ack_base_url",))
    except SettingsError:  # the worker reports it; a sender falls back to the page's origin
        return ""
    return read.ack_base_url.strip()


def confirm_over(environ: Mapping[str, str] | None = None) -> int:
    """Sends to more recipients than this need the count confirmed. A broken setting falls
    back to the default, logged: a typo must neither stop senders nor lift the check."""
    try:
        read = module_settings(MODULE_ID, SETTINGS, environ, only=("confirm_over",))
    except SettingsError as exc:
        LOGGER.error("alerts: %s; asking to confirm above %s recipients", exc, CONFIRM_DEFAULT)
        return CONFIRM_DEFAULT
    return read.confirm_over


def contacts_max_bytes(environ: Mapping[str, str] | None = None) -> int:
    """The largest contacts file, in bytes (only this setting is read: an import must not
    fail on a worker-only one); AlertsSettingsError names the variable."""
    try:
        read = module_settings(MODULE_ID, SETTINGS, environ, only=("contacts_max_mb",))
    except SettingsError as exc:
        raise AlertsSettingsError(str(exc)) from exc
    return int(read.contacts_max_mb * MB)
