"""Provider adapters: where a delivery goes. `file` appends JSON lines (demos, intranets
without a gateway); `http` posts to a configurable SMS gateway. Both honour the idempotency
key: the file provider never writes a key twice, the gateway gets it in the body and in the
`Idempotency-Key` header."""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Protocol

from modules.alerts.models import DELIVERED, SENT
from modules.alerts.outbox import Outcome, Outgoing
from modules.alerts.settings import AlertsSettings

LOGGER = logging.getLogger(__name__)
# HTTP answers worth trying again: the gateway is busy or broken for now.
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


class Provider(Protocol):
    name: str

    def send(self, outgoing: Outgoing) -> Outcome: ...


class RateLimiter:
    """A token bucket shared by a provider's threads: at most `rate` sends per second
    (bursts up to one second's worth)."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.tokens = rate
        self.updated = time.monotonic()
        self.lock = threading.Lock()

    def wait(self) -> None:
        while True:
            with self.lock:
                now = time.monotonic()
                self.tokens = min(self.rate, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                pause = (1 - self.tokens) / self.rate
            time.sleep(pause)


class FileProvider:
    name = "file"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.lock = threading.Lock()
        self.keys: set[str] | None = None

    def _load_keys(self) -> set[str]:
        keys = set()
        if self.path.exists():
            with self.path.open(encoding="utf-8") as handle:
                for line in handle:
                    try:
                        keys.add(json.loads(line)["key"])
                    except (ValueError, KeyError, TypeError):
                        continue
        return keys

    def send(self, outgoing: Outgoing) -> Outcome:
        provider_id = f"file-{outgoing.key}"
        with self.lock:
            if self.keys is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.keys = self._load_keys()
            if outgoing.key not in self.keys:
                line = {
                    "key": outgoing.key,
                    "to": outgoing.phone,
                    "name": outgoing.name,
                    "text": outgoing.body,
                    "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                }
                with self.path.open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps(line, ensure_ascii=False) + "\n")
                self.keys.add(outgoing.key)
        return Outcome(SENT, provider_id)


class HttpProvider:
    name = "http"

    def __init__(self, settings: AlertsSettings) -> None:
        self.settings = settings

    def _body(self, outgoing: Outgoing) -> bytes:
        values = {
            "$phone": outgoing.phone,
            "$text": outgoing.body,
            "$key": outgoing.key,
            "$name": outgoing.name,
        }

        def fill(node: object) -> object:
            if isinstance(node, str):
                return values.get(node, node)
            if isinstance(node, dict):
                return {k: fill(v) for k, v in node.items()}
            if isinstance(node, list):
                return [fill(v) for v in node]
            return node

        return json.dumps(fill(self.settings.http_body), ensure_ascii=False).encode("utf-8")

    def send(self, outgoing: Outgoing) -> Outcome:
        s = self.settings
        headers = {"Content-Type": "application/json", "Idempotency-Key": outgoing.key}
        if s.http_auth:
            headers[s.http_auth_header] = s.http_auth
        request = urllib.request.Request(
            s.http_url, data=self._body(outgoing), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=s.http_timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        except (TimeoutError, OSError) as error:  # refused, reset, timed out
            return Outcome("retry", error=f"network: {type(error).__name__}: {error}"[:200])
        try:
            answer = json.loads(raw or b"{}")
        except ValueError:
            answer = {}
        answer = answer if isinstance(answer, dict) else {}
        value = str(answer.get(s.http_status_field, ""))
        provider_id = str(answer.get(s.http_id_field, "") or "")
        if 200 <= status < 300:
            if value in s.http_delivered:
                return Outcome(DELIVERED, provider_id)
            if not value or value in s.http_ok:
                return Outcome(SENT, provider_id)
        if value in s.http_fatal or (400 <= status < 500 and status not in RETRY_STATUSES):
            return Outcome("fatal", error=f"HTTP {status} {value}".strip())
        return Outcome("retry", error=f"HTTP {status} {value}".strip())


def make_provider(settings: AlertsSettings) -> Provider:
    if settings.provider == "http":
        return HttpProvider(settings)
    return FileProvider(settings.file)
