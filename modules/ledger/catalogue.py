"""The shipped tag catalogue: 163 shared tags over 15 domains, as Putian's township clerks
keep them (names, units of measure, rules and roll-ups after the city's 共享标签 list).

One line a tag: code | name | unit of measure | type | level | period | flags | min | max |
roll-up | rule | extra. Types: int, dec, pct, bool, choice, date, text. Level: v (village),
t (town). Period: m, q, y, c (on change). Flags: R required, I 内部, P 个人敏感. Extra: the
choices ("a/b/c") or the weight of a mean ("w:RK001"). An empty min of a number is 0.

镇街户籍人口 (RK015) is the town's own figure from its police station's register, kept
beside its villages' 户籍人口: its rule `= RK001` compares the two on the towns' sheet.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from modules.ledger.models import LedgerTag

TYPES = {
    "int": "integer",
    "dec": "decimal",
    "pct": "percent",
    "bool": "yesno",
    "choice": "choice",
    "date": "date",
    "text": "text",
}
LEVELS = {"v": "village", "t": "town"}
PERIODS = {"m": "monthly", "q": "quarterly", "y": "yearly", "c": "on_change"}

DOMAINS = """
# 人口 | 公安局
RK001|户籍人口|人|int|v|m|R|||sum||
RK002|常住人口|人|int|v|m|R|||sum||
RK003|户籍户数|户|int|v|m|R|||sum|<= RK001|
RK004|男性户籍人口|人|int|v|m|R|||sum|<= RK001|
RK005|女性户籍人口|人|int|v|m|R|||sum|<= RK001|
RK006|0-17岁人口|人|int|v|m||||sum|<= RK002|
RK007|18-59岁人口|人|int|v|m||||sum|<= RK002|
RK008|60岁以上老人|人|int|v|m|R|||sum|<= RK002|
RK009|80岁以上老人|人|int|v|m||||sum|<= RK008|
RK010|流动人口|人|int|v|m||||sum||
RK011|外出务工人员|人|int|v|m||||sum|<= RK001|
RK012|本月出生人数|人|int|v|m||||sum||
RK013|本月死亡人数|人|int|v|m||||sum||
RK014|人口自然增长率|‰|dec|t|y||-50|50|mean||w:RK001
RK015|镇街户籍人口|人|int|t|m||||sum|= RK001|
# 民政 | 民政局
MZ001|独居老人|人|int|v|m|R|||sum|<= RK008|
MZ002|低保户数|户|int|v|m|R|||sum|<= RK003|
MZ003|低保人数|人|int|v|m|R|||sum|>= MZ002|
MZ004|特困供养人数|人|int|v|m||||sum||
MZ005|残疾人数|人|int|v|m||||sum|<= RK001|
MZ006|重度残疾人数|人|int|v|m||||sum|<= MZ005|
MZ007|留守儿童|人|int|v|m||||sum|<= RK006|
MZ008|困境儿童|人|int|v|m||||sum|<= RK006|
MZ009|居家养老服务站|—|bool|v|y||||none||
MZ010|养老机构床位数|张|int|t|y||||sum||
MZ011|本月临时救助人次|人次|int|v|m||||sum||
MZ012|高龄津贴发放人数|人|int|v|m||||sum|<= RK009|
MZ013|独居老人联系人|—|text|v|c|P|||none||
# 卫健 | 卫健委
WJ001|村卫生室|个|int|v|y||||sum||
WJ002|乡村医生人数|人|int|v|y||||sum||
WJ003|家庭医生签约人数|人|int|v|m||||sum|<= RK002|
WJ004|65岁以上老人体检人数|人|int|v|m||||sum|<= RK008|
WJ005|高血压规范管理人数|人|int|v|m||||sum||
WJ006|糖尿病规范管理人数|人|int|v|m||||sum||
WJ007|严重精神障碍患者在管人数|人|int|v|m|P|||sum||
WJ008|孕产妇建档人数|人|int|v|m||||sum||
WJ009|0-6岁儿童健康管理率|%|pct|v|q||||mean||w:RK006
WJ010|卫生院床位数|张|int|t|y||||sum||
WJ011|本月传染病报告例数|例|int|t|m|I|||sum||
WJ012|适龄儿童疫苗接种率|%|pct|v|q||||mean||w:RK006
# 应急 | 应急管理局
YJ001|防汛重点部位数|处|int|v|c|R|||sum||
YJ002|地质灾害隐患点|处|int|v|c||||sum||
YJ003|应急避难场所|个|int|v|y||||sum||
YJ004|避难场所可容纳人数|人|int|v|y||||sum||
YJ005|应急物资储备点|个|int|v|y||||sum||
YJ006|救生衣储备|件|int|v|m||||sum||
YJ007|冲锋舟|艘|int|t|m||||sum||
YJ008|抢险救援队伍人数|人|int|t|m|R|||sum||
YJ009|应急预案修订日期|—|date|t|c||||none||
YJ010|本月应急演练次数|次|int|t|m||||sum||
YJ011|本月排查安全隐患|处|int|v|m||||sum||
YJ012|本月整改安全隐患|处|int|v|m||||sum|<= YJ011|
YJ013|网格员人数|人|int|v|y||||sum||
# 农业 | 农业农村局
NY001|耕地面积|亩|dec|v|y||||sum||
NY002|粮食播种面积|亩|dec|v|y||||sum|<= NY001|
NY003|粮食产量|吨|dec|v|y||||sum||
NY004|茶园面积|亩|dec|v|y||||sum||
NY005|果园面积（龙眼、枇杷）|亩|dec|v|y||||sum||
NY006|生猪存栏|头|int|v|q||||sum||
NY007|家禽存栏|羽|int|v|q||||sum||
NY008|水产养殖面积|亩|dec|v|y||||sum||
NY009|家庭农场|个|int|v|y||||sum||
NY010|农民专业合作社|个|int|v|y||||sum||
NY011|高标准农田面积|亩|dec|v|y||||sum|<= NY001|
NY012|农村居民人均可支配收入|元|dec|t|y||||mean||w:RK001
NY013|撂荒地面积|亩|dec|v|q||||sum|<= NY001|
# 党建 | 组织部
DJ001|党员人数|人|int|v|m|R|||sum||
DJ002|女党员人数|人|int|v|m||||sum|<= DJ001|
DJ003|35岁以下党员|人|int|v|m||||sum|<= DJ001|
DJ004|流动党员|人|int|v|m||||sum|<= DJ001|
DJ005|本月发展党员|人|int|v|m||||sum||
DJ006|党组织类型|—|choice|v|c||||none||党委/党总支/党支部
DJ007|党群服务中心|—|bool|v|y||||none||
DJ008|本月主题党日次数|次|int|v|m||||sum||
DJ009|村（社区）书记姓名|—|text|v|c|I|||none||
DJ010|书记主任“一肩挑”|—|bool|v|c||||none||
DJ011|村“两委”成员人数|人|int|v|c||||sum||
# 教育 | 教育局
JY001|幼儿园|所|int|v|y||||sum||
JY002|小学|所|int|t|y||||sum||
JY003|初中|所|int|t|y||||sum||
JY004|在园幼儿|人|int|v|y||||sum|<= RK006|
JY005|小学在校生|人|int|t|y||||sum||
JY006|初中在校生|人|int|t|y||||sum||
JY007|专任教师|人|int|t|y||||sum||
JY008|控辍保学在册人数|人|int|v|m|I|||sum||
JY009|义务教育学位缺口|个|int|t|y||||sum||
JY010|学前教育毛入园率|%|pct|t|y||||mean||w:RK006
# 住建 | 住建局
ZJ001|农村危房|户|int|v|q||||sum||
ZJ002|本年危房改造|户|int|v|q||||sum||
ZJ003|老旧小区|个|int|v|y||||sum||
ZJ004|自建房安全排查|栋|int|v|q||||sum||
ZJ005|经营性自建房|栋|int|v|q||||sum|<= ZJ004|
ZJ006|生活垃圾清运量|吨|dec|t|m|R|||sum||
ZJ007|农村公厕|座|int|v|y||||sum||
ZJ008|污水处理设施覆盖|—|bool|v|y||||none||
ZJ009|燃气用户|户|int|v|y||||sum|<= RK003|
ZJ010|在建工程项目|个|int|t|m||||sum||
# 生态环境 | 生态环境局
HB001|河长制河段|段|int|v|y||||sum||
HB002|本月河道巡查次数|次|int|v|m||||sum||
HB003|入河排污口|个|int|v|y||||sum||
HB004|空气质量优良天数比例|%|pct|t|m||||mean||w:RK002
HB005|本月环境信访件|件|int|t|m||||sum||
HB006|畜禽养殖场环保达标|—|bool|v|y||||none||
HB007|森林覆盖率|%|pct|t|y||||mean||
HB008|生态公益林面积|亩|dec|v|y||||sum||
HB009|垃圾分类覆盖|—|choice|v|y||||none||未覆盖/部分覆盖/全覆盖
HB010|本月秸秆焚烧巡查|次|int|v|m||||sum||
# 综治 | 政法委
ZZ001|网格数|个|int|v|y||||sum||
ZZ002|本月矛盾纠纷排查|件|int|v|m||||sum||
ZZ003|本月矛盾纠纷化解|件|int|v|m||||sum|<= ZZ002|
ZZ004|社区矫正对象|人|int|v|m|P|||sum||
ZZ005|刑满释放人员|人|int|v|m|P|||sum||
ZZ006|本月治安案件|起|int|t|m|I|||sum||
ZZ007|本月信访件|件|int|t|m||||sum||
ZZ008|平安村（社区）创建|—|choice|v|y||||none||未创建/创建中/已达标
ZZ009|视频监控点位|个|int|v|y||||sum||
ZZ010|群防群治队伍人数|人|int|v|y||||sum||
# 经济 | 统计局
JJ001|村集体经营性收入|万元|dec|v|y||||sum||
JJ002|村集体总收入|万元|dec|v|y||||sum|>= JJ001|
JJ003|规模以上工业企业|家|int|t|m||||sum||
JJ004|个体工商户|户|int|v|q||||sum||
JJ005|本月招商签约项目|个|int|t|m||||sum||
JJ006|本月固定资产投资|万元|dec|t|m||||sum||
JJ007|一般公共预算收入|万元|dec|t|m||||sum||
JJ008|电商网店|家|int|v|q||||sum||
JJ009|本月乡村旅游接待人次|人次|int|v|m||||sum||
JJ010|集体经济强弱|—|choice|v|y||||none||薄弱村/一般村/强村
# 人社 | 人社局
RS001|城乡居民养老保险参保人数|人|int|v|m||||sum|<= RK001|
RS002|城乡居民医保参保人数|人|int|v|m||||sum|<= RK001|
RS003|领取养老金人数|人|int|v|m||||sum|<= RK008|
RS004|本月新增就业|人|int|t|m||||sum||
RS005|登记失业人员|人|int|t|m||||sum||
RS006|本月技能培训人次|人次|int|t|m||||sum||
RS007|公益性岗位人数|人|int|v|m||||sum||
RS008|脱贫劳动力务工人数|人|int|v|m||||sum||
RS009|医保参保率|%|pct|v|y||||mean||w:RK001
RS010|返乡创业人数|人|int|v|q||||sum||
# 水利 | 水利局
SL001|山塘水库|座|int|v|y||||sum||
SL002|小型水库库容|万立方米|dec|t|y||||sum||
SL003|堤防长度|公里|dec|v|y||||sum||
SL004|农村饮水工程|处|int|v|y||||sum||
SL005|自来水普及率|%|pct|v|y||||mean||w:RK002
SL006|本月水利设施巡查次数|次|int|v|m||||sum||
SL007|山洪灾害预警广播|个|int|v|y||||sum||
SL008|水利工程管护员|人|int|v|y||||sum||
SL009|本月饮用水水质合格|—|bool|v|m||||none||
SL010|河道清淤长度|公里|dec|v|q||||sum||
SL011|本月最大日降雨量|毫米|dec|v|m||0|500|max||
# 文旅 | 文旅局
WL001|文物保护单位|处|int|v|y||||sum||
WL002|传统村落|—|bool|v|y||||none||
WL003|农家书屋藏书|册|int|v|y||||sum||
WL004|本月文化活动场次|场|int|v|m||||sum||
WL005|文体广场|个|int|v|y||||sum||
WL006|妈祖宫庙|座|int|v|y||||sum||
WL007|非遗项目|项|int|v|y||||sum||
WL008|本月游客接待人次|人次|int|t|m||||sum||
WL009|民宿|家|int|v|q||||sum||
WL010|本月莆仙戏演出场次|场|int|t|m||||sum||
# 退役军人 | 退役军人事务局
TY001|退役军人|人|int|v|m||||sum|<= RK001|
TY002|优抚对象|人|int|v|m|I|||sum||
TY003|退役军人服务站|—|bool|v|y||||none||
TY004|本月走访慰问|人次|int|v|m||||sum||
TY005|烈属|户|int|v|y|I|||sum||
"""


@dataclass(frozen=True)
class TagSpec:
    code: str
    name: str
    measure: str
    value_type: str
    domain: str
    department: str
    level: str
    period_type: str
    required: bool
    min_value: float | None
    max_value: float | None
    choices: str
    rule: str
    rollup: str
    weight_code: str
    sensitivity: str
    position: int


def shipped() -> list[TagSpec]:
    """The catalogue above, parsed."""
    found: list[TagSpec] = []
    domain = department = ""
    for line in DOMAINS.strip().splitlines():
        if line.startswith("#"):
            domain, department = (part.strip() for part in line[1:].split("|"))
            continue
        code, name, measure, kind, level, period, flags, low, high, rollup, rule, extra = (
            line.split("|")
        )
        value_type = TYPES[kind]
        numeric = value_type in ("integer", "decimal", "percent")
        min_value = float(low) if low else (0.0 if numeric else None)
        max_value = float(high) if high else (100.0 if value_type == "percent" else None)
        sensitivity = "personal" if "P" in flags else "internal" if "I" in flags else "public"
        found.append(
            TagSpec(
                code=code,
                name=name,
                measure="" if measure == "—" else measure,
                value_type=value_type,
                domain=domain,
                department=department,
                level=LEVELS[level],
                period_type=PERIODS[period],
                required="R" in flags,
                min_value=min_value,
                max_value=max_value,
                choices=extra if value_type == "choice" else "",
                rule=rule,
                rollup=rollup,
                weight_code=extra[2:] if extra.startswith("w:") else "",
                sensitivity=sensitivity,
                position=len(found) + 1,
            )
        )
    return found


DOMAIN_ORDER: tuple[str, ...] = tuple(
    line[1:].split("|")[0].strip() for line in DOMAINS.splitlines() if line.startswith("#")
)


def seed_catalogue(session: Session) -> int:
    """Add the shipped tags a database does not have yet; returns how many were added."""
    have = set(session.scalars(select(LedgerTag.code)))
    added = [LedgerTag(**vars(spec)) for spec in shipped() if spec.code not in have]
    session.add_all(added)
    session.flush()
    return len(added)
