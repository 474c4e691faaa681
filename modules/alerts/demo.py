"""Demo contacts (deterministic) for 西天尾镇 and a few other towns, and the shared templates.

The numbers 1380000xxxx are FICTITIOUS: a mainland mobile format has no reserved fake range,
so the demo uses one block and says so; never send the demo through a real gateway.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from modules.alerts.models import Contact
from modules.alerts.templates import seed_templates
from modules.sdk import DivisionCode, Forbidden, NotFound, Viewer, require_unit, units

TOWNS = ("350304100", "350304101", "350305101", "350302100")  # 西天尾镇 first
SURNAMES = "林陈黄吴郑李王张刘蔡许方翁朱"
GIVEN = (
    "建华",
    "秀英",
    "志强",
    "美玲",
    "国平",
    "丽华",
    "文斌",
    "春梅",
    "金山",
    "阿宝",
    "海燕",
    "明辉",
)
PER_VILLAGE = (("村居干部", 2), ("网格员", 2), ("重点人群", 3), ("包保责任人", 1))


def _people():
    number = 0
    while True:
        name = SURNAMES[number % len(SURNAMES)] + GIVEN[(number // len(SURNAMES)) % len(GIVEN)]
        yield name, f"1380000{number:04d}"
        number += 1


def seed(session: Session, viewer: Viewer) -> None:
    seed_templates(session)
    if session.scalars(select(Contact).limit(1)).first() is not None:
        return
    people = _people()
    contacts: list[Contact] = []

    def add(code: str, groups: str) -> None:
        name, phone = next(people)
        contacts.append(Contact(name=name, phone=phone, village_code=code, groups=groups))

    counties = set()
    for town in TOWNS:
        full = DivisionCode.parse(town)
        try:
            require_unit(session, viewer, full)
        except (NotFound, Forbidden):  # another city's database
            continue
        counties.add(full.parent)
        add(full, "包保责任人")  # the town's officers: escalations from its villages reach them
        add(full, "村居干部")
        villages = [village.code for village in units(session, viewer, "village", within=full)]
        for index, village in enumerate(villages):
            for group, count in PER_VILLAGE:
                for _ in range(count):
                    add(village, group)
            if index % 3 == 0:
                add(village, "在建工地负责人")
            if index % 4 == 0:  # in two groups, and 网格员 of the next village too
                last = contacts[-1]
                last.groups += "、网格员"
                if index + 1 < len(villages):
                    contacts.append(
                        Contact(
                            name=last.name,
                            phone=last.phone,
                            village_code=villages[index + 1],
                            groups="网格员",
                        )
                    )
    for county in sorted(c for c in counties if c):
        add(county, "包保责任人")  # town messages escalate to them
        add(county, "村居干部")
    session.add_all(contacts)
    session.flush()
