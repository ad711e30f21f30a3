"""Document metadata read from a scraped page: title, date, year, place, level,
meeting, speaker, site, url, truncation and redactions.

All patterns live in ``data/metadata.toml`` and ``data/redactions.toml``.
"""
from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib.resources import files

from speechkit.gazetteer import find_places, load_divisions, resolve_place, same_name_city

__all__ = ["DocumentMeta", "extract_metadata", "count_redactions", "truncation_info", "normalise_date",
           "speaks_as", "speaking_unit", "document_head", "byline_speaker", "role_of", "head_date", "session_of"]


@dataclass
class DocumentMeta:
    """Metadata of one document; None where the page does not say."""

    title: str | None = None
    date: str | None = None
    year: int | None = None
    province: str | None = None
    city: str | None = None
    district: str | None = None
    level: str | None = None
    meeting: str | None = None
    speaker: str | None = None
    speaker_role: str | None = None
    site: str | None = None
    url: str | None = None
    truncated: bool = False
    declared_chars: int | None = None
    omitted_chars: int | None = None
    redactions: int = 0
    notes: list = field(default_factory=list)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["notes"] = "; ".join(self.notes) or None
        return d


@dataclass(frozen=True)
class _MetaPattern:
    """A regex from a data file (re.MULTILINE) and the literals of which a text must hold one for it
    to match: a TOML entry is a pattern string, or a table ``{pattern = …, requires = [...]}``."""

    regex: re.Pattern
    requires: tuple[str, ...] = ()

    @classmethod
    def from_entry(cls, entry: str | dict) -> "_MetaPattern":
        if isinstance(entry, str):
            return cls(re.compile(entry, re.MULTILINE))
        requires = entry.get("requires", ())
        return cls(re.compile(entry["pattern"], re.MULTILINE), (requires,) if isinstance(requires, str) else tuple(requires))

    def _applies(self, text: str) -> bool:
        return not self.requires or any(lit in text for lit in self.requires)

    def search(self, text: str):
        return self.regex.search(text) if self._applies(text) else None

    def findall(self, text: str) -> list:
        return self.regex.findall(text) if self._applies(text) else []


@lru_cache(maxsize=1)
def _config() -> dict:
    data = tomllib.loads((files("speechkit") / "data" / "metadata.toml").read_text(encoding="utf-8"))
    comp = lambda pats: [_MetaPattern.from_entry(p) for p in pats]
    return {
        "title_raw": comp(data["title"]["raw"]),
        "title_text": comp(data["title"]["text"]),
        "site_suffix": re.compile(data["title"]["site_suffix"]),
        "date_raw": comp(data["date"]["raw"]),
        "year_rules": [(re.compile(r["pattern"], re.MULTILINE), int(r.get("offset", 0))) for r in data["year"]["rules"]],
        "meeting_title": comp(data["meeting"]["title"]),
        "meeting_text": comp(data["meeting"]["text"]),
        "speaker_raw": comp(data["speaker"]["raw"]),
        "site_raw": comp(data["site"]["raw"]),
        "url_raw": comp(data["url"]["raw"]),
        "declared": re.compile(data["truncation"]["declared"]),
        "omitted": re.compile(data["truncation"]["omitted"]),
        "trunc_flag": re.compile(data["truncation"]["flag"]),
        "level_words": data["level"]["words"],
        "national": re.compile(data["level"]["national"]),
        "file_year": re.compile(data["level"]["file_year"]),
        "self_opening": re.compile(data["level"]["self_opening"]),
        "first_person": dict(data["level"]["first_person"]),
        "unit_level": dict(data["level"]["unit_level"]),
        "level_re": re.compile("|".join(sorted(map(re.escape, data["level"]["words"]), key=len, reverse=True))),
    }


_SP = r"[ \t\u3000\u00a0\u2002\u2003\u2009]"
_HAN = r"[\u4e00-\u9fa5]"
_DOTTED = rf"{_HAN}{{1,6}}·{_HAN}{{1,10}}"
_INVISIBLE = re.compile("[\u200b\u200c\u200d\ufeff]")


@lru_cache(maxsize=1)
def _head_config() -> dict:
    """The byline/preamble/session part of metadata.toml, compiled."""
    data = tomllib.loads((files("speechkit") / "data" / "metadata.toml").read_text(encoding="utf-8"))
    by, session = data["byline"], data["session"]
    roles = list(by["roles"])
    words = sorted(set(roles) | set(by["not_roles"]), key=len, reverse=True)
    role_alt = "|".join(map(re.escape, words))
    slots = {
        "{ROLE}": f"(?P<role>{role_alt})",
        "{NAME}": f"{_DOTTED}|{_HAN}(?:{_SP}{{0,3}}{_HAN}){{1,3}}",
        "{LAZY}": f"{_DOTTED}|{_HAN}{{2,4}}?",
        "{SP}": _SP,
    }

    def fill(pattern: str) -> re.Pattern:
        for slot, value in slots.items():
            pattern = pattern.replace(slot, value)
        return re.compile(pattern, re.MULTILINE)

    return {
        "rules": frozenset(by["rules"]),
        "head_chars": int(by["head_chars"]),
        "salutation": re.compile(by["salutation"], re.MULTILINE),
        "role_re": re.compile(role_alt),
        "role_rank": {r: i for i, r in enumerate(roles)},
        "not_roles": frozenset(by["not_roles"]),
        "speaker": [fill(p if isinstance(p, str) else p["pattern"]) for p in by["speaker"]],
        "initials": frozenset(by["surnames"]) | frozenset(by["name_initials"]),
        "not_names": tuple(by["not_names"]),
        "not_speaker_lines": tuple(by["not_speaker_lines"]),
        "session_head": [re.compile(p, re.MULTILINE) for p in session["head"]],
        "session_opening": [re.compile(p, re.MULTILINE) for p in session["opening"]],
        "opening_chars": int(session["opening_chars"]),
        "report": re.compile(session["report"]),
        "meeting_date_prefix": re.compile(session["meeting_date_prefix"]),
    }


def role_of(titles: str) -> str | None:
    """The office a byline's titles name; the highest in metadata.toml's list when several are.

    >>> role_of("市委副书记、市长、市妇儿工委主任"), role_of("国务院总理"), role_of("习近平总书记")
    ('市长', '总理', None)
    """
    cfg = _head_config()
    found = [m.group(0) for m in cfg["role_re"].finditer(titles or "") if m.group(0) not in cfg["not_roles"]]
    return min(found, key=cfg["role_rank"].__getitem__) if found else None


def _role_near(text: str, m: re.Match, group) -> str | None:
    """The role written around the name of match ``m``: from the clause start before the match
    to the name (市委副书记、市长王某), and after the name up to 在/作/出席 (龚正市长在…)."""
    start, end = m.span(group)
    clause = max(text.rfind(c, 0, m.start()) for c in "。！？；“”\n") + 1
    after = text[end: m.end()]
    cut = re.search("在|作|出席", after)
    return role_of(text[clause:start] + "\n" + (after[: cut.start()] if cut else after))


def _clean_name(name: str) -> str:
    return re.sub(r"\s", "", name)


def document_head(raw: str, text: str, removals=()) -> str:
    r"""The head of a document, one line per line: the title, source, date and byline lines the
    cleaner cut before the salutation (``removals``: ``(rule, start, text)`` in the page's offsets;
    the rules listed in metadata.toml) and the lines of the cleaned text before the salutation, in
    page order. Without a salutation the head is the first ``head_chars`` from where the cleaned
    text starts in the page (an HTML page's menus come first).

    >>> document_head("省长 王予波\n各位代表：\n现在……", "各位代表：\n现在……", [("byline", 0, "省长 王予波\n")])
    '省长 王予波'
    """
    cfg = _head_config()
    sal_raw = cfg["salutation"].search(raw)
    if sal_raw:
        limit = sal_raw.start()
    else:
        first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
        limit = max(raw.find(first[:40]) if first else 0, 0) + cfg["head_chars"]
    pieces = [(start, cut) for rule, start, cut in removals if rule in cfg["rules"] and start < limit]
    sal = cfg["salutation"].search(text[: 2 * cfg["head_chars"]])
    if sal:
        for line in text[: sal.start()].splitlines():
            if line.strip():
                pos = raw.find(line.strip())
                pieces.append((pos if pos >= 0 else limit, line))
    lines = []
    for _, piece in sorted(pieces, key=lambda p: p[0]):
        for line in _INVISIBLE.sub("", piece).splitlines():
            line = line.strip(" \t\u3000\u00a0\u2002\u2003\u2009")
            if line:
                lines.append(line)
    return "\n".join(lines)


def _plausible_name(name: str) -> bool:
    """A person's name: 2+ characters, a known first character (or a ·), no page-furniture word.

    >>> _plausible_name("王予波"), _plausible_name("艾尔肯·吐尼亚孜"), _plausible_name("信箱"), _plausible_name("热线在线")
    (True, True, False, False)
    """
    cfg = _head_config()
    if len(name) < 2 or any(w in name for w in cfg["not_names"]):
        return False
    return "·" in name or name[0] in cfg["initials"]


def byline_speaker(head: str) -> tuple[str | None, str | None]:
    r"""``(speaker, role)`` from a document's head (see :func:`document_head`).

    >>> byline_speaker("——2025年1月18日在云南省第十四届人民代表大会第三次会议上\n省长 王予波")
    ('王予波', '省长')
    >>> byline_speaker("----2025年1月15日龚正市长在上海市第十六届人民代表大会第三次会议的政府工作报告")
    ('龚正', '市长')
    >>> byline_speaker("1957年6月26日在第一届全国人民代表大会第四次会議上\n周恩来")
    ('周恩来', None)
    """
    cfg = _head_config()
    for pattern in cfg["speaker"]:
        has_role = "role" in pattern.groupindex
        for m in pattern.finditer(head):
            if has_role and m.group("role") in cfg["not_roles"]:
                continue
            name = _clean_name(m.group("name"))
            if not _plausible_name(name):
                continue
            line = head[head.rfind("\n", 0, m.start()) + 1: m.start()]
            if any(w in line for w in cfg["not_speaker_lines"]):
                continue  # 主持人：市委秘书长 王某 chairs, he does not speak
            return name, _role_near(head, m, "name")
    return None, None


def head_date(head: str) -> str | None:
    """The date a document's head states (2025年1月17日在…会议上), ISO.

    >>> head_date("来源：江西省人民政府2025年1月17日在江西省第十四届人民代表大会第三次会议上")
    '2025-01-17'
    """
    m = re.search(r"(?:19|20)\d{2}年\d{1,2}月\d{1,2}日", head or "")
    return normalise_date(m.group(0)) if m else None


def session_of(head: str, opening: str) -> str | None:
    """The session a report was given at: from its head (…在云南省第十四届人民代表大会第三次会议上),
    else from its opening sentence (向第六届全国人民代表大会第一次会议作政府工作报告); blanks removed.

    >>> session_of("", "现在，我代表国务院，向第十届全国人民代表大会第一次会议报告过去五年的工作")
    '第十届全国人民代表大会第一次会议'
    >>> session_of("", "从去年９月第五届全国人民代表大会第三次会议到现在") is None
    True
    """
    cfg = _head_config()
    for patterns, scope in ((cfg["session_head"], head), (cfg["session_opening"], opening)):
        flat = re.sub(r"\s", "", scope or "")
        for pattern in patterns:
            m = pattern.search(flat)
            if m:
                return m.group(1)
    return None


@lru_cache(maxsize=1)
def _redaction_patterns() -> list[_MetaPattern]:
    data = tomllib.loads((files("speechkit") / "data" / "redactions.toml").read_text(encoding="utf-8"))
    return [_MetaPattern.from_entry(m) for m in data["mark"]]


def count_redactions(text: str) -> int:
    """Count redaction marks kept in the text.

    >>> count_redactions("深入学习贯彻_总书记重要论述,〔*〕区妇联、**同志,新建行业妇联个,")
    4
    """
    return sum(len(p.findall(text)) for p in _redaction_patterns())


def truncation_info(raw: str) -> tuple[bool, int | None, int | None]:
    """``(truncated, declared_chars, omitted_chars)`` from paywall notices.

    >>> truncation_info("……(某网省略1949字,正式会员可完整阅读)…… (未完,全文共14030字,当前只显示5066字)")
    (True, 14030, 1949)
    """
    cfg = _config()
    declared = [int(x) for x in cfg["declared"].findall(raw)]
    omitted = [int(x) for x in cfg["omitted"].findall(raw)]
    truncated = bool(declared or omitted or cfg["trunc_flag"].search(raw))
    return truncated, (max(declared) if declared else None), (sum(omitted) if omitted else None)


_DATE_PARTS = re.compile(r"((?:19|20)\d{2})[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2}))?")


def normalise_date(value: str) -> str | None:
    """ISO date from the ways pages write dates.

    >>> normalise_date("2023年3月8日"), normalise_date("2024-01-10 12:01"), normalise_date("2022.6")
    ('2023-03-08', '2024-01-10', '2022-06')
    """
    m = _DATE_PARTS.search(value or "")
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), m.group(3)
    if not 1 <= mo <= 12:
        return None
    if d is None:
        return f"{y:04d}-{mo:02d}"
    d = int(d)
    if not 1 <= d <= 31:
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def _first_speaker(patterns, text) -> tuple[str | None, str | None]:
    """``(speaker, role)`` from the first pattern whose group 1 holds a name."""
    for p in patterns:
        m = p.search(text)
        if m:
            return _clean_name(m.group(1)), _role_near(text, m, 1)
    return None, None


def _first(patterns, text):
    for p in patterns:
        m = p.search(text)
        if m:
            return m.group(1).strip()
    return None


_YEAR_MIN, _YEAR_MAX = 1949, 2100


def infer_year(text: str, title: str | None, date: str | None) -> int | None:
    """The year the speech was given: page date, then the text's own words.

    >>> infer_year("总结2021年我市妇女儿童工作,部署2022年工作。", None, None)
    2022
    >>> infer_year("今天,我们组织召开2024年全区妇女儿童工作会议", None, None)
    2024
    """
    if date:
        return int(date[:4])
    head = (title or "") + "\n" + text[:3000]
    for scope in (head, text[3000:]):
        for pattern, offset in _config()["year_rules"]:
            m = pattern.search(scope)
            if m:
                year = int(m.group(1)) + offset
                if _YEAR_MIN <= year <= _YEAR_MAX:
                    return year
    return None


_LEVEL_BY_DIVISION = {"省": "省", "市": "市", "县": "县"}


def infer_level(title: str | None, text: str, place) -> str | None:
    """Government level of the meeting: 全省/全市/全县/全区 in the title; else the level of
    the place the document is about; else the most frequent 全X word in the text.

    >>> infer_level("在全市妇女第十五次代表大会上的讲话", "", None)
    '市'
    """
    cfg = _config()
    words = cfg["level_words"]
    prov = (place.province if place is not None else None) or ""
    if title:
        hits = Counter(words[m.group(0)] for m in cfg["level_re"].finditer(title))
        if hits:
            level = hits.most_common(1)[0][0]
            if level == "区" and prov.endswith("自治区") and place.city is None:
                return "省"
            return level
    if place is not None and place.province:
        if place.district:
            return "县" if place.district.endswith(("县", "旗", "市")) else "区"  # 县级市 (恩施市) is county level
        if place.city and place.city != place.province:
            return "市"
        return "省"
    hits = Counter(words[m.group(0)] for m in cfg["level_re"].finditer(text))
    if len(hits) > 1:
        hits.pop("国家", None)
    return hits.most_common(1)[0][0] if hits else None


def speaking_unit(text: str) -> str | None:
    """The government a text speaks for, as it names itself: the unit of its opening 我代表…人民政府
    (市, 州, 省, 自治区 …; 行署), else the most frequent first-person word (我市 → 市); None when neither.

    >>> speaking_unit("各位代表：现在，我代表州人民政府向大会报告工作。全市……"), speaking_unit("我市……我市……我省")
    ('州', '市')
    """
    cfg = _config()
    m = cfg["self_opening"].search(text[:600])
    if m:
        return m.group(1) or m.group(2)
    counts = Counter({unit: text.count(word) for word, unit in cfg["first_person"].items()})
    ranked = counts.most_common(2)
    if ranked and ranked[0][1] > 0 and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
        return ranked[0][0]
    return None


def speaks_as(text: str) -> str | None:
    """The level of government a text speaks for ('省' | '市' | '县'), from :func:`speaking_unit`.

    >>> speaks_as("我代表省人民政府……居全市前列……支持西安建设"), speaks_as("我代表行署作工作报告"), speaks_as("同志们")
    ('省', '市', None)
    """
    unit = speaking_unit(text)
    return _config()["unit_level"].get(unit) if unit else None


def extract_metadata(raw: str, text: str, hints: dict | None = None, path_hint: str = "",
                     removed_title: str | None = None, removals=()) -> DocumentMeta:
    """Read metadata from a page's raw text (chrome included), its cleaned text and markup hints.

    ``removed_title`` is the title line the cleaner cut as a repeat (rule title_repeat), if any.
    ``removals`` are the cleaner's cuts as ``(rule, start, text)``: the preamble, byline and source
    lines among them state the speaker, the date and the session (see :func:`document_head`).

    ``path_hint`` is the file name stem: researchers often name files by place
    (``三亚.txt``), so places named there count (with extra weight).

    >>> m = extract_metadata("您好,欢迎访问公文包\\n同志们:今天召开2024年全区妇女儿童工作会议。", "同志们:今天召开2024年全区妇女儿童工作会议。")
    >>> (m.year, m.level, m.site, m.meeting)
    (2024, '区', '公文包', '2024年全区妇女儿童工作会议')
    """
    cfg = _config()
    hints = hints or {}
    meta = DocumentMeta()
    head_title = cfg["site_suffix"].sub("", hints["head_title"]) if hints.get("head_title") else None
    # hints["title"]: the HTML headline chosen by htmlmeta.page_title (<h1> unless it is a logo)
    meta.title = hints.get("title") or hints.get("h1") or _first(cfg["title_raw"], raw[:3000] + "\n" + raw[-2000:]) or head_title
    if not meta.title:
        meta.title = _first(cfg["title_text"], text[:400])
    for candidate in ((removed_title or "").strip(), text.split("\n", 1)[0].strip()):
        if meta.title:
            break
        if 4 <= len(candidate) <= 60 and not re.search(r"[。！？；;:：,，]$|^(?:同志们|各位)", candidate) and re.search(r"会议|大会|讲话|报告|召开|举行|致辞", candidate):
            meta.title = candidate
    date = normalise_date(hints.get("date", "")) if hints.get("date") else None
    if not date:
        found = _first(cfg["date_raw"], raw[:3000])
        date = normalise_date(found) if found else None
    if not date:  # 发布时间：… lines often follow the body: look at the whole page
        from speechkit.htmlmeta import labelled_date

        date = labelled_date(raw)
    head = document_head(raw, text, removals)
    if meta.title and meta.title not in head:
        head = meta.title + "\n" + head  # 市委书记王某在全市…会议上的讲话
    if not date:
        date = head_date(head)
    meta.date = date
    file_year = cfg["file_year"].search(path_hint or "")
    meta.year = int(date[:4]) if date else int(file_year.group(1)) if file_year else infer_year(text, meta.title, date)
    place_text = (meta.title or "") + "\n" + text[:3000]
    national = cfg["national"].search((meta.title or "") + "\n" + (path_hint or "") + "\n" + text[:200])
    # a file named after a place (三亚.txt, 2025年四川省政府工作报告.txt) is the researcher's own label: it wins
    named = resolve_place(find_places(path_hint)) if path_hint else None
    if named is not None and named.province:
        place = named
        twin = same_name_city(place.city) if place.city and not place.district else None
        if twin and speaking_unit(text) == "市":
            # 恩施.txt holding 恩施市's report (我代表市人民政府, 全市), not 恩施州's
            place.district = twin
        if national:
            meta.notes.append(f"the text reads as a national report (代表国务院) although the file name names {named.city or named.province}")
    elif national:
        meta.level = "国家"
        place = None
    else:
        counts = find_places(place_text)
        place = resolve_place(counts)
    if place is not None and place is not named and place.district and place.city and place.district != place.city:
        by_name = {d.name: n for d, n in counts.items()}
        in_title = bool(meta.title and place.district[:-1] in meta.title)
        if not in_title and by_name.get(place.district, 0) < 2 * by_name.get(place.city, 0):
            place.district = None
    if place is not None and place is not named and place.province:
        # read from the text alone: keep the levels the text speaks as (a provincial report names
        # its cities in passing, a city's report its counties)
        level = speaks_as(text)
        municipality = place.city == place.province
        if level == "省" and not municipality:
            place.city = place.district = None
        elif level == "市" and place.district and place.district != place.city:
            place.district = None
        if level == "市" and place.city is None:
            # a city's report names its province more often than itself (全省第一, 省委、省政府)
            prov = next((d for d, _ in load_divisions()[1].get(place.province, ()) if d.level == "省"), None)
            own = [(n, d.code, d.name) for d, n in counts.items()
                   if prov is not None and d.level == "市" and d.province_code == prov.code]
            if own:
                place.city = max(own)[2]
        if level == "市" and place.city and not place.district and speaking_unit(text) == "市":
            place.district = same_name_city(place.city)
    if place is not None:
        meta.province, meta.city, meta.district = place.province, place.city, place.district
        meta.level = "国家" if national else infer_level(meta.title, text, place)
    hcfg = _head_config()
    sal = hcfg["salutation"].search(text[: hcfg["head_chars"]])
    opening = text[sal.end() if sal else 0:].lstrip("：:，,!！ \t\r\n\u3000")[: hcfg["opening_chars"]]
    session = session_of(head, opening)
    if session:
        meta.meeting = session
    elif not hcfg["report"].search((meta.title or "") + "\n" + (path_hint or "") + "\n" + text[:400]):
        # a 政府工作报告 is given at a session or nowhere named: not at a meeting its body names
        meeting = _first(cfg["meeting_title"], meta.title) if meta.title else None
        meeting = meeting or _first(cfg["meeting_text"], text[:600])
        meta.meeting = hcfg["meeting_date_prefix"].sub("", meeting) or None if meeting else None
    if hints.get("author"):
        meta.speaker = hints["author"]
    else:
        meta.speaker, meta.speaker_role = byline_speaker(head)
        if not meta.speaker:
            meta.speaker, meta.speaker_role = _first_speaker(cfg["speaker_raw"], raw[:800])
    ends = raw if len(raw) <= 6000 else raw[:3000] + "\n" + raw[-3000:]  # pages name site and URL in their chrome
    meta.site = hints.get("site") or _first(cfg["site_raw"], ends)
    meta.url = hints.get("url") or _first(cfg["url_raw"], ends)
    if meta.url:
        meta.url = re.sub(r"\s+", "", meta.url)
    meta.truncated, meta.declared_chars, meta.omitted_chars = truncation_info(raw)
    meta.redactions = count_redactions(text)
    return meta
