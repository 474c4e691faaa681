"""One body, two representations: gzip for clients that accept it, identity otherwise.

Each representation has its own ETag (a strong validator names exact bytes), so a cache
holding the gzip bytes is never told 304 about the identity ones, nor the reverse.
"""

from __future__ import annotations

from flask import request


def accepts_gzip() -> bool:
    """The client takes gzip (a `gzip;q=0` refuses it)."""
    return request.accept_encodings.quality("gzip") > 0


def etag_for(etag: str, gzipped: bool) -> str:
    """The ETag of one representation of the body whose ETag is `etag`."""
    return f"{etag}-gzip" if gzipped else etag
