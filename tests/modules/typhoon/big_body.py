"""Run as `python -m tests.modules.typhoon.big_body DATABASE_URL`: post a 200 MB storm file
to the import API, once with its length and once streamed without one, and print (JSON) the
answers, the bytes the app read of each body, and how far the process's peak memory rose
above its size once idle. The body is made as it is read: this process holds none of it."""

from __future__ import annotations

import json
import resource
import sys
import time

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from app.factory import create_app
from tests.accounts_fixture import csrf_header, log_in
from tests.app_fixtures import settings_for

MB = 1024 * 1024
SIZE = 200 * MB
BOUNDARY = "typhoon-big-body"
URL = "/api/v1/typhoon/import"
HEAD = (
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="format"\r\n\r\ncma\r\n'
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n'
    "Content-Type: text/plain\r\n\r\n"
).encode()
LINE = b"2015092806 6 237 1221  935      55\n"
BLOCK = (HEAD + LINE * (MB // len(LINE) + 1))[:MB]


class Body:
    """A readable stream of `size` bytes, a multipart body of CMA lines, never held."""

    def __init__(self, size: int) -> None:
        self.size, self.position = size, 0

    def read(self, n: int = -1) -> bytes:
        left = self.size - self.position
        n = left if n is None or n < 0 else min(n, left)
        parts = []
        while n > 0:
            offset = self.position % MB
            take = min(n, MB - offset)
            parts.append(BLOCK[offset : offset + take])
            self.position += take
            n -= take
        return b"".join(parts)

    def readline(self, limit: int = -1) -> bytes:
        return self.read(limit if limit and limit > 0 else 64 * 1024)

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = {0: offset, 1: self.position + offset, 2: self.size + offset}[whence]
        return self.position


def post(client, size: int, with_length: bool):
    body = Body(size)
    builder = EnvironBuilder(
        path=URL,
        method="POST",
        input_stream=body,
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        headers=csrf_header(client),
    )
    environ = builder.get_environ()
    if not with_length:  # chunked: the server marks where the body ends
        del environ["CONTENT_LENGTH"]
        environ["wsgi.input_terminated"] = True
    started = time.perf_counter()
    response = client.open(Request(environ))  # a Request: the client rebuilds no length
    return {
        "status": response.status_code,
        "body": response.get_json(),
        "read": body.position,
        "seconds": round(time.perf_counter() - started, 3),
    }


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def main(url: str) -> None:
    app = create_app(settings_for(url))
    client = app.server.test_client()
    assert log_in(client, "city.admin").status_code == 302
    post(client, 64 * 1024, True)  # warm up every code path on a small body
    post(client, 64 * 1024, False)
    idle = peak_mb()
    answers = {
        "with_length": post(client, SIZE, True),
        "streamed": post(client, SIZE, False),
        # Over the module's cap, under any cap of the app's: the module's own refusal.
        "over_the_module_cap": post(client, 20 * MB, True),
        "streamed_over_the_module_cap": post(client, 20 * MB, False),
    }
    print(json.dumps({"rise_mb": round(peak_mb() - idle, 1), "idle_mb": idle, **answers}))


if __name__ == "__main__":
    main(sys.argv[1])
