"""The synthetic population: counties, villages, families, ID numbers, and what happened to whom.

``build_population(n, rng, book)`` makes exactly ``n`` persons in Shufu/Konasheher (疏附县, 653121)
and Tekes (特克斯县, 654027), living in households built from families over three or four
generations: sons found households or stay with their parents, daughters marry into other families
of the county, so relatives cross households and villages. A Uyghur's name is the given name and
the father's given name (``father_latin`` is the father's ``given_latin`` when he is in the
population). Then ``assign_statuses`` writes 2016–2018 histories: blacklists, detention,
re-education, sentences, release, deaths, at the rates public reporting gives.

Memory matters (830,000 persons at full scale): persons are slotted dataclasses, strings come from
small shared pools, and everyone on one register shares the same "registered" StatusEvent object
(treat StatusEvent objects as read-only).
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta

from .messy import check_char
from .model import Person, StatusEvent

SHUFU = "653121"
TEKES = "654027"
TEKES_1984 = "654127"  # code used 1984–2000
TEKES_OLD = "652427"  # code used before 1984
COUNTY_ZH = {SHUFU: "疏附县", TEKES: "特克斯县"}
SHUFU_SHARE = 0.6  # share of the population living in Shufu

# Ethnic mix (per family) by county.
ETHNICITIES = {
    SHUFU: (("维吾尔族", 0.98), ("汉族", 0.015), ("回族", 0.003), ("柯尔克孜族", 0.002)),
    TEKES: (
        ("哈萨克族", 0.45),
        ("维吾尔族", 0.17),
        ("汉族", 0.22),
        ("回族", 0.09),
        ("柯尔克孜族", 0.03),
        ("蒙古族", 0.04),
    ),
}
CHINESE_NAMED = {"汉族", "回族"}  # names in Chinese style (surname + given), pinyin in name_latin

# --- relation words as household registers write them ----------------------------------------
_ORD = ("长", "次", "三", "四", "五", "六", "七", "八")


def child_word(index: int, sex: str) -> str:
    """长子, 次子, 三子 ... / 长女, 次女 ... by birth order among children of the same sex."""
    o = _ORD[index] if index < len(_ORD) else ""
    return o + ("子" if sex == "male" else "女")


# Relation keys (what the other person is to this one) and their inverses, given the sex of
# the person who holds the list.
def inverse_key(key: str, holder_sex: str) -> str:
    m = holder_sex == "male"
    if key in ("father", "mother"):
        return "son" if m else "daughter"
    if key in ("son", "daughter"):
        return "father" if m else "mother"
    if key == "spouse":
        return "spouse"
    if key in ("brother", "sister"):
        return "brother" if m else "sister"
    raise ValueError(key)


# --- statuses ----------------------------------------------------------------------------------
STATUS_ZH = {
    "registered": ("正常", "在册"),
    "blacklisted": ("重点人员", "列管", "重点关注"),
    "detained": ("在押", "刑事拘留", "羁押"),
    "re_education": ("教育转化", "职业技能教育培训", "集中教育培训", "送教培"),
    "sentenced": ("判刑", "已判刑"),
    "released": ("结业", "释放", "已结业"),
    "died": ("死亡", "病亡"),
}
CATEGORIES = (
    ("第一类：暴恐分子", 0.04),
    ("第二类：高度可疑同伙", 0.22),
    ("第三类：一般关注人员", 0.44),
    ("第四类：有亲属在境外", 0.18),
    ("第五类：宗教极端思想人员", 0.12),
)
REASONS = (
    ("听宗教音频", 0.13),
    ("学习经文", 0.14),
    ("健身训练", 0.05),
    ("使用快牙软件", 0.12),
    ("去过26个敏感国家", 0.10),
    ("有亲属在境外", 0.12),
    ("两面人", 0.03),
    ("非法宗教活动", 0.09),
    ("蓄胡须", 0.03),
    ("戴面纱", 0.03),
    ("手机存有暴恐音视频", 0.06),
    ("申请护照", 0.05),
    ("宗教极端思想", 0.05),
)
DETENTION = {SHUFU: ("疏附县看守所",), TEKES: ("特克斯县看守所",)}
CAMPS = {
    SHUFU: ("疏附县职业技能教育培训中心", "疏附县第二职业技能教育培训中心", "疏附县第三职业技能教育培训中心"),
    TEKES: ("特克斯县职业技能教育培训中心",),
}
PRISONS = {
    SHUFU: ("喀什监狱", "新疆第三监狱", "疏附县监狱", "新疆第一女子监狱"),
    TEKES: ("伊犁监狱", "奎屯监狱", "新疆第一女子监狱"),
}
# Share of ethnic (non-Han) adults with camp or prison records (reported for Shufu: ~12.1%).
CAMP_SHARE = {SHUFU: 0.121, TEKES: 0.06}
BLACKLIST_ONLY_SHARE = 0.07  # extra adults on a blacklist who were not (yet) detained
ABROAD_SHARE = 0.03  # of adults 20–50: live abroad, appear only as relatives
ABROAD_PLACES = ("境外（土耳其）", "境外（哈萨克斯坦）", "国外（沙特阿拉伯）", "国外", "境外", "境外（埃及）", "国外（马来西亚）")

PHONE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
                  "153", "155", "156", "157", "158", "159", "180", "181", "182", "183", "186", "187",
                  "188", "189", "199", "177", "173")


def pick_weighted(rng: random.Random, table) -> str:
    """One value of a ((value, probability), ...) table; one rng draw, so runs stay reproducible."""
    r = rng.random()
    for v, w in table:
        if r < w:
            return v
        r -= w
    return table[-1][0]


@dataclass
class Village:
    county_code: str
    township_zh: str
    township_latin: str
    village_zh: str
    village_latin: str
    index: int
    registered_on: date = date(2017, 3, 1)
    registered: StatusEvent | None = None
    pids: list[int] = field(default_factory=list)


@dataclass
class Population:
    persons: list[Person]
    villages: list[Village]
    households: dict[int, list[int]]  # household -> pids, head first
    seed: int = 0

    def __len__(self) -> int:
        return len(self.persons)

    def __getitem__(self, pid: int) -> Person:
        return self.persons[pid]


class _Builder:
    def __init__(self, n: int, rng: random.Random, book) -> None:
        self.n = n
        self.rng = rng
        self.book = book
        self.persons: list[Person] = []
        self.used_ids: set[str] = set()
        self.next_household = 1
        self.brides: dict[tuple[str, str], dict[int, list[int]]] = {}
        self.zh_cache: dict[str, str] = {}
        self.date_cache: dict[int, date] = {}
        self.head_of: dict[int, int] = {}  # household -> head pid
        self.members: dict[int, list[int]] = {}

    # -- small pools to keep memory down --
    def zh(self, latin: str) -> str:
        z = self.zh_cache.get(latin)
        if z is None:
            z = self.zh_cache[latin] = sys.intern(self.book.canonical_chinese(latin))
        return z

    def birth_date(self, year: int) -> date:
        rng = self.rng
        if year < 1975 and rng.random() < 0.10:
            o = date(year, 1, 1).toordinal()  # older people are often registered on 1 January
        else:
            o = date(year, 1, 1).toordinal() + rng.randrange(365 + (year % 4 == 0))
            if year == 2017:
                o = date(2017, 1, 1).toordinal() + rng.randrange(300)
        d = self.date_cache.get(o)
        if d is None:
            d = self.date_cache[o] = date.fromordinal(o)
        return d

    def id_number(self, county: str, bd: date, sex: str) -> str:
        rng = self.rng
        region = county
        if county == TEKES:
            if bd.year < 1984 and rng.random() < 0.7:
                region = TEKES_OLD
            elif 1984 <= bd.year <= 2000 and rng.random() < 0.7:
                region = TEKES_1984
        ds = f"{bd.year:04d}{bd.month:02d}{bd.day:02d}"
        odd = sex == "male"
        while True:
            seq = rng.randrange(0, 500) * 2 + (1 if odd else 0)
            if seq == 0:
                continue
            first = f"{region}{ds}{seq:03d}"
            idn = first + check_char(first)
            if idn not in self.used_ids:
                self.used_ids.add(idn)
                return idn

    def phone(self, age: int) -> str | None:
        rng = self.rng
        if 18 <= age <= 70 and rng.random() < (0.6 if age < 55 else 0.3):
            return rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        return None

    # -- persons --
    def new_person(self, v: Village, eth: str, sex: str, year: int, father: Person | None,
                   father_given: str | None = None, surname: tuple[str, str] | None = None) -> Person:
        rng = self.rng
        book = self.book
        bd = self.birth_date(year)
        if eth in CHINESE_NAMED:
            zh, py = book.han_name(rng, sex)
            if surname is not None:  # children carry the father's surname
                zh = surname[0] + zh[1:]
                parts = py.split(" ", 1)
                py = surname[1] + (" " + parts[1] if len(parts) > 1 else "")
            given_latin, father_latin, name_zh, name_latin = py.split(" ", 1)[-1], "", zh, py
        else:
            given_latin = book.given(rng, sex)
            if father is not None:
                father_latin = father.given_latin
            else:
                father_latin = father_given or book.given(rng, "male")
            name_zh = self.zh(given_latin) + "·" + self.zh(father_latin)
            name_latin = given_latin + " " + father_latin
        pid = len(self.persons)
        p = Person(
            pid=pid,
            id_number=self.id_number(v.county_code, bd, sex),
            name_zh=name_zh,
            name_latin=name_latin,
            given_latin=sys.intern(given_latin),
            father_latin=sys.intern(father_latin),
            sex=sex,
            birth_date=bd,
            ethnicity_zh=eth,
            county_code=v.county_code,
            township_zh=v.township_zh,
            village_zh=v.village_zh,
            household=0,
            relation_zh="",
            phone=self.phone(2017 - year),
        )
        self.persons.append(p)
        return p

    def link(self, a: Person, key_b_to_a: str, b: Person) -> None:
        """Record that b is a's <key> (and the inverse on b)."""
        a.relatives.append((b.pid, key_b_to_a))
        b.relatives.append((a.pid, inverse_key(key_b_to_a, a.sex)))

    def parent_child(self, parent: Person, child: Person) -> None:
        self.link(child, "father" if parent.sex == "male" else "mother", parent)

    def new_household(self, v: Village, head: Person) -> int:
        h = self.next_household
        self.next_household += 1
        self.members[h] = []
        self.head_of[h] = head.pid
        self.join(h, v, head)
        return h

    def join(self, h: int, v: Village, p: Person) -> None:
        p.household = h
        p.county_code = v.county_code
        p.township_zh = v.township_zh
        p.village_zh = v.village_zh
        self.members[h].append(p.pid)

    def leave(self, p: Person) -> None:
        self.members[p.household].remove(p.pid)

    def remaining(self) -> int:
        return self.n - len(self.persons)

    # -- families --
    def n_children(self, mother_year: int, eth: str) -> int:
        rng = self.rng
        if eth == "汉族":
            base = (2, 3) if mother_year < 1975 else (1, 2)
        elif mother_year < 1960:
            base = (3, 7)
        elif mother_year < 1980:
            base = (3, 5)
        else:
            base = (2, 4)
        return rng.randint(*base)

    def child_years(self, mother_year: int, k: int) -> list[int]:
        rng = self.rng
        lo = mother_year + rng.randint(19, 24)
        years = []
        y = lo
        for _ in range(k):
            if y > 2017 or y > mother_year + 42:
                break
            years.append(y)
            y += rng.randint(1, 4)
        return years

    def take_bride(self, county: str, eth: str, groom: Person) -> Person | None:
        pool = self.brides.get((county, eth))
        if not pool:
            return None
        rng = self.rng
        parents = {q for q, k in groom.relatives if k in ("father", "mother")}
        for _ in range(4):
            y = groom.birth_date.year + rng.randint(0, 7)
            lst = pool.get(y)
            if lst:
                i = rng.randrange(len(lst))
                cand = self.persons[lst[i]]
                if any(q in parents for q, k in cand.relatives if k in ("father", "mother")):
                    continue  # not his sister
                lst.pop(i)
                return cand
        return None

    def spouse_for(self, v: Village, eth: str, groom: Person, head_h: int | None) -> Person:
        """A wife for ``groom``: a daughter of another family of the county, or a newcomer."""
        rng = self.rng
        gy = groom.birth_date.year
        w = None
        if rng.random() < 0.65:
            w = self.take_bride(v.county_code, eth, groom)
        if w is not None:
            self.leave(w)
        else:
            w = self.new_person(v, eth, "female", min(2017 - 18, gy + rng.randint(0, 7)), None)
        self.link(groom, "spouse", w)
        return w

    def family(self, v: Village, eth: str, father: Person, mother: Person, h: int,
               depth: int) -> None:
        """Children of a couple living in household h; married sons found households or stay."""
        rng = self.rng
        years = self.child_years(mother.birth_date.year, self.n_children(mother.birth_date.year, eth))
        surname = None
        if eth in CHINESE_NAMED:
            py = father.name_latin.split(" ", 1)[0]
            surname = (father.name_zh[0], py)
        kids: list[Person] = []
        stayed = False
        for y in years:
            if self.remaining() <= 1:
                break
            sex = "male" if rng.random() < 0.51 else "female"
            c = self.new_person(v, eth, sex, y, father, surname=surname)
            self.parent_child(father, c)
            self.parent_child(mother, c)
            for s in kids:
                self.link(c, "brother" if s.sex == "male" else "sister", s)
            kids.append(c)
            self.join(h, v, c)
            age = 2017 - y
            if sex == "male" and age >= 21 and rng.random() < min(0.95, (age - 19) * 0.12):
                wife = self.spouse_for(v, eth, c, h)
                if depth == 0 and not stayed and rng.random() < 0.3:
                    stayed = True  # the married son stays in his parents' household
                    self.join(h, v, wife)
                    if rng.random() < 0.5:
                        self.head_of[h] = c.pid  # the son is the head, his parents 父亲/母亲
                    self.family(v, eth, c, wife, h, depth + 1)
                else:
                    self.leave(c)
                    h2 = self.new_household(v, c)
                    self.join(h2, v, wife)
                    self.family(v, eth, c, wife, h2, depth + 1)
            elif sex == "female" and age >= 19 and rng.random() < min(0.95, (age - 17) * 0.13):
                self.brides.setdefault((v.county_code, eth), {}).setdefault(y, []).append(c.pid)

    def clan(self, v: Village) -> None:
        rng = self.rng
        eth = pick_weighted(rng, ETHNICITIES[v.county_code])
        hy = rng.randint(1930, 1972)
        wy = min(hy + rng.randint(0, 7), 1975)
        # The old couple: grandfather and grandmother; old people may have died.
        husband_alive = not (hy < 1945 and rng.random() < 0.45)
        wife_alive = not (wy < 1945 and rng.random() < 0.3)
        h_person = self.new_person(v, eth, "male", hy, None)
        w_person = self.new_person(v, eth, "female", wy, None)
        self.link(h_person, "spouse", w_person)
        h = self.new_household(v, h_person)
        self.join(h, v, w_person)
        self.family(v, eth, h_person, w_person, h, 0)
        # A dead grandparent stays in the population (he names his children) but not on the
        # register: drop them from the household and mark them.
        for p, alive in ((h_person, husband_alive), (w_person, wife_alive)):
            if not alive and len(self.members[h]) > 1:
                self.leave(p)
                p.household = -1
                if self.head_of[h] == p.pid:
                    rest = self.members[h]
                    self.head_of[h] = w_person.pid if w_person.pid in rest else rest[0]

    def couple(self, v: Village) -> None:
        """A young couple of newcomers with their children."""
        rng = self.rng
        eth = pick_weighted(rng, ETHNICITIES[v.county_code])
        h_person = self.new_person(v, eth, "male", rng.randint(1975, 1994), None)
        h = self.new_household(v, h_person)
        w = self.spouse_for(v, eth, h_person, h)
        self.join(h, v, w)
        self.family(v, eth, h_person, w, h, 1)

    def single(self, v: Village) -> None:
        """Fill-in: a widow or an old man living alone."""
        rng = self.rng
        eth = pick_weighted(rng, ETHNICITIES[v.county_code])
        p = self.new_person(v, eth, rng.choice(("male", "female")), rng.randint(1935, 1975), None)
        self.new_household(v, p)


def _villages(n: int, rng: random.Random, book) -> list[Village]:
    places = book.places()
    target = max(12, round(n / 2600))
    out: list[Village] = []
    for county, share in ((SHUFU, SHUFU_SHARE), (TEKES, 1 - SHUFU_SHARE)):
        c = places[county]
        towns = c["townships"]
        k = max(len(towns) if n >= 100_000 else 3, round(target * share))
        # Round-robin over townships so that every township gets villages.
        lists = [(t, list(t.get("villages") or [])) for t in towns]
        i = 0
        made = 0
        extra = 0
        while made < k:
            t, vs = lists[i % len(lists)]
            j = i // len(lists)
            if j < len(vs):
                vz, vl = vs[j]["name_zh"], vs[j].get("name_latin", "")
            else:
                extra += 1
                num = j + 1
                vz, vl = f"{num}村", f"{num}-kent"
            out.append(Village(county, sys.intern(t["name_zh"]), t.get("name_latin", ""),
                               sys.intern(vz), vl, len(out)))
            made += 1
            i += 1
    return out


def build_population(n: int, rng: random.Random, book) -> Population:
    """Exactly ``n`` persons in households over villages of the two counties."""
    b = _Builder(n, rng, book)
    villages = _villages(n, rng, book)
    by_county: dict[str, list[Village]] = {}
    for v in villages:
        by_county.setdefault(v.county_code, []).append(v)
    quotas: list[tuple[Village, int]] = []
    for county, share in ((SHUFU, SHUFU_SHARE), (TEKES, 1 - SHUFU_SHARE)):
        vs = by_county[county]
        total = round(n * share) if county == SHUFU else n - round(n * SHUFU_SHARE)
        weights = [rng.uniform(0.6, 1.4) for _ in vs]
        sw = sum(weights)
        acc = 0
        for i, (v, w) in enumerate(zip(vs, weights)):
            q = total - acc if i == len(vs) - 1 else round(total * w / sw)
            acc += q
            quotas.append((v, q))
    stop = 0
    for v, q in quotas:
        stop += q
        while len(b.persons) < stop - 40 and b.remaining() > 40:
            b.clan(v)
        while len(b.persons) < stop - 8 and b.remaining() > 8:
            b.couple(v)
        while len(b.persons) < min(stop, n):
            b.single(v)
    while b.remaining() > 0:  # rounding left-overs
        b.single(villages[-1])

    # Households: head first, then relation words.
    households: dict[int, list[int]] = {}
    P = b.persons
    for h, mem in b.members.items():
        if not mem:
            continue
        head = b.head_of[h]
        if head not in mem:
            head = mem[0]
        mem = [head] + [m for m in mem if m != head]
        households[h] = mem
        _label(P, head, mem)
    # Dead grandparents (household -1) and anyone left without a household.
    for p in P:
        if p.household <= 0 or not p.relation_zh:
            p.household = -1
            p.relation_zh = ""
    for v in villages:
        v.pids = []
    vindex = {(v.county_code, v.township_zh, v.village_zh): v for v in villages}
    for h, mem in households.items():
        p0 = P[mem[0]]
        vindex[(p0.county_code, p0.township_zh, p0.village_zh)].pids.extend(mem)
    return Population(P, villages, households)


_SIB = {("male", True): "兄", ("male", False): "弟", ("female", True): "姐", ("female", False): "妹"}


def _label(P: list[Person], head_pid: int, mem: list[int]) -> None:
    head = P[head_pid]
    rel = {pid: key for pid, key in head.relatives}
    # Birth order of the head's children, across all of them (moved-out ones keep their rank).
    kids = sorted((pid for pid, k in head.relatives if k in ("son", "daughter")),
                  key=lambda q: (P[q].birth_date, q))
    order: dict[int, str] = {}
    counts = {"male": 0, "female": 0}
    for q in kids:
        s = P[q].sex
        order[q] = child_word(counts[s], s)
        counts[s] += 1
    son_pids = {q for q in kids if P[q].sex == "male"}
    for pid in mem:
        p = P[pid]
        if pid == head_pid:
            p.relation_zh = "户主"
            continue
        k = rel.get(pid)
        if k == "spouse":
            p.relation_zh = "配偶"
        elif k in ("son", "daughter"):
            p.relation_zh = order[pid]
        elif k == "father":
            p.relation_zh = "父亲"
        elif k == "mother":
            p.relation_zh = "母亲"
        elif k in ("brother", "sister"):
            p.relation_zh = _SIB[(p.sex, p.birth_date < head.birth_date)]
        else:
            prel = dict(p.relatives)
            if any(prel.get(s) == "spouse" for s in son_pids):
                p.relation_zh = "儿媳"
            elif any(prel.get(s) == "father" for s in son_pids):
                p.relation_zh = "孙子" if p.sex == "male" else "孙女"
            else:
                p.relation_zh = "其他"
            p.relatives.append((head_pid, "household_head"))


# --- abroad, statuses --------------------------------------------------------------------------

def _day(rng: random.Random, lo: date, hi: date) -> date:
    return lo + timedelta(days=rng.randrange(max(1, (hi - lo).days + 1)))


def mark_abroad(pop: Population, rng: random.Random) -> None:
    """A few adults (20–50) live abroad: they stay in the population and in their relatives'
    household sheets, but are on no village register."""
    P = pop.persons
    for h, mem in pop.households.items():
        if len(mem) < 2:
            continue  # someone abroad is known through the relatives who stayed
        for pid in mem:
            p = P[pid]
            a = p.age_2017
            if 20 <= a <= 50 and rng.random() < ABROAD_SHARE * (1.0 if p.relation_zh == "户主" else 2.5):
                p.abroad = True


def _eligible(p: Person) -> bool:
    return not p.abroad and p.household > 0 and p.ethnicity_zh != "汉族" and p.age_2017 >= 18


def is_camp_or_prison(p: Person) -> bool:
    return any(e.status in ("detained", "re_education", "sentenced") for e in p.statuses)


def _weight(p: Person, has_abroad: bool) -> float:
    a = p.age_2017
    if a < 18 or a > 80:
        return 0.0
    w = 1.0 if p.sex == "male" else 0.45
    if a < 22:
        w *= 0.6
    elif a <= 50:
        w *= 1.3
    elif a > 65:
        w *= 0.35
    if has_abroad:
        w *= 2.0
    return w


def assign_statuses(pop: Population, rng: random.Random) -> None:
    """Registration for everyone on a register; blacklists, detention, camps, prison for some."""
    P = pop.persons
    for v in pop.villages:
        v.registered_on = _day(rng, date(2016, 6, 1), date(2017, 4, 30))
        v.registered = StatusEvent("registered", rng.choice(STATUS_ZH["registered"]), v.registered_on)
        for pid in v.pids:
            p = P[pid]
            if not p.abroad and p.birth_date < v.registered_on:
                p.statuses.append(v.registered)
    abroad_rel = {pid for p in P if p.abroad for pid, _ in p.relatives}
    for county in (SHUFU, TEKES):
        cand = [p for p in P if p.county_code == county and _eligible(p)]
        k = round(len(cand) * CAMP_SHARE[county])
        keyed = []
        for p in cand:
            w = _weight(p, p.pid in abroad_rel)
            if w > 0:
                keyed.append((rng.random() ** (1.0 / w), p.pid))
        keyed.sort(reverse=True)
        chosen = [pid for _, pid in keyed[:k]]
        chosen_set = set(chosen)
        for pid in sorted(chosen):
            _camp_history(P[pid], rng, pid in abroad_rel)
        rest = [p for p in cand if p.pid not in chosen_set]
        for p in rest:
            if rng.random() < BLACKLIST_ONLY_SHARE * (1.5 if p.pid in abroad_rel else 1.0):
                p.statuses.append(_blacklist_event(p, rng, date(2016, 9, 1), date(2018, 6, 30),
                                                   p.pid in abroad_rel))


def _reason(rng: random.Random, has_abroad: bool) -> str:
    if has_abroad and rng.random() < 0.5:
        return "有亲属在境外"
    return pick_weighted(rng, REASONS)


def _blacklist_event(p: Person, rng: random.Random, lo: date, hi: date, has_abroad: bool) -> StatusEvent:
    reg = p.statuses[0].on if p.statuses else date(2016, 6, 1)
    on = _day(rng, max(lo, reg + timedelta(days=1)), hi)
    cat = "第四类：有亲属在境外" if has_abroad and rng.random() < 0.5 else pick_weighted(rng, CATEGORIES)
    return StatusEvent("blacklisted", rng.choice(STATUS_ZH["blacklisted"]), on,
                       category_zh=cat, reason_zh=_reason(rng, has_abroad))


def _cell(rng: random.Random) -> tuple[str, str]:
    return f"{rng.randint(1, 8)}号楼", f"{rng.randint(1, 4)}{rng.randint(1, 30):02d}"


def _sentence_years(rng: random.Random) -> int:
    return pick_weighted(rng, ((2, 0.06), (3, 0.08), (5, 0.14), (7, 0.1), (8, 0.08), (10, 0.16), (12, 0.07),
                       (13, 0.05), (15, 0.1), (16, 0.04), (18, 0.04), (20, 0.05), (25, 0.03)))


def _camp_history(p: Person, rng: random.Random, has_abroad: bool) -> None:
    county = p.county_code
    reg = p.statuses[0].on if p.statuses else date(2016, 6, 1)
    reason = _reason(rng, has_abroad)
    st = p.statuses
    end = date(2018, 12, 31)
    if rng.random() < 0.75:
        bl = _blacklist_event(p, rng, date(2016, 8, 1), date(2017, 10, 31), has_abroad)
        bl.reason_zh = reason
        st.append(bl)
        start = bl.on
    else:
        start = reg
    det_on = _day(rng, start + timedelta(days=3), min(end - timedelta(days=90), start + timedelta(days=400)))
    b, c = _cell(rng)
    st.append(StatusEvent("detained", rng.choice(STATUS_ZH["detained"]), det_on,
                          facility_zh=DETENTION[county][0], building=b, cell=c, reason_zh=reason))
    r = rng.random()
    t = det_on
    if r < 0.68:  # to a camp
        t = t + timedelta(days=rng.randint(5, 60))
        b, c = _cell(rng)
        camp = rng.choice(CAMPS[county])
        st.append(StatusEvent("re_education", rng.choice(STATUS_ZH["re_education"]), t,
                              facility_zh=camp, building=b, cell=c, reason_zh=reason))
        r2 = rng.random()
        if r2 < 0.15:  # later sentenced
            t = t + timedelta(days=rng.randint(60, 300))
            if t <= end:
                st.append(_sentence(p, rng, t, reason))
        elif r2 < 0.55:
            t2 = t + timedelta(days=rng.randint(180, 540))
            if t2 <= end:
                st.append(StatusEvent("released", rng.choice(STATUS_ZH["released"]), t2,
                                      facility_zh=camp, reason_zh=reason))
        elif r2 < 0.56 + (0.01 if p.age_2017 > 55 else 0.0):
            t2 = t + timedelta(days=rng.randint(20, 500))
            if t2 <= end:
                st.append(StatusEvent("died", rng.choice(STATUS_ZH["died"]), t2, facility_zh=camp))
    elif r < 0.93:  # sentenced from detention
        t = t + timedelta(days=rng.randint(20, 240))
        if t <= end:
            st.append(_sentence(p, rng, t, reason))
    elif r < 0.995:  # released from detention
        t = t + timedelta(days=rng.randint(10, 120))
        st.append(StatusEvent("released", "释放", t, facility_zh=DETENTION[county][0]))
    else:
        t = t + timedelta(days=rng.randint(5, 200))
        st.append(StatusEvent("died", rng.choice(STATUS_ZH["died"]), t, facility_zh=DETENTION[county][0]))


def _sentence(p: Person, rng: random.Random, on: date, reason: str) -> StatusEvent:
    prisons = PRISONS[p.county_code]
    if p.sex == "female":
        fac = prisons[-1] if rng.random() < 0.7 else prisons[0]
    else:
        fac = rng.choice(prisons[:-1])
    return StatusEvent("sentenced", rng.choice(STATUS_ZH["sentenced"]), on, facility_zh=fac,
                       reason_zh=reason, sentence_years=_sentence_years(rng))


def status_at(p: Person, on: date) -> StatusEvent | None:
    """The person's latest status event on a given date (None before any)."""
    cur = None
    for e in p.statuses:
        if e.on <= on:
            cur = e
        else:
            break
    return cur


def make(n: int, seed: int, book) -> Population:
    rng = random.Random(f"izdesh-population:{seed}")
    pop = build_population(n, rng, book)
    mark_abroad(pop, rng)
    assign_statuses(pop, rng)
    pop.seed = seed
    return pop
