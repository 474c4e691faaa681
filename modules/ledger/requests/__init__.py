"""Data requests (申请调阅): a department asks for a template's or a set of tags' figures
over a jurisdiction and months; 公开 tags are granted at once, the rest wait for the owning
unit's admin; an approval lets the department download the report until it expires."""


def open_items(session, viewer, unit_code: str, now=None) -> list[dict]:
    """The open requests and tasks concerning a unit (see open_items.py), for its file."""
    from modules.ledger.requests.open_items import open_items as found

    return found(session, viewer, unit_code, now)
