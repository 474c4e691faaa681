"""Who a message goes to: a unit and its children, groups, the responsible officers of key
points, and everyone linked to points inside the 10-level circle within 24 h. Resolved in the
data layer from the viewer: whatever the request names, only recipients inside the viewer's
scope (and the chosen unit) come back, each phone once."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from modules.alerts.contacts import contacts_in, normalize_phone, split_groups
from modules.sdk import (
    EXPOSURE,
    CoreServices,
    DivisionCode,
    Viewer,
    require_unit,
    unit_names,
)

FIELDS: tuple[str, ...] = ("单位", "时间", "风圈等级", "重点部位")
MAX_TEXT = 500
EXPOSURE_LEVEL = 10
EXPOSURE_HOURS = 24
BEIJING = timedelta(hours=8)
_FIELD = re.compile(r"\{([^{}]*)\}")


class AudienceRefused(ValueError):
    """An audience or text that cannot be sent; the message is zh-CN for the user."""


@dataclass(frozen=True)
class Audience:
    unit: str | None = None
    groups: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    exposure: bool = False

    @classmethod
    def from_request(cls, body: object) -> Audience:
        """From JSON or callback values, tolerating junk: lists of strings only."""
        body = body if isinstance(body, dict) else {}

        def strings(value: object) -> tuple[str, ...]:
            if isinstance(value, str):
                value = split_groups(value)
            if not isinstance(value, list | tuple):
                return ()
            return tuple(dict.fromkeys(str(v) for v in value if isinstance(v, str | int)))

        unit = body.get("unit")
        return cls(
            unit=str(unit) if isinstance(unit, str | int) and str(unit) else None,
            groups=strings(body.get("groups")),
            sites=strings(body.get("sites")),
            exposure=body.get("exposure") is True or body.get("exposure") in ("1", "true", 1),
        )

    def as_dict(self) -> dict:
        return {
            "unit": self.unit,
            "groups": list(self.groups),
            "sites": list(self.sites),
            "exposure": self.exposure,
        }


@dataclass
class Recipient:
    phone: str
    name: str
    village_code: str
    site_id: str = ""
    site_name: str = ""
    level: int | None = None


@dataclass
class Resolved:
    unit: str
    unit_name: str
    recipients: list[Recipient]
    duplicates: int = 0
    ignored_sites: int = 0
    site_names: dict[str, str] = field(default_factory=dict)
    viewer: Viewer | None = None  # whose audience it is: names are read in their scope
    # Sites of the exposure audience reached, by what put them in the circle: a drill's
    # exposure only, or a live storm's.
    drill_sites: int = 0
    live_sites: int = 0

    def per_unit(self, session: Session) -> list[dict]:
        """Recipients counted by the unit one level below the audience unit (or itself)."""
        depth = {"city": 6, "county": 9, "town": 12, "village": 12}[
            DivisionCode.parse(self.unit).level
        ]
        counts = Counter(r.village_code[:depth].ljust(12, "0") for r in self.recipients)
        names = unit_names(session, self.viewer, set(counts))
        return [
            {"code": code, "name": names.get(code, code), "count": n}
            for code, n in sorted(counts.items())
        ]


def exposed_sites(
    session: Session, core: CoreServices, now: datetime | None = None
) -> dict[str, tuple[int, bool]]:
    """Site ids inside a wind circle of level >= 10 whose window starts within 24 h and has
    not ended, with their level and whether only drills (演练) put them there (from the
    `exposure` signals in force): a live storm's exposure of a site outranks a drill's."""
    now = now or datetime.now(UTC)
    horizon = now + timedelta(hours=EXPOSURE_HOURS)
    found: dict[str, tuple[int, bool]] = {}
    for signal in core.signals(session, EXPOSURE):
        payload = signal.payload or {}
        drill = payload.get("drill") is True
        for item in payload.get("sites", []) or []:
            try:
                level = int(item.get("level", 0))
                start = _when(item.get("from")) or now
                until = _when(item.get("until"))
            except (TypeError, ValueError, AttributeError):
                continue
            if level >= EXPOSURE_LEVEL and start <= horizon and (until is None or until > now):
                site = str(item.get("site", ""))
                known_level, only_drills = found.get(site, (0, True))
                found[site] = (max(level, known_level), only_drills and drill)
    return found


def _when(text: object) -> datetime | None:
    if not text:
        return None
    value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def resolve(session: Session, viewer: Viewer, core: CoreServices, audience: Audience) -> Resolved:
    """The recipients of `audience` as this viewer may reach them. The unit is checked
    (Forbidden outside the scope, NotFound unknown); site ids outside the scope are not
    found and only counted as ignored; duplicates (same phone) are removed."""
    unit_code = audience.unit or viewer.home
    if not unit_code:
        raise AudienceRefused("请选择一个单位")
    unit = require_unit(session, viewer, unit_code)
    unit_name = unit_names(session, viewer, {unit}).get(unit, unit)
    contacts = contacts_in(session, viewer, unit)
    chosen: list[Recipient] = []
    anything = audience.groups or audience.sites or audience.exposure

    if audience.groups:
        wanted = set(audience.groups)
        chosen += [
            Recipient(c.phone, c.name, c.village_code, c.site_id)
            for c in contacts
            if wanted & set(c.group_list)
        ]
    site_ids: dict[str, int | None] = {s: None for s in audience.sites}
    exposed = exposed_sites(session, core) if audience.exposure else {}
    site_ids.update({site: level for site, (level, _) in exposed.items()})
    ignored = 0
    site_names: dict[str, str] = {}
    reached: dict[str, bool] = {}  # exposure sites reached: True when only a drill's
    if site_ids:
        sites = {s.id: s for s in core.sites(session, viewer, unit)}
        ignored = sum(1 for s in audience.sites if s not in sites)
        for site_id, level in site_ids.items():
            site = sites.get(site_id)
            if site is None:
                continue
            if site_id in exposed:
                reached[site_id] = exposed[site_id][1]
            site_names[site.id] = site.name
            phone = normalize_phone(site.contact_phone)
            if phone and site.contact_name:
                chosen.append(
                    Recipient(
                        phone, site.contact_name, site.village_code, site.id, site.name, level
                    )
                )
            # Contacts linked to the site (in the contacts table) too.
            chosen += [
                Recipient(c.phone, c.name, c.village_code, site.id, site.name, level)
                for c in contacts
                if c.site_id == site.id
            ]
    if not anything:
        chosen = [Recipient(c.phone, c.name, c.village_code, c.site_id) for c in contacts]

    unique: dict[str, Recipient] = {}
    for recipient in chosen:
        # Defence in depth: nothing outside the scope or the unit, whatever produced it.
        if not viewer.covers(recipient.village_code) or not recipient.village_code.startswith(
            DivisionCode.parse(unit).prefix
        ):
            continue
        kept = unique.get(recipient.phone)
        if kept is None:
            unique[recipient.phone] = recipient
        elif not kept.site_name and recipient.site_name:
            kept.site_id, kept.site_name = recipient.site_id, recipient.site_name
            kept.level = kept.level or recipient.level
    inside = [r for r in chosen if viewer.covers(r.village_code)]
    return Resolved(
        unit=unit,
        unit_name=unit_name,
        recipients=list(unique.values()),
        duplicates=len(inside) - len(unique),
        ignored_sites=ignored,
        site_names=site_names,
        viewer=viewer,
        drill_sites=sum(reached.values()),
        live_sites=sum(not only_drill for only_drill in reached.values()),
    )


# --- text --------------------------------------------------------------------------------


def check_text(text: object) -> str:
    """The template text, or AudienceRefused naming what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise AudienceRefused("请填写短信内容或选择模板")
    text = text.strip()
    if len(text) > MAX_TEXT:
        raise AudienceRefused(f"短信内容 {len(text)} 字，超过 {MAX_TEXT} 字上限")
    unknown = sorted({f for f in _FIELD.findall(text) if f not in FIELDS})
    if unknown:
        allowed = " ".join("{" + f + "}" for f in FIELDS)
        raise AudienceRefused(f"未知字段：{'、'.join(unknown)}；可用字段：{allowed}")
    return text


def beijing_time(moment: datetime | None = None) -> str:
    local = (moment or datetime.now(UTC)).astimezone(UTC) + BEIJING
    return f"{local.month}月{local.day}日{local.hour:02d}:{local.minute:02d}"


def render(text: str, values: dict[str, str]) -> str:
    return _FIELD.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def field_values(
    session: Session, resolved: Resolved, moment: datetime | None = None
) -> list[dict[str, str]]:
    """Each recipient's field values: {单位} the recipient's unit, {时间} now in Beijing
    time, {风圈等级} the wind-circle level of their point (if exposed, else empty),
    {重点部位} their point, else the selected points (empty when none)."""
    names = unit_names(session, resolved.viewer, {r.village_code for r in resolved.recipients})
    when = beijing_time(moment)
    chosen_sites = "、".join(list(resolved.site_names.values())[:3])
    return [
        {
            "单位": names.get(r.village_code, resolved.unit_name),
            "时间": when,
            "风圈等级": f"{r.level}级" if r.level else "",
            "重点部位": r.site_name or chosen_sites,
        }
        for r in resolved.recipients
    ]


def empty_fields(text: str, values: list[dict[str, str]]) -> dict[str, int]:
    """{field the text uses: how many recipients it is empty for}, only fields empty for
    someone: such a message would read as a broken sentence."""
    used = [f for f in dict.fromkeys(_FIELD.findall(text)) if f in FIELDS]
    counts = {f: sum(1 for v in values if not v.get(f)) for f in used}
    return {f: n for f, n in counts.items() if n}


def render_all(
    session: Session,
    text: str,
    resolved: Resolved,
    moment: datetime | None = None,
    values: list[dict[str, str]] | None = None,
) -> list[str]:
    """Each recipient's message with their field values (`field_values`)."""
    values = field_values(session, resolved, moment) if values is None else values
    bodies = []
    for r, mine in zip(resolved.recipients, values, strict=True):
        body = render(text, mine)
        if len(body) > MAX_TEXT:
            raise AudienceRefused(f"发给 {r.name} 的短信填入字段后超过 {MAX_TEXT} 字")
        bodies.append(body)
    return bodies
