"""Rules every module applies the same way: how much of a phone number a viewer sees."""

from __future__ import annotations

from access.viewer import Viewer

# The core's permission to see whole phone numbers (staff and coordinators, who work with
# these people directly), inside the viewer's scope only; access.permissions declares it.
SEE_PHONES = "phones"


def mask_phone(phone: str | None) -> str:
    """138****5678: the first three and last four digits; short numbers keep only the end."""
    text = (phone or "").strip()
    if not text:
        return ""
    if len(text) >= 8:
        return f"{text[:3]}****{text[-4:]}"
    return "****" + text[-2:]


def sees_phone(viewer: Viewer, code: str) -> bool:
    """True when the viewer may see whole numbers of people kept at unit `code`."""
    return viewer.can(SEE_PHONES) and viewer.covers(code)


def phone_as_seen(viewer: Viewer, code: str, phone: str | None) -> str:
    """The phone of a person kept at unit `code`, whole or masked as this viewer may see it."""
    return (phone or "").strip() if sees_phone(viewer, code) else mask_phone(phone)
