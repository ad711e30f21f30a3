"""Theme tagging of speech sentences with an editable lexicon taxonomy.

The bundled taxonomy (``data/themes.toml``) follows the fields of 中国妇女发展纲要
and 中国儿童发展纲要（2021—2030年）, adds cross-cutting themes of women's and
children's work, and recurring themes of 政府工作报告. A sentence mentions a theme
when its text contains one of the theme's terms (plain substring match, so tagging
does not depend on word segmentation).
"""

from __future__ import annotations

import importlib.resources
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "Theme",
    "load_taxonomy",
    "ThemeMatcher",
    "document_theme_table",
    "theme_coverage",
]


@dataclass(frozen=True)
class Theme:
    """A theme of the taxonomy: its name, source field, lexicon terms and description.

    >>> Theme("妇女健康", "妇女纲要·健康", ("两癌筛查", "孕产妇")).terms
    ('两癌筛查', '孕产妇')
    """

    name: str
    field: str
    terms: tuple[str, ...]
    description: str = ""


def _bundled_taxonomy_path() -> Path:
    return Path(str(importlib.resources.files("speechkit") / "data" / "themes.toml"))


def _read_theme_file(path: Path) -> list[Theme]:
    path = Path(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: invalid TOML: not UTF-8 text ({exc.reason})") from exc
    try:
        data = tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        if "(at end of document)" in message:  # name the line there too
            last_line = text.count("\n") + (0 if text.endswith("\n") else 1)
            message = message.replace("(at end of document)", f"(at end of document, line {last_line})")
        raise ValueError(f"{path}: invalid TOML: {message}") from exc
    entries = data.get("theme", [])
    if not isinstance(entries, list):
        raise ValueError(f"{path}: 'theme' must be an array of tables ([[theme]])")
    themes: list[Theme] = []
    for index, entry in enumerate(entries, start=1):
        where = f"{path}: theme #{index}"
        if not isinstance(entry, dict):
            raise ValueError(f"{where}: must be a table")
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{where}: missing or empty 'name'")
        where = f"{path}: theme #{index} ({name})"
        field = entry.get("field", "")
        description = entry.get("description", "")
        terms = entry.get("terms", [])
        if not isinstance(field, str) or not isinstance(description, str):
            raise ValueError(f"{where}: 'field' and 'description' must be strings")
        if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
            raise ValueError(f"{where}: 'terms' must be a list of strings")
        cleaned = tuple(dict.fromkeys(t.strip() for t in terms if t.strip()))
        unknown = set(entry) - {"name", "field", "description", "terms"}
        if unknown:
            raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
        themes.append(Theme(name.strip(), field.strip(), cleaned, description.strip()))
    return themes


def _merge(base: list[Theme], extra: list[Theme], source: Path) -> list[Theme]:
    by_name = {theme.name: theme for theme in base}
    order = [theme.name for theme in base]
    for theme in extra:
        old = by_name.get(theme.name)
        if old is None:
            if not theme.field:
                raise ValueError(f"{source}: new theme {theme.name!r} needs a 'field'")
            by_name[theme.name] = theme
            order.append(theme.name)
        else:
            by_name[theme.name] = Theme(
                old.name,
                theme.field or old.field,
                tuple(dict.fromkeys(old.terms + theme.terms)),
                theme.description or old.description,
            )
    return [by_name[name] for name in order]


def load_taxonomy(path: Path | None = None, extra: Path | None = None) -> list[Theme]:
    """Load the theme taxonomy.

    ``path`` replaces the bundled ``themes.toml``; ``extra`` adds themes, or adds
    terms to a theme of the same name. Theme names must be unique within a file.
    A malformed file raises ``ValueError`` naming the file (and, for TOML syntax
    errors, the line and column reported by ``tomllib``).

    >>> themes = load_taxonomy()
    >>> any(t.name == "妇女健康" and "两癌筛查" in t.terms for t in themes)
    True
    """
    main_path = Path(path) if path is not None else _bundled_taxonomy_path()
    themes = _read_theme_file(main_path)
    seen: set[str] = set()
    for theme in themes:
        if theme.name in seen:
            raise ValueError(f"{main_path}: duplicate theme name {theme.name!r}")
        seen.add(theme.name)
    for theme in themes:
        if not theme.field:
            raise ValueError(f"{main_path}: theme {theme.name!r} needs a 'field'")
    if extra is not None:
        extra_path = Path(extra)
        extra_themes = _read_theme_file(extra_path)
        names = [t.name for t in extra_themes]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"{extra_path}: duplicate theme names {duplicates}")
        themes = _merge(themes, extra_themes, extra_path)
    return themes


def _pair_code(term: str) -> int:
    return (ord(term[0]) << 21) | ord(term[1])


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _fold(text: str) -> str:
    """Lower-case ASCII letters only, so that string length and offsets are kept."""
    return text.translate(_ASCII_LOWER)


class ThemeMatcher:
    """Count theme-term occurrences in sentences.

    At each position of a sentence the longest term starting there is found (terms
    are indexed by first character and length, which is several times faster than a
    large regular-expression alternation on this vocabulary). A term found inside a
    longer term is not counted (``两癌筛查`` is one hit, not ``两癌筛查`` plus
    ``两癌``); terms that only partly overlap both count (``农村妇女健康`` gives
    ``农村妇女`` and ``妇女健康``). A term listed under several themes counts for
    each. Latin letters match case-insensitively (``hpv`` = ``HPV``).

    >>> matcher = ThemeMatcher(load_taxonomy())
    >>> matcher.sentence_hits("要深入开展两癌筛查，提高农村妇女健康水平")["妇女健康"]
    2
    """

    def __init__(self, themes: list[Theme]):
        self.themes = list(themes)
        owners: dict[str, list[str]] = {}
        for theme in self.themes:
            for term in theme.terms:
                names = owners.setdefault(_fold(term), [])
                if theme.name not in names:
                    names.append(theme.name)
        self._owners = owners
        lengths: dict[str, set[int]] = {}
        for term in owners:
            lengths.setdefault(term[0], set()).add(len(term))
        # first character -> candidate term lengths, longest first
        self._lengths = {ch: sorted(ls, reverse=True) for ch, ls in lengths.items()}
        # every term's first two characters as one integer (sorted): a vectorised pre-filter
        # that leaves ~1 text position in 9 for the Python loop
        self._short_terms = {t for t in owners if len(t) < 2}
        self._prefix_codes = np.unique(np.array([_pair_code(t) for t in owners if len(t) >= 2], dtype=np.uint64))

    def _candidate_starts(self, folded: str) -> list[int]:
        """Positions where some term of length ≥ 2 could start (its first two characters match)."""
        if len(folded) < 2 or not self._prefix_codes.size:
            return []
        cps = np.frombuffer(folded.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
        pairs = (cps[:-1] << np.uint64(21)) | cps[1:]
        at = np.searchsorted(self._prefix_codes, pairs)
        at[at == self._prefix_codes.size] = 0
        return np.flatnonzero(self._prefix_codes[at] == pairs).tolist()

    def _starts(self, folded: str) -> list[int]:
        """Every position where a term could start (a superset of the real starts)."""
        if self._short_terms or len(folded) < 512:  # the pre-filter pays off on long texts only
            return [i for i, ch in enumerate(folded) if ch in self._lengths]
        return self._candidate_starts(folded)

    def _scan(self, folded: str, starts: list[int], j: int, lo: int, hi: int, out: list) -> int:
        """Append ``(start, end)`` of the longest terms in ``folded[lo:hi]`` that are not nested in
        an earlier hit, trying ``starts[j:]``; return the index of the first start at or past ``hi``."""
        owners, lengths, n = self._owners, self._lengths, len(starts)
        reach = lo  # end of the furthest-reaching hit so far
        while j < n and starts[j] < lo:
            j += 1
        while j < n and starts[j] < hi:
            start = starts[j]
            j += 1
            for length in lengths[folded[start]]:
                end = start + length
                if end <= reach:
                    break  # this and all shorter terms would be nested in an earlier hit
                if end <= hi and folded[start:end] in owners:
                    out.append((start, end))
                    reach = end
                    break
        return j

    def term_hits(self, sentence: str) -> list[tuple[int, int, str]]:
        """Term occurrences ``(start, end, term)``, without terms nested in a longer one.

        >>> m = ThemeMatcher([Theme("a", "f", ("儿童", "儿童友好城市", "友好"))])
        >>> m.term_hits("建设儿童友好城市")
        [(2, 8, '儿童友好城市')]
        """
        folded = _fold(sentence)
        spans: list[tuple[int, int]] = []
        self._scan(folded, self._starts(folded), 0, 0, len(folded), spans)
        return [(a, b, sentence[a:b]) for a, b in spans]

    def document_sentence_hits(self, text: str, sentences: list[tuple[int, int, str]]) -> list[dict[str, int]]:
        """:meth:`sentence_hits` for every sentence of a document at once (same result, faster).

        ``sentences`` are ``(start, end, sentence)`` with ``text[start:end] == sentence``, in
        order, as :func:`speechkit.segment.split_sentences` gives them.

        >>> matcher = ThemeMatcher([Theme("托育", "交叉议题", ("托育", "普惠托育"))])
        >>> matcher.document_sentence_hits("发展普惠托育。办好托育点", [(0, 7, "发展普惠托育。"), (7, 12, "办好托育点")])
        [{'托育': 1}, {'托育': 1}]
        """
        folded = _fold(text)
        starts = self._starts(folded)
        j = 0
        result: list[dict[str, int]] = []
        for s0, e0, _ in sentences:
            spans: list[tuple[int, int]] = []
            j = self._scan(folded, starts, j, s0, e0, spans)
            counts: dict[str, int] = {}
            for a, b in spans:
                for name in self._owners[folded[a:b]]:
                    counts[name] = counts.get(name, 0) + 1
            result.append(counts)
        return result

    def sentence_hits(self, sentence: str) -> dict[str, int]:
        """Theme name → number of term occurrences in the sentence (themes with hits only).

        >>> matcher = ThemeMatcher([Theme("托育", "交叉议题", ("托育", "普惠托育"))])
        >>> matcher.sentence_hits("发展普惠托育，办好社区托育点")
        {'托育': 2}
        """
        return self.document_sentence_hits(sentence, [(0, len(sentence), sentence)])[0]


def document_theme_table(
    doc_id: str, sentence_hits: list[dict[str, int]], themes: list[Theme]
) -> list[dict]:
    """Rows ``{doc_id, theme, field, hits, share}`` for one document.

    ``hits`` sums the sentence hits of a theme; ``share`` is its part of all theme
    hits of the document. Themes without hits are omitted; rows follow taxonomy order.

    >>> themes = [Theme("妇女健康", "妇女纲要·健康", ("两癌",)), Theme("托育", "交叉议题", ("托育",))]
    >>> document_theme_table("d1", [{"妇女健康": 3}, {"妇女健康": 1}], themes)
    [{'doc_id': 'd1', 'theme': '妇女健康', 'field': '妇女纲要·健康', 'hits': 4, 'share': 1.0}]
    """
    totals: Counter[str] = Counter()
    for hits in sentence_hits:
        totals.update(hits)
    grand_total = sum(totals.get(theme.name, 0) for theme in themes)
    rows = []
    for theme in themes:
        hits = totals.get(theme.name, 0)
        if hits <= 0:
            continue
        rows.append(
            {
                "doc_id": doc_id,
                "theme": theme.name,
                "field": theme.field,
                "hits": hits,
                "share": hits / grand_total,
            }
        )
    return rows


def theme_coverage(sentence_hits: list[dict[str, int]]) -> float:
    """Share of sentences that mention at least one theme (0.0 for no sentences).

    >>> theme_coverage([{"妇女健康": 1}, {}, {"托育": 2, "儿童健康": 1}, {}])
    0.5
    """
    if not sentence_hits:
        return 0.0
    covered = sum(1 for hits in sentence_hits if any(n > 0 for n in hits.values()))
    return covered / len(sentence_hits)
