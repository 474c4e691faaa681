"""The demo duties list: 25 matters a village organisation takes on, after the kind of list
Putian's guidance keeps (村级组织工作事务清单). Marked 示例: the official text is not at
hand, so these are examples, replaced when an admin keeps the real list."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from modules.ledger.duties.models import LedgerDuty

# (domain, matter)
EXAMPLE_DUTIES: tuple[tuple[str, str], ...] = (
    ("党建", "落实村级党组织“三会一课”等组织生活制度"),
    ("党建", "发展党员、党员教育管理和党费收缴"),
    ("党建", "村务公开、党务公开和财务公开"),
    ("党建", "村“两委”换届选举和村民代表会议组织"),
    ("综治", "矛盾纠纷排查调处和信访事项初步化解"),
    ("综治", "网格化服务管理和平安建设宣传"),
    ("综治", "社区矫正、安置帮教对象的日常协助"),
    ("应急", "防汛防台、地质灾害隐患点巡查和人员转移"),
    ("应急", "森林防火巡查和野外用火管理宣传"),
    ("应急", "安全生产和消防安全隐患排查报告"),
    ("民政", "低保、特困、临时救助对象的申请受理和初审"),
    ("民政", "独居、留守老人和困境儿童的关爱探访"),
    ("民政", "残疾人两项补贴的申请受理"),
    ("卫健", "公共卫生和爱国卫生运动的组织"),
    ("卫健", "计划生育服务和出生人口信息报告"),
    ("人社", "城乡居民养老保险和医疗保险参保动员"),
    ("人社", "就业信息收集发布和技能培训组织"),
    ("农业", "耕地保护、粮食生产和撂荒地整治"),
    ("农业", "农村宅基地和村集体资产资源管理"),
    ("生态环境", "农村人居环境整治和垃圾分类"),
    ("生态环境", "河长制、林长制的村级巡查"),
    ("退役军人", "退役军人和优抚对象的走访服务"),
    ("文旅", "村级文化活动和文物古迹保护巡查"),
    ("住建", "农村危房排查和自建房安全巡查"),
    ("人口", "人口基础信息的采集更新（一张表）"),
)


def seed_duties(session: Session) -> int:
    """The shipped items (示例), on a list that holds none yet (tasks may name them)."""
    if session.scalar(select(LedgerDuty.id).limit(1)) is not None:
        return 0
    session.add_all(
        LedgerDuty(position=i, title=title, domain=domain, example=True, changed_by="system")
        for i, (domain, title) in enumerate(EXAMPLE_DUTIES, start=1)
    )
    session.flush()
    return len(EXAMPLE_DUTIES)
