"""Chinese police prose for the synthetic leak: phrase pools and the sentences built from them.

Shared by the Word, PDF and slide writers. Pools are data; the functions only pick and join, so
every choice comes from the caller's ``rng`` and the same rng state gives the same text.
Nothing here is a real person: officer names are drawn from common surnames and given-name
characters, phone numbers are random digits behind common mobile prefixes or the area code.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime

from .model import Person, StatusEvent

COUNTY_ZH = {
    "653121": "疏附县",
    "654027": "特克斯县",
    "654127": "特克斯县",
    "652427": "特克斯县",
}
PREFECTURE_ZH = {"653121": "喀什地区", "654027": "伊犁州", "654127": "伊犁州", "652427": "伊犁州"}
AREA_CODE = {"653121": "0998", "654027": "0999", "654127": "0999", "652427": "0999"}

FACILITIES = {
    "疏附县": (
        "疏附县职业技能教育培训中心",
        "疏附县看守所",
        "疏附县拘留所",
        "疏附县第二职业技能教育培训中心",
    ),
    "特克斯县": ("特克斯县职业技能教育培训中心", "特克斯县看守所", "特克斯县拘留所"),
}

REASONS = (
    "使用快牙软件传播宗教音视频",
    "收听宗教音频",
    "私自学习《古兰经》",
    "组织非法宗教活动",
    "参加健身训练",
    "前往26个敏感国家",
    "有亲属在境外",
    "持有出入境证件未上交",
    "手机安装境外通讯软件",
    "被认定为“两面人”",
    "非法宗教婚姻",
    "蓄须",
    "妇女蒙面",
    "拒绝看电视听广播",
    "与境外人员有联系",
    "非法宗教讲经",
)

STATUS_OUTCOME = {
    "registered": ("经走访核实，暂未发现异常", "已纳入日常管控", "列为一般人员"),
    "blacklisted": ("已列入重点人员名单，落实“一人一档”管控", "列为{category}，严密管控"),
    "detained": ("现已送{facility}收押", "已依法刑事拘留，羁押于{facility}", "现羁押于{facility}{building}{cell}监室"),
    "re_education": ("已送{facility}教育转化", "现在{facility}{building}参加集中教育培训", "已转入{facility}，应收尽收"),
    "sentenced": ("经审判被判处有期徒刑{years}年", "已移送起诉，被判处有期徒刑{years}年"),
    "released": ("已结业，返回原籍落实包联管控", "经评估已释放，由村“两委”帮教"),
    "died": ("在{facility}羁押期间因病死亡", "于羁押期间因病经抢救无效死亡"),
}

STATUS_ZH_DEFAULT = {
    "registered": "在家",
    "blacklisted": "重点人员",
    "detained": "在押",
    "re_education": "教育转化",
    "sentenced": "判刑",
    "released": "结业",
    "died": "死亡",
}

REPORT_OPENINGS = (
    "根据自治区党委和地委关于严厉打击暴力恐怖活动的统一部署，我局组织警力对辖区重点人员开展了逐户排查，现将有关情况报告如下：",
    "按照县委维稳指挥部“应收尽收”工作要求，我所对辖区涉稳人员进行了全面摸排核查，现将核查情况汇报如下：",
    "根据一体化联合作战平台推送的预警信息，我大队会同派出所对相关人员开展了落地核查，具体情况如下：",
    "为深入推进反恐维稳“百日攻坚”专项行动，我局对使用快牙等境外软件的人员进行了专项清理，现将情况通报如下：",
    "按照地区公安处关于开展“去极端化”集中整治工作的通知要求，现将我县阶段性工作情况报告如下：",
)
REPORT_MIDDLES = (
    "在工作中，各派出所坚持“四个一律”要求，对排查出的可疑人员做到底数清、情况明。",
    "经与村“两委”、驻村工作队核对，上述人员户籍信息与人口信息系统一致。",
    "各村警务室落实24小时值班制度，对重点人员家属开展走访谈话，做好思想稳控工作。",
    "对在逃及境外人员，已通过一体化平台布控，发现踪迹立即抓捕。",
    "对核查中发现的问题线索，已逐条移交国保、刑侦部门深挖彻查。",
    "个别村存在排查不细、底数不清的问题，已责令限期整改。",
)
REPORT_CLOSINGS = ("特此报告。", "妥否，请批示。", "以上情况，请领导审阅。", "特此通报。")

SPEECH_OPENINGS = (
    "同志们：今天召开这次会议，主要任务是深入贯彻落实自治区党委关于社会稳定和长治久安总目标的部署，安排部署下一阶段反恐维稳工作。",
    "同志们，当前我县反恐维稳形势依然严峻复杂，暴恐活动活跃期、反分裂斗争激烈期、干预治疗阵痛期“三期叠加”的特征仍然明显。",
    "刚才，各乡镇、各单位作了交流发言，讲得都很好，我完全同意。下面，我再强调几点意见。",
    "这次会议是经县委常委会研究决定召开的一次重要会议，目的是统一思想、压实责任，确保教培工作不出任何问题。",
)
SPEECH_POINTS = (
    "一是要坚持“应收尽收”，对排查出的人员做到不漏一户、不漏一人，该收的一律收进来。",
    "二是要严格落实教培中心安全管理，实行封闭式管理，严防脱逃，对企图脱逃的，警告无效的可以开枪。",
    "三是要持续开展快牙、境外通讯软件专项清理，凡是手机中发现暴恐音视频的，一律先收押再审查。",
    "要牢固树立“稳定压倒一切”的思想，把维稳工作作为头等大事来抓，一切工作服从和服务于维稳。",
    "要把去极端化工作贯穿始终，坚持教育转化与依法打击相结合，促使学员真正认罪悔罪。",
    "各级领导干部要敢于担当，坚决同“两面人”作斗争，对维稳工作不力的，严肃追责问责。",
    "要加强对学员家属的思想工作，落实“结对认亲”，防止家属因学员被收押产生对立情绪。",
    "对26个敏感国家往返人员，要逐人建档，逐人见面，逐人核查，决不允许一人漏管。",
    "反恐维稳是一场持久战，必须常态化开展，决不能有松劲歇脚、疲劳厌战的想法。",
    "监所内部要实行网格化管理，监控全覆盖、无死角，民警和辅警每两小时巡查一次。",
    "对学员的汉语学习、法律法规学习和技能培训要严格考核，积分不达标的一律不得结业。",
    "各教培中心要落实“双门双锁”制度，严格执行人员进出登记，严禁无关人员进入。",
    "发生暴力抗拒、聚众闹事等突发情况，处置小组要第一时间到位，必要时依法使用武器。",
    "凡是与境外有联系的、在家做礼拜的、穿戴宗教服饰的，都要列为重点人员，严格管控。",
)
PROTOCOL_ITEMS = (
    "学员宿舍门窗一律加装防护网，门锁实行双锁，钥匙由值班民警和管教分别保管。",
    "学员就餐、上课、如厕均须由管教人员全程押送，严禁单独行动。",
    "学员每日点名不少于四次，点名结果逐级上报，发现人数不符立即启动应急预案。",
    "围墙外侧设置警戒区，武警和特警实行24小时值守，发现脱逃人员警告无效可以开枪。",
    "严禁学员私藏手机、刀具、宗教物品，一经发现按违规处理并扣减积分。",
    "监控中心实行24小时值守，视频监控覆盖率达到100%，录像资料保存不少于90天。",
    "新收学员须经体检、安全检查后方可入住，登记身份证号码、采集照片和生物信息。",
    "学员家属会见实行预约制，每月不超过一次，会见全程录音录像，严禁使用维吾尔语交流。",
    "学员结业须经考核、评估、审批三个环节，县维稳指挥部审批同意后方可办理。",
    "对不服管教、煽动闹事的学员，实行单独关押、加强教育，情节严重的移交司法机关。",
)
SLIDE_TOPICS = (
    ("教培中心安全管理规范", ("严格执行“双门双锁”制度", "点名制度：每日不少于四次", "突发事件处置流程", "监控全覆盖、无死角")),
    ("快牙等境外软件的识别与查处", ("快牙（Zapya）软件传播原理", "手机检查要点", "暴恐音视频特征识别", "一体化平台预警处置")),
    ("反恐维稳形势与任务", ("“三期叠加”特征", "“应收尽收”工作要求", "“四个一律”", "长治久安总目标")),
    ("重点人员管控工作", ("“一人一档”建档要求", "26个敏感国家往返人员核查", "境外亲属排查", "家属思想稳控")),
    ("警械武器使用规定", ("使用警械的条件", "鸣枪警告程序", "开枪的条件与报告", "现场处置注意事项")),
    ("去极端化教育转化", ("宗教极端思想的主要表现", "教育转化“四步法”", "积分考核办法", "结业评估与审批")),
)

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭"
GIVEN_CHARS = "建国军华明伟强勇平东志刚海涛斌超峰磊鹏辉俊杰文红霞丽萍燕芳玉兰新疆亮晓春"
RANKS = ("一级警司", "二级警司", "三级警司", "一级警督", "二级警督", "三级警督", "一级警监", "二级警员")
UNITS = (  # (unit, posts that unit has)
    ("{county}公安局国保大队", ("大队长", "副大队长", "教导员", "民警")),
    ("{county}公安局刑侦大队", ("大队长", "副大队长", "中队长", "民警")),
    ("{county}公安局网安大队", ("大队长", "副大队长", "民警")),
    ("{county}公安局治安大队", ("大队长", "中队长", "民警")),
    ("{county}看守所", ("所长", "副所长", "教导员", "管教民警")),
    ("{county}职业技能教育培训中心", ("校长", "副校长", "安保负责人", "管教民警")),
    ("{county}公安局{township}派出所", ("所长", "副所长", "指导员", "社区民警")),
    ("{county}公安局", ("局长", "政委", "副局长")),
    ("{county}维稳指挥部办公室", ("主任", "副主任", "工作人员")),
)
TOWNSHIPS = {
    "疏附县": ("托克扎克镇", "乌帕尔镇", "塔什米里克乡", "铁日木乡", "布拉克苏乡", "萨依巴格乡", "站敏乡", "木什乡", "吾库萨克镇", "兰干乡"),
    "特克斯县": ("特克斯镇", "喀拉达拉镇", "齐勒乌泽克镇", "乔拉克铁热克镇", "呼吉尔特蒙古民族乡", "喀拉托海镇", "阔克苏乡", "阔克铁热克柯尔克孜民族乡"),
}
AUTHORS = ("Administrator", "微软用户", "User", "admin", "雨林木风", "深度系统", "MC SYSTEM", "番茄花园", "PC")


@dataclass(frozen=True, slots=True)
class Officer:
    name: str
    rank: str
    post: str
    unit: str
    phone: str

    def line(self) -> str:
        return f"{self.unit}{self.post} {self.name}（{self.rank}），联系电话：{self.phone}"


def county_of(code: str | None, rng: random.Random | None = None) -> str:
    if code in COUNTY_ZH:
        return COUNTY_ZH[code]
    return rng.choice(("疏附县", "特克斯县")) if rng else "疏附县"


def officer(rng: random.Random, county: str | None = None) -> Officer:
    county = county or rng.choice(("疏附县", "特克斯县"))
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN_CHARS) for _ in range(rng.choice((1, 2, 2))))
    unit, posts = rng.choice(UNITS)
    unit = unit.format(county=county, township=rng.choice(TOWNSHIPS[county]).rstrip("镇乡"))
    if rng.random() < 0.75:
        phone = "1" + rng.choice(("38", "39", "50", "58", "80", "89", "99", "36")) + "".join(
            str(rng.randrange(10)) for _ in range(8)
        )
    else:
        area = "0998" if county == "疏附县" else "0999"
        phone = f"{area}-{rng.randrange(2, 9)}{rng.randrange(1000000):06d}"
    return Officer(name, rng.choice(RANKS), rng.choice(posts), unit, phone)


def latest(p: Person) -> StatusEvent | None:
    return p.statuses[-1] if p.statuses else None


def status_zh(p: Person) -> str:
    ev = latest(p)
    if ev is None:
        return STATUS_ZH_DEFAULT["registered"]
    return ev.status_zh or STATUS_ZH_DEFAULT.get(ev.status, ev.status)


def reason_zh(p: Person, rng: random.Random) -> str:
    for ev in reversed(p.statuses):
        if ev.reason_zh:
            return ev.reason_zh
    return rng.choice(REASONS)


def outcome_zh(p: Person, rng: random.Random) -> str:
    ev = latest(p)
    key = ev.status if ev else "registered"
    county = COUNTY_ZH.get(p.county_code, "疏附县")
    fac = (ev.facility_zh if ev else None) or rng.choice(FACILITIES[county])
    tmpl = rng.choice(STATUS_OUTCOME.get(key, STATUS_OUTCOME["registered"]))
    return tmpl.format(
        facility=fac,
        building=(ev.building if ev and ev.building else ""),
        cell=(ev.cell if ev and ev.cell else ""),
        years=(ev.sentence_years if ev and ev.sentence_years else rng.randrange(2, 26)),
        category=(ev.category_zh if ev and ev.category_zh else "重点人员"),
    )


def event_month(p: Person, rng: random.Random) -> str:
    ev = latest(p)
    d = ev.on if ev else date(2017, rng.randrange(1, 13), 1)
    return f"{d.year}年{d.month}月"


def sex_zh(p: Person) -> str:
    return "男" if p.sex == "male" else "女"


def person_sentence(p: Person, wname: str, wid: str | None, rng: random.Random) -> str:
    """One running-text sentence about a person, with the name and ID exactly as given."""
    lead = rng.choice(("经查，", "经核查，", "经排查，", "另查明，", "据群众举报，", ""))
    ident = f"（身份证号：{wid}）" if wid is not None else ""
    if wid is not None and rng.random() < 0.3:
        ident = f"，公民身份号码{wid}"
    age = 2017 - p.birth_date.year
    who = f"{wname}{ident}，{sex_zh(p)}，{age}岁，{p.ethnicity_zh}，{p.township_zh}{p.village_zh}人"
    return f"{lead}{who}，于{event_month(p, rng)}{reason_zh(p, rng)}，{outcome_zh(p, rng)}。"


def group_sentence(first_name: str, n: int, rng: random.Random) -> str:
    """A lead sentence naming the first person of a list only by name ("X等N人")."""
    return rng.choice(
        (
            f"经排查，发现{first_name}等{n}人存在涉稳问题，具体名单如下：",
            f"现将{first_name}等{n}名人员的核查情况列表如下：",
            f"{first_name}等{n}人已按要求落实管控措施，名单附后。",
        )
    )


def paragraphs(rng: random.Random, pool: tuple[str, ...], k: int) -> list[str]:
    """k paragraphs, each one to three distinct pool phrases joined."""
    out = []
    for _ in range(k):
        picks = rng.sample(pool, min(len(pool), rng.randrange(1, 4)))
        out.append("".join(picks))
    return out


def date_zh(d: date | datetime) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def as_datetime(d: date | datetime, rng: random.Random) -> datetime:
    """A document timestamp on the given day: office hours, drawn from rng."""
    if isinstance(d, datetime):
        return d.replace(microsecond=0)
    return datetime(d.year, d.month, d.day, rng.randrange(8, 20), rng.randrange(60), rng.randrange(60))
