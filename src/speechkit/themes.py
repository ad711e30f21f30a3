"""Theme tagging of speech sentences with an editable lexicon taxonomy.

The bundled taxonomy (``data/themes.toml``) follows the fields of 中国妇女发展纲要
and 中国儿童发展纲要（2021—2030年）, adds cross-cutting themes of women's and
children's work, and recurring themes of 政府工作报告. A sentence mentions a theme
when one of the theme's terms is *spelled by its word tokens*: the term starts and
ends on token boundaries of the segmented sentence (a multi-token term matches a
token sequence), so 民生 does not fire inside 人民/生命 and 学生 not inside 留学生.
Inside a compound of the domain dictionary (普惠托育服务) its parts count (托育).
Ambiguous terms carry context rules in the lexicon file (``[[theme.rule]]``: a term
that only counts with a co-occurring word, or never inside a given phrase).

The module also holds the validation aids of the lexicon: per-document measures
beside the compositional share (hits per 10,000 characters, share of sentences),
a seeded validation sample, precision with Wilson intervals from a coded sheet,
per-term counts, and corpus-driven term suggestions (G² over sentences).
"""

from __future__ import annotations

import bisect
import functools
import importlib.resources
import itertools
import math
import operator
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field as dc_field
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np

from speechkit.script import simplified_chars

__all__ = [
    "DATA_FILES",
    "RELIABLE_HITS",
    "ContextRule",
    "Theme",
    "load_taxonomy",
    "ThemeMatcher",
    "document_theme_table",
    "theme_coverage",
    "wilson_interval",
    "check_theme_name",
    "mark_terms",
    "validation_sample",
    "write_validation_sheet",
    "read_coded_sheet",
    "score_coded_sheet",
    "term_table",
    "suggest_terms",
    "Focus",
    "load_focus",
    "Matching",
    "load_matching",
]

#: Data files this module reads (part of the analyze stage's cache key).
DATA_FILES = ("themes.toml",)

#: A document-theme row with fewer hits than this is flagged ``reliable = False``: its share,
#: rate and sentence share rest on a handful of sentences (one wrong hit moves them a lot).
RELIABLE_HITS = 5


@dataclass(frozen=True)
class ContextRule:
    """A context rule of a theme: when ``terms`` count for the theme.

    ``requires``: the sentence must contain one of these words; ``excludes``: the
    sentence must contain none of them; ``not_within``: the occurrence does not count
    where it is part of one of these phrases (为总书记 in 以胡锦涛同志为总书记的党中央).

    >>> rule = ContextRule(("乡村振兴",), requires=("妇女", "巾帼"))
    >>> rule.allows("发挥妇女在乡村振兴中的作用", 6, 10), rule.allows("全面推进乡村振兴", 4, 8)
    (True, False)
    """

    terms: tuple[str, ...]
    requires: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    not_within: tuple[str, ...] = ()

    def allows(self, sentence: str, start: int, end: int) -> bool:
        """True when the occurrence ``sentence[start:end]`` of a term counts under this rule."""
        # one scan of the sentence for all the words of ``requires`` / ``excludes`` (not one per word)
        if self.requires and _phrases_re(self.requires).search(sentence) is None:
            return False
        if self.excludes and _phrases_re(self.excludes).search(sentence) is not None:
            return False
        for phrase in self.not_within:
            i = sentence.find(phrase, max(0, end - len(phrase)))
            while i != -1 and i <= start:
                if i + len(phrase) >= end:
                    return False
                i = sentence.find(phrase, i + 1)
        return True


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
    rules: tuple[ContextRule, ...] = dc_field(default=(), compare=True)
    #: terms that alone only touch the theme (``weak`` in the lexicon): under ``[focus]`` they weigh
    #: ``weak_weight`` each, so one of them alone does not tag the sentence, two or a strong term do
    weak: tuple[str, ...] = ()


def _bundled_taxonomy_path() -> Path:
    return Path(str(importlib.resources.files("speechkit") / "data" / "themes.toml"))


def _word_list(value, where: str, key: str, words: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """A list of strings where ``@name`` stands for the word set ``[words] name``."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where}: '{key}' must be a list of strings")
    out: list[str] = []
    for item in value:
        item = item.strip()
        if item.startswith("@"):
            if item[1:] not in words:
                raise ValueError(f"{where}: '{key}' names an unknown word set {item!r} "
                                 f"(known: {', '.join('@' + k for k in sorted(words)) or 'none'})")
            out.extend(words[item[1:]])
        elif item:
            out.append(item)
    return tuple(dict.fromkeys(out))


def _read_rules(entry: dict, where: str, terms: tuple[str, ...], words: dict[str, tuple[str, ...]]) -> tuple[ContextRule, ...]:
    raw = entry.get("rule", [])
    if not isinstance(raw, list):
        raise ValueError(f"{where}: 'rule' must be an array of tables ([[theme.rule]])")
    rules = []
    for k, rule in enumerate(raw, start=1):
        at = f"{where}: rule #{k}"
        if not isinstance(rule, dict):
            raise ValueError(f"{at}: must be a table")
        unknown = set(rule) - {"terms", "requires", "excludes", "not_within", "note"}
        if unknown:
            raise ValueError(f"{at}: unknown keys {sorted(unknown)}")
        rule_terms = _word_list(rule.get("terms", []), at, "terms", words)
        if not rule_terms:
            raise ValueError(f"{at}: 'terms' is empty")
        parts = {key: _word_list(rule.get(key, []), at, key, words) for key in ("requires", "excludes", "not_within")}
        if not any(parts.values()):
            raise ValueError(f"{at}: give at least one of 'requires', 'excludes', 'not_within'")
        rules.append(ContextRule(rule_terms, parts["requires"], parts["excludes"], parts["not_within"]))
    return tuple(rules)


def _read_toml(path: Path) -> dict:
    """The parsed TOML of a theme file — the one reader of :func:`load_taxonomy` and :func:`load_focus`.

    Cached by path, size and modification time, so the focus table is not parsed again after the
    themes of the same file; an edited file is read again. A malformed file raises ``ValueError``
    naming the file (and, for TOML syntax errors, the line and column reported by ``tomllib``).
    The returned table is shared: callers read it and never change it.

    >>> "theme" in _read_toml(_bundled_taxonomy_path()) and "focus" in _read_toml(_bundled_taxonomy_path())
    True
    """
    path = Path(path)
    stat = path.stat()
    return _parse_toml(str(path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _parse_toml(path_name: str, size: int, mtime_ns: int) -> dict:
    """Read and parse one theme file (``size`` and ``mtime_ns`` only key the cache)."""
    path = Path(path_name)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: invalid TOML: not UTF-8 text ({exc.reason})") from exc
    try:
        return tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        if "(at end of document)" in message:  # name the line there too
            last_line = text.count("\n") + (0 if text.endswith("\n") else 1)
            message = message.replace("(at end of document)", f"(at end of document, line {last_line})")
        raise ValueError(f"{path}: invalid TOML: {message}") from exc


def _read_theme_file(path: Path) -> list[Theme]:
    path = Path(path)
    data = _read_toml(path)
    raw_words = data.get("words", {})
    if not isinstance(raw_words, dict):
        raise ValueError(f"{path}: 'words' must be a table of word lists ([words] name = [...])")
    words: dict[str, tuple[str, ...]] = {}
    for key, value in raw_words.items():
        words[key] = _word_list(value, f"{path}: [words]", key, words)
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
        unknown = set(entry) - {"name", "field", "description", "terms", "rule", "weak"}
        if unknown:
            raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
        rules = _read_rules(entry, where, cleaned, words)
        weak = _word_list(entry.get("weak", []), where, "weak", words)
        themes.append(Theme(name.strip(), field.strip(), cleaned, description.strip(), rules, weak))
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
                old.rules + theme.rules,
                tuple(dict.fromkeys(old.weak + theme.weak)),
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
    for theme in themes:
        known = set(theme.terms)
        missing_weak = [t for t in theme.weak if t not in known]
        if missing_weak:
            raise ValueError(f"{extra if extra is not None else main_path}: 'weak' of theme {theme.name!r} "
                             f"names terms that are not its terms: {missing_weak}")
        for rule in theme.rules:
            missing = [t for t in rule.terms if t not in known]
            if missing:
                raise ValueError(f"{extra if extra is not None else main_path}: a rule of theme {theme.name!r} "
                                 f"names terms that are not its terms: {missing}")
    return themes


def _pair_code(term: str) -> int:
    return (ord(term[0]) << 21) | ord(term[1])


_ASCII_UPPER = re.compile("[A-Z]+")


def _lower(match: re.Match) -> str:
    return match.group().lower()


def _fold(text: str) -> str:
    """Lower-case ASCII letters only, so that string length and offsets are kept.

    >>> _fold("HPV疫苗接种Ⅱ期")
    'hpv疫苗接种Ⅱ期'
    """
    return _ASCII_UPPER.sub(_lower, text)  # ~7x faster than str.translate on Chinese text


def _automaton(terms: list[str]):
    """An Aho–Corasick automaton (ahocorasick-rs) over ``terms`` that reports every, overlapping, match."""
    import ahocorasick_rs

    return ahocorasick_rs.AhoCorasick(terms, matchkind=ahocorasick_rs.MatchKind.Standard)


@functools.lru_cache(maxsize=1)
def dictionary_words() -> frozenset[str]:
    """The words of 2+ characters of jieba's main dictionary (read once per process, ~0.8 s).

    >>> {"科技", "人才", "留学"} <= dictionary_words()
    True
    """
    import importlib.resources

    path = importlib.resources.files("jieba") / "dict.txt"
    with path.open(encoding="utf-8") as fh:
        return frozenset(w for w in (line.split(" ", 1)[0] for line in fh) if len(w) >= 2)


#: Documents with fewer sentences take the reference scan (the per-document set-up of the fast one
#: costs more than it saves on a sentence or two).
_FAST_MIN_SENTENCES = 8

_START_END = operator.itemgetter(0, 1)


class ThemeMatcher:
    """Find theme terms in sentences, on token boundaries, with the lexicon's context rules.

    ``tokenize`` segments a sentence into raw tokens that spell it (``Segmenter.cut``);
    a term then counts only where it starts and ends on a token boundary (a multi-token
    term matches a token sequence), or lies inside one token that is a compound of the
    segmenter's dictionaries (``compounds``: 普惠托育服务 holds 托育). A token of four or
    more characters made of two dictionary words (``words``, jieba's dictionary by default)
    has a boundary between them too: 人才 counts in 科技人才, 学生 not in 留学生. Without
    ``tokenize`` terms match as plain substrings (the matcher of speechkit ≤ 0.x; kept
    for comparison in ``scripts/eval_themes.py``). ``rules=False`` ignores the context
    rules. ``focus`` (:class:`Focus`, the ``[focus]`` table of the lexicon file) keeps only
    the themes a sentence is about: a theme named once in an enumeration of a sentence about
    something else is dropped; without it every theme named counts.

    At each position the longest term that starts there (and passes the boundary test)
    is taken; a term inside a longer hit is not counted (``两癌筛查`` is one hit, not
    ``两癌筛查`` plus ``两癌``); partly overlapping terms both count (``农村妇女健康``
    gives ``农村妇女`` and ``妇女健康``). A term listed under several themes counts for
    each whose rules allow it. Latin letters match case-insensitively (``hpv`` = ``HPV``).

    >>> from speechkit.segment import Segmenter
    >>> matcher = ThemeMatcher(load_taxonomy(), tokenize=Segmenter("rjieba").cut)
    >>> matcher.sentence_hits("要深入开展两癌筛查，提高农村妇女健康水平")["妇女健康"]
    2
    >>> "民生保障与公共服务" in matcher.sentence_hits("保障人民生命安全")
    False
    """

    def __init__(self, themes: list[Theme], tokenize: Callable[[str], list[str]] | None = None,
                 compounds: Iterable[str] = (), rules: bool = True, words: frozenset[str] | None = None,
                 focus: "Focus | None" = None, matching: "Matching | None" = None):
        self.themes = list(themes)
        # [matching] of the lexicon (the bundled one by default, with a tokenizer): a 3+ character token
        # ending in a suffix character has a boundary before it (公路网 = 公路 + 网, 畜牧业, 效能型), and a
        # speech's procedural sentences (刚才，…作了报告) get no theme
        if matching is None:
            matching = load_matching() if tokenize is not None else Matching()
        self.matching = matching
        self.suffixes = frozenset(_fold(c) for c in matching.suffixes)
        self.focus = focus
        self._weak = {theme.name: frozenset(_fold(t) for t in theme.weak) for theme in self.themes if theme.weak}
        self.tokenize = tokenize
        self.compounds = frozenset(_fold(w) for w in compounds)
        # a token of 4+ characters that is two dictionary words (科技人才 = 科技 + 人才) also has a boundary
        # between them; 留学生 (留学 + 生) and 人民生命 (two tokens) give 学生 / 民生 no boundary
        self.words = dictionary_words() if (words is None and tokenize is not None) else (words or frozenset())
        self._splits: dict[str, tuple[int, ...]] = {}
        owners: dict[str, list[str]] = {}
        for theme in self.themes:
            for term in theme.terms:
                names = owners.setdefault(_fold(term), [])
                if theme.name not in names:
                    names.append(theme.name)
        self._owners = owners
        # (theme, folded term) -> rules; a term without rules counts wherever it matches
        self._rules: dict[tuple[str, str], list[ContextRule]] = {}
        if rules:
            for theme in self.themes:
                for rule in theme.rules:
                    for term in rule.terms:
                        self._rules.setdefault((theme.name, _fold(term)), []).append(rule)
        lengths: dict[str, set[int]] = {}
        for term in owners:
            lengths.setdefault(term[0], set()).add(len(term))
        # first character -> candidate term lengths, longest first
        self._lengths = {ch: sorted(ls, reverse=True) for ch, ls in lengths.items()}
        # every term's first two characters as one integer (sorted): a vectorised pre-filter
        # that leaves ~1 text position in 9 for the Python loop
        self._short_terms = {t for t in owners if len(t) < 2}
        self._prefix_codes = np.unique(np.array([_pair_code(t) for t in owners if len(t) >= 2], dtype=np.uint64))
        # the fast engine (issue 17): folded term -> ((theme, its rules or None), ...) in owner order, and one
        # Aho–Corasick automaton over all folded terms that finds every occurrence in one C pass per document
        patterns = list(owners)
        self._pattern_owners = [tuple((name, tuple(self._rules.get((name, term), ())) or None) for name in owners[term])
                                for term in patterns]
        self._only_owner = [owned[0][0] if len(owned) == 1 and owned[0][1] is None else None
                            for owned in self._pattern_owners]
        self._pattern_lengths = [len(term) for term in patterns]
        self._n_patterns = max(1, len(patterns))
        self._max_len = max(self._pattern_lengths, default=0)
        self._patterns = patterns
        self._automaton = _automaton(patterns) if patterns else None
        self._compound_memo: dict[str, bool] = {}

    def __getstate__(self) -> dict:
        # the automaton (a Rust object) does not pickle: a worker process rebuilds it (~2 ms)
        return {key: value for key, value in self.__dict__.items() if key != "_automaton"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._automaton = _automaton(self._patterns) if self._patterns else None

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

    def _boundaries(self, tokens: list[str], offset: int) -> tuple[set[int], list[tuple[int, int]]]:
        """Token boundaries (absolute offsets) and the spans of dictionary compounds."""
        cuts = {offset}
        inside: list[tuple[int, int]] = []
        pos = offset
        compounds = self.compounds
        suffixes = self.suffixes
        for token in tokens:
            end = pos + len(token)
            cuts.add(end)
            if suffixes and len(token) >= 3 and _fold(token[-1]) in suffixes:
                cuts.add(end - 1)
            if len(token) > 3:
                if compounds and _fold(token) in compounds:
                    inside.append((pos, end))
                elif self.words:
                    cuts.update(pos + k for k in self._split_points(token))
            elif len(token) == 3 and compounds and _fold(token) in compounds:
                inside.append((pos, end))
            pos = end
        return cuts, inside

    def _split_points(self, token: str) -> tuple[int, ...]:
        """Offsets inside ``token`` where it splits into two dictionary words of 2+ characters."""
        found = self._splits.get(token)
        if found is None:
            words = self.words
            found = tuple(k for k in range(2, len(token) - 1) if token[:k] in words and token[k:] in words)
            if len(self._splits) < 200_000:
                self._splits[token] = found
        return found

    def _scan(self, folded: str, starts: list[int], j: int, lo: int, hi: int, out: list,
              cuts: set[int] | None = None, inside: Sequence[tuple[int, int]] = ()) -> int:
        """Append ``(start, end)`` of the longest terms in ``folded[lo:hi]`` that are not nested in
        an earlier hit (and, with ``cuts``, start and end on token boundaries or lie in a compound),
        trying ``starts[j:]``; return the index of the first start at or past ``hi``."""
        owners, lengths, n = self._owners, self._lengths, len(starts)
        reach = lo  # end of the furthest-reaching hit so far
        while j < n and starts[j] < lo:
            j += 1
        while j < n and starts[j] < hi:
            start = starts[j]
            j += 1
            start_ok = cuts is None or start in cuts
            if not start_ok and not any(a <= start < b for a, b in inside):
                continue
            for length in lengths[folded[start]]:
                end = start + length
                if end <= reach:
                    break  # this and all shorter terms would be nested in an earlier hit
                if end > hi or folded[start:end] not in owners:
                    continue
                if cuts is not None and not (start_ok and end in cuts) and \
                        not any(a <= start and end <= b for a, b in inside):
                    continue
                out.append((start, end))
                reach = end
                break
        return j

    def _allowed(self, theme: str, term: str, sentence: str, start: int, end: int) -> bool:
        rules = self._rules.get((theme, term))
        return rules is None or all(rule.allows(sentence, start, end) for rule in rules)

    def term_hits(self, sentence: str, tokens: list[str] | None = None) -> list[tuple[int, int, str]]:
        """Term occurrences ``(start, end, term)`` on token boundaries, without terms nested in a
        longer one (context rules are not applied here: a term may still count for no theme).

        >>> m = ThemeMatcher([Theme("a", "f", ("儿童", "儿童友好城市", "友好"))])
        >>> m.term_hits("建设儿童友好城市")
        [(2, 8, '儿童友好城市')]
        """
        sentence = simplified_chars(sentence)
        if tokens is not None:
            tokens = [simplified_chars(token) for token in tokens]
        folded = _fold(sentence)
        spans: list[tuple[int, int]] = []
        cuts: set[int] | None = None
        inside: Sequence[tuple[int, int]] = ()
        if tokens is None and self.tokenize is not None:
            tokens = self.tokenize(sentence)
        if tokens is not None:
            cuts, inside = self._boundaries(tokens, 0)
        self._scan(folded, self._starts(folded), 0, 0, len(folded), spans, cuts, inside)
        return [(a, b, sentence[a:b]) for a, b in spans]

    def document_sentence_terms(self, text: str, sentences: list[tuple[int, int, str]],
                                tokens: Sequence[list[str]] | None = None) -> list[dict[str, list[str]]]:
        """Theme name → the matched terms (one entry per occurrence, in order) for every sentence.

        ``sentences`` are ``(start, end, sentence)`` with ``text[start:end] == sentence``, in order,
        as :func:`speechkit.segment.split_sentences` gives them; ``tokens`` (optional) are their raw
        tokens, so that a caller who segments anyway does not segment twice. Traditional characters are
        read as their Simplified forms (the lexicon is Simplified; offsets are kept), so the terms
        returned for a Traditional sentence are spelled in Simplified (林業 gives 林业).

        >>> from speechkit.segment import Segmenter
        >>> m = ThemeMatcher([Theme("民生", "f", ("民生", "民生实事"))], tokenize=Segmenter("rjieba").cut)
        >>> m.document_sentence_terms("办好民生实事。保障人民生命安全", [(0, 7, "办好民生实事。"), (7, 15, "保障人民生命安全")])
        [{'民生': ['民生实事']}, {}]
        """
        text, sentences, tokens = self._simplified(text, sentences, tokens)
        found = None
        if len(sentences) >= _FAST_MIN_SENTENCES:
            found = self._fast_document_sentence_terms(text, sentences, tokens)
        if found is None:
            found = self._reference_document_sentence_terms(text, sentences, tokens)
        if self.focus is not None:  # keep the themes each sentence is about (issue 18)
            found = [self.focus.select(sentence, f, self._weak) if f else f
                     for (_, _, sentence), f in zip(sentences, found)]
        matching = self.matching
        if matching.procedure or matching.rhetoric:  # who spoke or came to the meeting; thanks: no theme
            found = [{} if f and matching.is_procedure(sentence) else f for (_, _, sentence), f in zip(sentences, found)]
        if matching.dateline:  # 今年是…的关键一年: the clauses that date the year name no theme
            found = [_after(sentence, f, matching.dateline_end(sentence)) if f else f
                     for (_, _, sentence), f in zip(sentences, found)]
        return found

    def _simplified(self, text: str, sentences: list[tuple[int, int, str]], tokens: Sequence[list[str]] | None):
        """Text, sentences and tokens with Traditional characters written in Simplified, one for one
        (:func:`speechkit.script.simplified_chars`: offsets kept), as the lexicon is Simplified: 林業 is
        matched as 林业. A Simplified document comes back as it is; a converted one is segmented again
        (its tokens were cut from the Traditional text), or, without a tokenizer, its tokens converted."""
        simple = simplified_chars(text)
        if simple is text:
            return text, sentences, tokens
        sentences = [(a, b, simplified_chars(sentence)) for a, b, sentence in sentences]
        if self.tokenize is not None:
            tokens = [self.tokenize(sentence) for _, _, sentence in sentences]
        elif tokens is not None:
            tokens = [[simplified_chars(token) for token in toks] for toks in tokens]
        return simple, sentences, tokens

    def _fast_document_sentence_terms(self, text: str, sentences: list[tuple[int, int, str]],
                                      tokens: Sequence[list[str]] | None = None) -> list[dict[str, list[str]]] | None:
        """:meth:`document_sentence_terms` with the work done once per document (issue 17), or ``None``
        when the input is not what it assumes (sentences in order without overlap, each spelled by its
        tokens' lengths) and the caller must take the reference scan.

        One Aho–Corasick pass (ahocorasick-rs, in Rust) finds every occurrence of every term in the
        document; numpy then places them in their sentences and tokens (token offsets by one cumulative
        sum over the document) and applies the reference scan's rules as array operations: the boundary
        test at each occurrence's start and end, then per start the longest occurrence that passes, kept
        when it reaches past every hit before it (nested terms do not count). Only dictionary lookups
        (compound, split into two dictionary words) and the context rules run in Python, and only where
        an occurrence needs them.
        """
        result: list[dict[str, list[str]]] = [{} for _ in sentences]
        if self._automaton is None or not sentences:
            return result
        n_s = len(sentences)
        bounds = np.fromiter(itertools.chain.from_iterable(map(_START_END, sentences)), np.int64, 2 * n_s)
        s_start, s_end = bounds[0::2], bounds[1::2]
        if (s_end < s_start).any() or (s_start[1:] < s_end[:-1]).any():
            return None  # out of order or overlapping: the reference scan defines what happens
        folded = _fold(text)
        matches = self._automaton.find_matches_as_indexes(folded, overlapping=True)
        if not matches:
            return result
        occ = np.fromiter(itertools.chain.from_iterable(matches), np.int64, 3 * len(matches))
        pattern, start, end = occ[0::3], occ[1::3], occ[2::3]
        order = np.lexsort((start - end, start))  # by start, longest first: the order the scan tries them
        pattern, start, end = pattern[order], start[order], end[order]
        k = np.searchsorted(s_start, start, side="right") - 1  # the sentence an occurrence starts in
        kc = np.maximum(k, 0)
        ok = (k >= 0) & (end <= s_end[kc])  # it must end inside that sentence
        if tokens is None and self.tokenize is not None:
            tokens = [self.tokenize(sentence) for _, _, sentence in sentences]
        if tokens is not None:
            ok = self._on_boundaries(tokens, s_start, s_end, start, end, kc, ok)
            if ok is None:
                return None
        pattern, start, end, k = pattern[ok], start[ok], end[ok], k[ok]
        if not start.size:
            return result
        first = np.ones(start.size, dtype=bool)  # per start, the longest occurrence that passed
        first[1:] = start[1:] != start[:-1]
        pattern, start, end, k = pattern[first], start[first], end[first], k[first]
        reach = np.empty_like(end)  # the furthest end of the hits before (a hit nested in one is dropped)
        reach[0] = -1
        np.maximum.accumulate(end[:-1], out=reach[1:])
        keep = end > reach
        owners, only = self._pattern_owners, self._only_owner
        for p, a, b, kk in zip(pattern[keep].tolist(), start[keep].tolist(), end[keep].tolist(), k[keep].tolist()):
            hit = text[a:b]
            found = result[kk]
            name = only[p]
            if name is not None:  # one theme, no rules: most terms
                terms = found.get(name)
                if terms is None:
                    found[name] = [hit]
                else:
                    terms.append(hit)
                continue
            for name, rules in owners[p]:
                if rules is not None:
                    s0, _, sentence = sentences[kk]
                    if not all(rule.allows(sentence, a - s0, b - s0) for rule in rules):
                        continue
                terms = found.get(name)
                if terms is None:
                    found[name] = [hit]
                else:
                    terms.append(hit)
        return result

    def _on_boundaries(self, tokens: Sequence[list[str]], s_start, s_end, start, end, k, ok):
        """``ok`` narrowed to the occurrences that start and end on token boundaries of their sentence (or
        lie inside one dictionary compound token), as :meth:`_boundaries` defines them; ``None`` when a
        sentence is not spelled by its tokens (lengths summing to its length)."""
        counts = np.fromiter(map(len, tokens), np.int64, len(tokens))
        flat = list(itertools.chain.from_iterable(tokens))
        lengths = np.fromiter(map(len, flat), np.int64, len(flat))
        cum = np.zeros(len(flat) + 1, dtype=np.int64)
        np.cumsum(lengths, out=cum[1:])
        first_token = np.zeros(len(tokens) + 1, dtype=np.int64)
        np.cumsum(counts, out=first_token[1:])
        if not np.array_equal(cum[first_token[1:]] - cum[first_token[:-1]], s_end - s_start):
            return None
        if not flat:
            return ok & False
        # absolute offsets of every token: its sentence's start + its offset in the sentence
        tok_start = cum[:-1] + np.repeat(s_start - cum[first_token[:-1]], counts)
        tok_end = tok_start + lengths
        # the token holding an occurrence's start (its sentence's tokens cover the sentence, in order)
        ti = np.clip(np.searchsorted(tok_start, start, side="right") - 1, 0, len(flat) - 1)
        # the token holding an occurrence's end (the one it ends strictly inside, when not on a boundary)
        tj = np.searchsorted(tok_start, end, side="left")
        tjc = np.minimum(tj, len(flat) - 1)
        end_at_token = (end == s_end[k]) | ((tj < len(flat)) & (tok_start[tjc] == end))
        inside_end = np.maximum(tj - 1, 0)
        start_at_token = tok_start[ti] == start
        # most occurrences start and end on token boundaries: they pass as they are; the others need the
        # dictionary tests (inside a compound; a split of a 4+ character token into two dictionary words)
        passed = ok & start_at_token & end_at_token
        # an occurrence that ends within the reach of an earlier one that passes (in scan order: by start,
        # longest first) is dropped whatever its boundaries: it is nested in a hit or not the longest at its
        # start. Those need no test: left out here, they leave the hits as they are
        reach = np.empty_like(end)
        reach[0] = -1
        np.maximum.accumulate(np.where(passed, end, -1)[:-1], out=reach[1:])
        rest = np.flatnonzero(ok & ~passed & (end > reach))
        if not rest.size:
            return passed
        ti, inside_end, start, end = ti[rest], inside_end[rest], start[rest], end[rest]
        start_cut, end_cut = start_at_token[rest], end_at_token[rest]
        need = np.unique(np.concatenate([ti[lengths[ti] >= 3], inside_end[~end_cut & (lengths[inside_end] > 3)]]))
        compound = np.zeros(len(flat), dtype=bool)
        if need.size and self.compounds:
            is_compound = self._is_compound
            compound[need] = [is_compound(flat[t]) for t in need.tolist()]
        if self.words:
            split_points = self._split_points
            for cut, pos, at in ((start_cut, start, ti), (end_cut, end, inside_end)):
                todo = np.flatnonzero(~cut & (lengths[at] > 3) & ~compound[at])
                if todo.size:
                    cut[todo] = [(p - o) in split_points(flat[t]) for p, o, t in
                                 zip(pos[todo].tolist(), tok_start[at[todo]].tolist(), at[todo].tolist())]
        if self.suffixes:  # a 3+ character token ending in a suffix character has a boundary before it
            for cut, pos, at in ((start_cut, start, ti), (end_cut, end, inside_end)):
                todo = np.flatnonzero(~cut & (lengths[at] >= 3) & (pos == tok_end[at] - 1))
                if todo.size:
                    cut[todo] = [_fold(flat[t][-1]) in self.suffixes for t in at[todo].tolist()]
        in_compound = compound[ti] & (lengths[ti] >= 3) & (end <= tok_end[ti])
        passed[rest] = (start_cut & end_cut) | in_compound
        return passed

    def _is_compound(self, token: str) -> bool:
        known = self._compound_memo.get(token)
        if known is None:
            known = bool(self.compounds) and _fold(token) in self.compounds
            if len(self._compound_memo) < 200_000:
                self._compound_memo[token] = known
        return known

    def _reference_document_sentence_terms(self, text: str, sentences: list[tuple[int, int, str]],
                                tokens: Sequence[list[str]] | None = None) -> list[dict[str, list[str]]]:
        """The plain matcher kept as the reference of :meth:`document_sentence_terms` (same output,
        several times slower): a Python scan of every candidate start and a set of token boundaries
        built for every sentence. ``tests/test_themes_engine.py`` holds the two to the same result."""
        folded = _fold(text)
        starts = self._starts(folded)
        j = 0
        result: list[dict[str, list[str]]] = []
        for k, (s0, e0, sentence) in enumerate(sentences):
            cuts: set[int] | None = None
            inside: Sequence[tuple[int, int]] = ()
            toks = tokens[k] if tokens is not None else (self.tokenize(sentence) if self.tokenize else None)
            if toks is not None:
                cuts, inside = self._boundaries(toks, s0)
            spans: list[tuple[int, int]] = []
            j = self._scan(folded, starts, j, s0, e0, spans, cuts, inside)
            found: dict[str, list[str]] = {}
            for a, b in spans:
                term = folded[a:b]
                for name in self._owners[term]:
                    if self._rules and not self._allowed(name, term, sentence, a - s0, b - s0):
                        continue
                    found.setdefault(name, []).append(text[a:b])
            result.append(found)
        return result

    def document_sentence_hits(self, text: str, sentences: list[tuple[int, int, str]],
                               tokens: Sequence[list[str]] | None = None) -> list[dict[str, int]]:
        """:meth:`sentence_hits` for every sentence of a document at once (same result, faster).

        >>> matcher = ThemeMatcher([Theme("托育", "交叉议题", ("托育", "普惠托育"))])
        >>> matcher.document_sentence_hits("发展普惠托育。办好托育点", [(0, 7, "发展普惠托育。"), (7, 12, "办好托育点")])
        [{'托育': 1}, {'托育': 1}]
        """
        return [{name: len(terms) for name, terms in found.items()}
                for found in self.document_sentence_terms(text, sentences, tokens)]

    def sentence_terms(self, sentence: str, tokens: list[str] | None = None) -> dict[str, list[str]]:
        """Theme name → matched terms of one sentence.

        >>> from speechkit.segment import Segmenter
        >>> m = ThemeMatcher(load_taxonomy(), tokenize=Segmenter("rjieba").cut)
        >>> m.sentence_terms("发挥妇女在乡村振兴中的作用").get("乡村振兴与巾帼建功")
        ['乡村振兴']
        >>> "乡村振兴与巾帼建功" in m.sentence_terms("全面推进乡村振兴")
        False
        """
        return self.document_sentence_terms(sentence, [(0, len(sentence), sentence)],
                                            None if tokens is None else [tokens])[0]

    def sentence_hits(self, sentence: str, tokens: list[str] | None = None) -> dict[str, int]:
        """Theme name → number of term occurrences in the sentence (themes with hits only).

        >>> matcher = ThemeMatcher([Theme("托育", "交叉议题", ("托育", "普惠托育"))])
        >>> matcher.sentence_hits("发展普惠托育，办好社区托育点")
        {'托育': 2}
        """
        return {name: len(terms) for name, terms in self.sentence_terms(sentence, tokens).items()}


def _after(sentence: str, found: dict[str, list[str]], cut: int) -> dict[str, list[str]]:
    """``found`` with only the term occurrences at or after ``cut`` (themes left with none dropped).

    >>> _after("今年是改革之年，深化改革", {"改革": ["改革", "改革"]}, 8)
    {'改革': ['改革']}
    """
    if cut <= 0:
        return found
    folded = _fold(sentence)
    out: dict[str, list[str]] = {}
    for theme, terms in found.items():
        kept, at = [], cut
        for term in terms:
            pos = folded.find(_fold(term), at)
            if pos >= 0:
                kept.append(term)
                at = pos + 1
        if kept:
            out[theme] = kept
    return out


def document_theme_table(
    doc_id: str, sentence_hits: list[dict[str, int]], themes: list[Theme], chars: int | None = None,
    reliable_hits: int = RELIABLE_HITS,
) -> list[dict]:
    """Rows ``{doc_id, theme, field, hits, share, rate, sentences, sentence_share, reliable}`` for one document.

    ``hits`` sums the sentence hits of a theme; ``share`` is its part of all theme
    hits of the document (compositional: it moves when *other* themes gain hits);
    ``rate`` is hits per 10,000 characters of the document (``chars``; ``None`` when
    not given); ``sentences`` counts the sentences with the theme and
    ``sentence_share`` divides them by all sentences of the document; ``reliable`` is
    False under ``reliable_hits`` hits (the measures rest on a few sentences).
    Themes without hits are omitted; rows follow taxonomy order.

    >>> themes = [Theme("妇女健康", "妇女纲要·健康", ("两癌",)), Theme("托育", "交叉议题", ("托育",))]
    >>> row = document_theme_table("d1", [{"妇女健康": 3}, {"妇女健康": 1}, {}, {}], themes, chars=200)[0]
    >>> row["hits"], row["share"], row["rate"], row["sentences"], row["sentence_share"], row["reliable"]
    (4, 1.0, 200.0, 2, 0.5, False)
    """
    totals: dict[str, int] = {}
    with_theme: dict[str, int] = {}
    for hits in sentence_hits:
        if not hits:
            continue  # most sentences: no theme
        for name, n in hits.items():
            totals[name] = totals.get(name, 0) + n
            if n > 0:
                with_theme[name] = with_theme.get(name, 0) + 1
    grand_total = sum(totals.get(theme.name, 0) for theme in themes)
    n_sentences = len(sentence_hits)
    rows = []
    for theme in themes:
        theme_hits = totals.get(theme.name, 0)
        if theme_hits <= 0:
            continue
        rows.append(
            {
                "doc_id": doc_id,
                "theme": theme.name,
                "field": theme.field,
                "hits": theme_hits,
                "share": theme_hits / grand_total,
                "rate": theme_hits * 10_000 / chars if chars else None,
                "sentences": with_theme.get(theme.name, 0),
                "sentence_share": with_theme.get(theme.name, 0) / n_sentences if n_sentences else None,
                "reliable": theme_hits >= reliable_hits,
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


def wilson_interval(successes: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval (95 % by default) for a proportion ``successes / n``.

    Used for the precision of a theme or term from a coded validation sample: with few
    coded sentences the interval is wide, which is the honest statement.

    >>> low, high = wilson_interval(45, 50)
    >>> round(low, 3), round(high, 3)
    (0.786, 0.957)
    >>> wilson_interval(0, 0)
    (0.0, 1.0)
    """
    if n <= 0:
        return (0.0, 1.0)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


# ---------------------------------------------------------------------------------------------
# validating a lexicon: a coded sample, precision with intervals, term counts, suggestions
# ---------------------------------------------------------------------------------------------

#: Verdicts a coder may type in the ``verdict`` column of a validation sheet (case-insensitive).
CORRECT_CODES = frozenset({"correct", "right", "yes", "y", "1", "true", "对", "正确", "是", "✓", "√"})
WRONG_CODES = frozenset({"wrong", "incorrect", "no", "n", "0", "false", "错", "错误", "否", "✗", "×", "x"})

SHEET_COLUMNS = ("sample_id", "doc_id", "sentence_id", "title", "city", "year", "theme", "terms", "sentence",
                 "verdict", "note")


def check_theme_name(name: str, themes: Sequence[Theme] | Sequence[str]) -> str:
    """Return ``name`` if it is a theme, else raise ``ValueError`` with the closest names.

    >>> check_theme_name("托育与生育支持", load_taxonomy())
    '托育与生育支持'
    >>> check_theme_name("托育", load_taxonomy())
    Traceback (most recent call last):
    ...
    ValueError: unknown theme '托育'; did you mean: 托育与生育支持?
    """
    import difflib

    names = [t.name if isinstance(t, Theme) else str(t) for t in themes]
    if name in names:
        return name
    close = [n for n in names if name and name in n] or difflib.get_close_matches(name, names, n=3, cutoff=0.3)
    hint = f"; did you mean: {', '.join(close[:3])}?" if close else f"; themes: {', '.join(names)}"
    raise ValueError(f"unknown theme {name!r}{hint}")


def mark_terms(sentence: str, terms: Iterable[str], left: str = "【", right: str = "】") -> str:
    """The sentence with every occurrence of the matched terms bracketed, for a coder to see.

    Overlapping occurrences share one bracket (普惠托育 and 托育服务 in 【普惠托育服务】).

    >>> mark_terms("发展普惠托育，办好社区托育点", ["普惠托育", "社区托育"])
    '发展【普惠托育】，办好【社区托育】点'
    >>> mark_terms("加快发展普惠托育服务", ["普惠托育", "托育服务"])
    '加快发展【普惠托育服务】'
    """
    spans: list[list[int]] = []
    for term in set(t for t in terms if t):
        i = sentence.find(term)
        while i != -1:
            spans.append([i, i + len(term)])
            i = sentence.find(term, i + 1)
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if merged and a < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    out, pos = [], 0
    for a, b in merged:
        out.append(sentence[pos:a] + left + sentence[a:b] + right)
        pos = b
    return "".join(out) + sentence[pos:]


def _require_terms_column(sentence_themes) -> None:
    if "terms" not in sentence_themes.columns:
        raise ValueError("sentence_themes has no 'terms' column (written by speechkit < issue 18): "
                         "re-run `speechkit analyze` on this folder")


def validation_sample(sentence_themes, sentences, documents, theme: str, n: int = 50, seed: int = 18):
    """A seeded random sample of ``n`` sentences tagged with ``theme``, ready to code.

    Inputs are the ``sentence_themes``, ``sentences`` and ``documents`` tables of a processed
    folder. Columns: :data:`SHEET_COLUMNS` — ``terms`` are the matched terms (joined with 、),
    ``sentence`` has them bracketed 【…】, ``verdict`` is empty for the coder to fill with
    correct / wrong (对 / 错). The same seed gives the same sample.
    """
    import pandas as pd

    _require_terms_column(sentence_themes)
    tagged = sentence_themes[sentence_themes["theme"] == theme]
    if tagged.empty:
        return pd.DataFrame(columns=list(SHEET_COLUMNS))
    picked = tagged.sample(n=min(n, len(tagged)), random_state=seed).sort_values(["doc_id", "sentence_id"])
    picked = picked.merge(sentences[["doc_id", "sentence_id", "text"]], on=["doc_id", "sentence_id"], how="left")
    keep = [c for c in ("doc_id", "title", "city", "year") if c in documents.columns]
    picked = picked.merge(documents[keep], on="doc_id", how="left")
    rows = []
    for i, r in enumerate(picked.itertuples(index=False), start=1):
        terms = [str(t) for t in (r.terms if r.terms is not None else [])]
        rows.append({
            "sample_id": i, "doc_id": r.doc_id, "sentence_id": int(r.sentence_id),
            "title": getattr(r, "title", None), "city": getattr(r, "city", None), "year": getattr(r, "year", None),
            "theme": theme, "terms": "、".join(dict.fromkeys(terms)),
            "sentence": mark_terms(str(r.text), terms), "verdict": "", "note": "",
        })
    return pd.DataFrame(rows, columns=list(SHEET_COLUMNS))


def write_validation_sheet(sample, path: Path) -> list[Path]:
    """Write a validation sample as ``path`` (.xlsx: the matched terms in red bold, a correct/wrong
    drop-down in ``verdict``, a second sheet saying how to code) and a UTF-8 CSV twin beside it
    (terms bracketed 【…】); both atomically. Returns the paths written."""
    import io as _io

    from openpyxl import Workbook
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    from speechkit.io import atomic_write_bytes

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        path = path.with_suffix(".xlsx")
    book = Workbook()
    sheet = book.active
    sheet.title = "validate"
    columns = list(SHEET_COLUMNS)
    sheet.append(columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEEEEE")
    red = InlineFont(b=True, color="C00000")
    s_col = columns.index("sentence")
    for row in sample.itertuples(index=False):
        values = []
        for col in columns:
            value = getattr(row, col)
            if value is None or (isinstance(value, float) and value != value):
                value = None
            elif hasattr(value, "item"):
                value = value.item()
            values.append(value)
        sheet.append(values)
        cell = sheet.cell(row=sheet.max_row, column=s_col + 1)
        parts = str(values[s_col] or "").replace("】", "【").split("【")
        if len(parts) > 1:
            cell.value = CellRichText([TextBlock(red, part) if k % 2 else part for k, part in enumerate(parts) if part])
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    if len(sample):
        check = DataValidation(type="list", formula1='"correct,wrong"', allow_blank=True, errorStyle="warning")
        sheet.add_data_validation(check)
        letter = sheet.cell(row=1, column=columns.index("verdict") + 1).column_letter
        check.add(f"{letter}2:{letter}{len(sample) + 1}")
    sheet.column_dimensions[sheet.cell(row=1, column=s_col + 1).column_letter].width = 80
    sheet.column_dimensions[sheet.cell(row=1, column=columns.index("title") + 1).column_letter].width = 24
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("how to code")
    for line in (
        "Read each sentence and decide whether it is about the theme (not whether the word appears).",
        "Type correct or wrong in the verdict column (对/错 and 1/0 also work); leave a row blank to skip it.",
        "Then: speechkit themes score THIS_FILE.xlsx — precision per theme and per term with a 95 % Wilson interval.",
    ):
        notes.append([line])
    buffer = _io.BytesIO()
    book.save(buffer)
    csv_path = path.with_suffix(".csv")
    atomic_write_bytes(path, buffer.getvalue())
    atomic_write_bytes(csv_path, sample.to_csv(index=False).encode("utf-8-sig"))
    return [path, csv_path]


def read_coded_sheet(path: Path):
    """Read a coded validation sheet (.xlsx or .csv written by :func:`write_validation_sheet`).

    Raises ``ValueError`` naming the file when a column is missing or a verdict is not one of
    :data:`CORRECT_CODES` / :data:`WRONG_CODES` (blank = not coded).
    """
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            df = pd.read_excel(path, sheet_name=0, dtype=object)
        except Exception as exc:  # a damaged or foreign workbook
            raise ValueError(f"{path}: not a readable .xlsx workbook ({exc})") from exc
    else:
        df = pd.read_csv(path, dtype=object, encoding="utf-8-sig")
    missing = [c for c in ("theme", "terms", "verdict") if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing}; expected a sheet written by `speechkit themes validate`")
    codes: list[bool | None] = []
    for i, value in enumerate(df["verdict"], start=2):
        text = "" if value is None or (isinstance(value, float) and value != value) else str(value).strip().lower()
        if text.endswith(".0"):
            text = text[:-2]
        if not text:
            codes.append(None)
        elif text in CORRECT_CODES:
            codes.append(True)
        elif text in WRONG_CODES:
            codes.append(False)
        else:
            raise ValueError(f"{path}: row {i}: verdict {value!r} is neither correct nor wrong "
                             "(use correct/wrong, 对/错 or 1/0; leave blank to skip)")
    df = df.assign(correct=codes)
    return df


def score_coded_sheet(coded):
    """Precision per theme and per term of a coded sheet, with 95 % Wilson intervals.

    Returns ``(by_theme, by_term)`` DataFrames with ``coded``, ``correct``, ``precision``,
    ``ci_low``, ``ci_high`` (and ``uncoded`` per theme). A row whose sentence matched several
    terms counts for each of them.

    >>> import pandas as pd
    >>> sheet = pd.DataFrame({"theme": ["托育与生育支持"] * 3, "terms": ["托育", "托育、托位", "生育"],
    ...                       "correct": [True, True, False]})
    >>> by_theme, by_term = score_coded_sheet(sheet)
    >>> by_theme[["coded", "correct"]].iloc[0].tolist(), round(float(by_theme["precision"].iloc[0]), 3)
    ([3, 2], 0.667)
    >>> by_term.set_index("term")["coded"].to_dict()
    {'托育': 2, '托位': 1, '生育': 1}
    """
    import pandas as pd

    def summarise(frame, key):
        rows = []
        for name, g in frame.groupby(key, sort=False):
            done = g[g["correct"].notna()]
            k, n = int((done["correct"] == True).sum()), len(done)  # noqa: E712 — object column
            low, high = wilson_interval(k, n)
            rows.append({key: name, "coded": n, "correct": k, "precision": k / n if n else float("nan"),
                         "ci_low": low, "ci_high": high, "uncoded": len(g) - n})
        out = pd.DataFrame(rows, columns=[key, "coded", "correct", "precision", "ci_low", "ci_high", "uncoded"])
        return out.sort_values(["coded", key], ascending=[False, True], kind="stable").reset_index(drop=True)

    by_theme = summarise(coded, "theme")
    terms = coded.assign(term=coded["terms"].fillna("").astype(str).str.split("、")).explode("term")
    terms = terms[terms["term"].astype(str).str.len() > 0]
    by_term = summarise(terms, "term")
    if len(by_term):
        owner = terms.drop_duplicates("term").set_index("term")["theme"]
        by_term.insert(1, "theme", by_term["term"].map(owner))
    return by_theme, by_term


def term_table(sentence_themes, documents, theme: str, top_docs: int = 3):
    """How often each term of ``theme`` fired and where: ``term``, ``hits``, ``sentences``, ``docs``,
    ``share`` (of the theme's hits) and ``where`` (the documents with most hits of the term)."""
    import pandas as pd

    _require_terms_column(sentence_themes)
    rows = sentence_themes[sentence_themes["theme"] == theme][["doc_id", "sentence_id", "terms"]]
    columns = ["term", "hits", "sentences", "docs", "share", "where"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    long = rows.explode("terms").dropna(subset=["terms"]).rename(columns={"terms": "term"})
    label = {}
    if len(documents):
        for d in documents.itertuples(index=False):
            parts = [str(x) for x in (getattr(d, "city", None), getattr(d, "year", None), getattr(d, "title", None))
                     if x is not None and str(x) not in ("", "nan", "<NA>", "None")]
            label[d.doc_id] = " ".join(parts[:2]) or str(getattr(d, "title", "") or d.doc_id)
    total = len(long)
    out = []
    for term, g in long.groupby("term", sort=False):
        per_doc = g["doc_id"].value_counts()
        where = "；".join(f"{label.get(doc, doc)} ({n})" for doc, n in per_doc.head(top_docs).items())
        out.append({"term": term, "hits": len(g), "sentences": g[["doc_id", "sentence_id"]].drop_duplicates().shape[0],
                    "docs": int(per_doc.size), "share": len(g) / total, "where": where})
    return pd.DataFrame(out, columns=columns).sort_values(["hits", "term"], ascending=[False, True]).reset_index(drop=True)


def _g2(a: float, b: float, c: float, d: float) -> float:
    """Log-likelihood G² of a 2×2 table [[a, b], [c, d]]."""
    n = a + b + c + d
    total = 0.0
    for obs, row, col in ((a, a + b, a + c), (b, a + b, b + d), (c, c + d, a + c), (d, c + d, b + d)):
        expected = row * col / n if n else 0.0
        if obs > 0 and expected > 0:
            total += obs * math.log(obs / expected)
    return 2 * total


def suggest_terms(tokens, sentence_themes, sentences, theme: Theme, top: int = 20, min_count: int = 5,
                  stopwords: Iterable[str] = (), examples: int = 2):
    """Candidate terms for ``theme``: words that occur in the theme's sentences far more than chance.

    For every content token, a 2×2 table over sentences (token present / absent × sentence tagged
    with the theme / not) gives G² (log-likelihood) and PMI = log2(P(token | tagged) / P(token)).
    Tokens that are already terms of the theme (or contain one) are left out; a candidate must occur
    ``min_count`` times in tagged sentences and at least once in untagged ones — the sentences it
    would add, of which ``examples`` are shown for the researcher to judge. Returns ``term``,
    ``tagged`` (sentences with the theme containing it), ``untagged`` (the sentences it would
    newly tag), ``g2``, ``pmi`` and ``examples``.
    """
    import pandas as pd

    columns = ["term", "tagged", "untagged", "g2", "pmi", "examples"]
    tagged_keys = set(map(tuple, sentence_themes.loc[sentence_themes["theme"] == theme.name,
                                                     ["doc_id", "sentence_id"]].itertuples(index=False)))
    if not tagged_keys:
        return pd.DataFrame(columns=columns)
    skip = set(stopwords)
    terms = [t for t in theme.terms]
    in_tagged: Counter[str] = Counter()
    in_other: Counter[str] = Counter()
    other_examples: dict[str, list[tuple[str, int]]] = {}
    n_tagged = n_other = 0
    for doc_id, sid, toks in tokens[["doc_id", "sentence_id", "tokens"]].itertuples(index=False):
        words = {t for t in (toks if toks is not None else []) if len(t) >= 2 and t not in skip}
        if (doc_id, sid) in tagged_keys:
            n_tagged += 1
            in_tagged.update(words)
        else:
            n_other += 1
            in_other.update(words)
            for w in words:
                lst = other_examples.setdefault(w, [])
                if len(lst) < examples:
                    lst.append((doc_id, int(sid)))
    n = n_tagged + n_other
    rows = []
    for word, a in in_tagged.items():
        b = in_other.get(word, 0)
        if a < min_count or b < 1 or any(term in word for term in terms):
            continue
        if a / n_tagged <= b / max(1, n_other):
            continue  # not over-represented in the theme's sentences
        rows.append({"term": word, "tagged": a, "untagged": b, "g2": _g2(a, b, n_tagged - a, n_other - b),
                     "pmi": math.log2((a / n_tagged) / ((a + b) / n))})
    out = pd.DataFrame(rows, columns=columns[:-1]).sort_values(["g2", "term"], ascending=[False, True]).head(top)
    if len(out):
        text = sentences.set_index(["doc_id", "sentence_id"])["text"]
        out["examples"] = [" ‖ ".join(mark_terms(str(text.get(key, "")), [w]) for key in other_examples.get(w, []))
                           for w in out["term"]]
    else:
        out["examples"] = []
    return out.reset_index(drop=True)[columns]


# --- focus: which of the themes a sentence names it is about ----------------------------------

#: Clause separators inside a sentence: the first clause is its head; a clause with 、 is an enumeration.
_CLAUSE_SEPARATOR_RE = re.compile("[，；：,;:]")
_LIST_MARK_RE = re.compile("、")
_FOLDED_TERMS: dict[str, str] = {}  # term -> _fold(term): the lexicon's terms, folded once


def _folded_term(term: str) -> str:
    """``_fold(term)``, remembered (a term is folded once, not at every hit)."""
    folded_term = _FOLDED_TERMS.get(term)
    if folded_term is None:
        folded_term = _fold(term)
        if len(_FOLDED_TERMS) < 100_000:
            _FOLDED_TERMS[term] = folded_term
    return folded_term


@dataclass(frozen=True)
class Focus:
    """Which of the themes a sentence names the sentence is *about* (``[focus]`` in ``themes.toml``).

    A dictionary tags every theme a sentence names; a long 政府工作报告 sentence that lists ten
    lines of work then carries ten themes although it is about one or two. Each term hit weighs
    1, times ``head_weight`` when it stands in the sentence's first clause (before the first
    ，；：, where these sentences state what they are about), times ``list_weight`` when it
    is an item of an enumeration (a clause of items joined by 、, up to 等 after the last item: in
    推进新能源、新材料等领域关键核心技术攻关 the head noun after 等 is no item); a theme is kept when its summed weight is at
    least ``min_share`` × that of the sentence's heaviest theme. ``min_share = 0`` keeps every
    theme named (a count of mentions). A *weak* term of a theme (``weak`` in the lexicon: a word
    that alone only touches the theme, such as 融资 or 监督) weighs ``weak_weight`` instead of 1, and a
    theme is kept only when the distinct terms it was named by weigh ``min_weight`` together (one
    strong term, or enough weak ones; position does not count here).

    >>> focus = Focus(head_weight=2.0, list_weight=0.5, min_share=0.5)
    >>> sorted(focus.select("深化医药卫生体制改革，提高基本医保和大病保险水平", {"改革": ["改革"], "民生": ["医保", "大病保险"]}))
    ['改革', '民生']
    >>> sorted(focus.select("推进乡村全面振兴，建好农田、道路、养老服务站", {"农业": ["乡村全面振兴", "农田"], "城市": ["道路"], "民生": ["养老服务"]}))
    ['农业']
    >>> weak = Focus(weak_weight=0.5, min_weight=1.0)
    >>> weak.select("完善项目监督机制", {"政府": ["监督"]}, {"政府": frozenset({"监督", "审计"})})
    {}
    >>> weak.select("加强审计监督", {"政府": ["审计", "监督"]}, {"政府": frozenset({"监督", "审计"})})
    {'政府': ['审计', '监督']}
    """

    head_weight: float = 1.0
    list_weight: float = 1.0
    min_share: float = 0.0
    weak_weight: float = 1.0
    min_weight: float = 0.0

    def weights(self, sentence: str, found: dict[str, list[str]],
                weak: Mapping[str, frozenset[str]] | None = None) -> dict[str, float]:
        """Theme → summed weight of its hits in ``sentence`` (``found``: theme → matched terms in order;
        ``weak``: theme → its weak terms, folded).

        A character's clause is the number of separators before it (a separator ends its clause); a
        hit is in an enumeration when a 、 stands in its clause and the hit comes before the 等 that
        follows the clause's last 、 (the items end there). Both come from the separators' and marks'
        positions (bisect), not from a pass over every character.

        >>> Focus(head_weight=2.0, list_weight=0.5).weights("推进乡村振兴，建好农田、道路", {"农业": ["乡村振兴", "农田"]})
        {'农业': 2.5}
        >>> Focus(list_weight=0.5).weights("建好农田、道路等设施，推进乡村振兴", {"农业": ["设施", "农田"]})
        {'农业': 1.5}
        """
        separators = [m.start() for m in _CLAUSE_SEPARATOR_RE.finditer(sentence)]
        marks = [m.start() for m in _LIST_MARK_RE.finditer(sentence)] if "、" in sentence else []
        n_sep = len(separators)
        folded = _fold(sentence)
        head_weight, list_weight, weak_weight = self.head_weight, self.list_weight, self.weak_weight
        out: dict[str, float] = {}
        for theme, terms in found.items():
            total, at = 0.0, -1
            weak_terms = weak.get(theme, frozenset()) if weak else frozenset()
            for term in terms:
                folded_term = _folded_term(term)
                pos = folded.find(folded_term, at + 1)
                if pos < 0:
                    pos = folded.find(folded_term)
                w = weak_weight if folded_term in weak_terms else 1.0
                if pos >= 0:
                    at = pos
                    clause = bisect.bisect_left(separators, pos) if n_sep else 0
                    if clause == 0:
                        w *= head_weight
                    if marks:  # the clause's last 、 lies after the separator that opens it, before the one that ends it
                        lo = separators[clause - 1] if clause else -1
                        hi = separators[clause] if clause < n_sep else len(sentence)
                        j = bisect.bisect_left(marks, hi)
                        if j and marks[j - 1] > lo:
                            cut = sentence.find("等", marks[j - 1], hi)
                            if cut < 0 or pos < cut:
                                w *= list_weight
                total += w
            out[theme] = total
        return out

    def select(self, sentence: str, found: dict[str, list[str]],
               weak: Mapping[str, frozenset[str]] | None = None) -> dict[str, list[str]]:
        """The themes of ``found`` the sentence is about (same mapping, the others dropped)."""
        if self.min_weight > 0 and weak:
            bar = self.min_weight - 1e-9
            # a theme without weak terms weighs its number of distinct terms (≥ 1): it passes a bar ≤ 1 as it is
            if bar > 1 or not weak.keys().isdisjoint(found):
                found = {theme: terms for theme, terms in found.items()
                         if (bar <= 1 and theme not in weak) or self._term_weight(theme, terms, weak) >= bar}
        if len(found) < 2 or self.min_share <= 0:
            return found
        weights = self.weights(sentence, found, weak)
        bar = self.min_share * max(weights.values()) - 1e-9
        return {theme: terms for theme, terms in found.items() if weights[theme] >= bar}

    def _term_weight(self, theme: str, terms: list[str], weak: Mapping[str, frozenset[str]]) -> float:
        """The summed weight of the distinct terms a theme was named by (weak ones weigh ``weak_weight``)."""
        weak_terms = weak.get(theme, frozenset())
        return sum(self.weak_weight if t in weak_terms else 1.0 for t in {_folded_term(t) for t in terms})


def _read_focus(path: Path) -> dict[str, float]:
    path = Path(path)
    data = _read_toml(path)
    raw = data.get("focus", {})
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: 'focus' must be a table ([focus])")
    unknown = set(raw) - {"head_weight", "list_weight", "min_share", "weak_weight", "min_weight", "note"}
    if unknown:
        raise ValueError(f"{path}: [focus]: unknown keys {sorted(unknown)}")
    out: dict[str, float] = {}
    for key in ("head_weight", "list_weight", "min_share", "weak_weight", "min_weight"):
        if key in raw:
            value = raw[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 \
                    or (key == "min_share" and value > 1):
                raise ValueError(f"{path}: [focus] {key} must be a number ≥ 0"
                                 + (" and ≤ 1" if key == "min_share" else "") + f", got {value!r}")
            out[key] = float(value)
    return out


@dataclass(frozen=True)
class Matching:
    """The ``[matching]`` table of the theme file: how terms are found beyond the token boundaries.

    ``suffixes``: one-character word endings that jieba glues to the word before (公路网, 畜牧业,
    效能型) — a token of 3+ characters ending in one has a token boundary before it, so 公路 / 畜牧 /
    效能 count there. ``procedure``: openings of a speech's procedural sentences (刚才，…作了报告;
    参加今天会议的有…) — a sentence that starts with one (after a leading 同志们：) says who spoke or
    came, and gets no theme whatever organisations it names. ``dateline``: a pattern for the opening
    of a sentence that dates the year (今年是, 2024年是) and ``dateline_ends``, the words that close
    such a clause (之年, 一年, 周年): terms in the clauses up to the last one that holds such a word
    do not count (今年是全面深化改革的重要一年 has no theme; a statement after it keeps its own).
    ``rhetoric``: phrases that make a sentence rhetoric wherever they stand in it — the thanks and
    salutes of a report (向人大代表、政协委员，向驻地部队…表示衷心感谢！) name organisations, not work: no theme.

    >>> m = load_matching()
    >>> "网" in m.suffixes, m.is_procedure("同志们：刚才，市妇联作了工作报告")
    (True, True)
    >>> m.dateline_end("今年是全面深化改革的重要一年，我们要抓好项目建设")
    15
    >>> m.is_procedure("向各位人大代表、政协委员，向驻市部队官兵，表示衷心的感谢！")
    True
    """

    suffixes: tuple[str, ...] = ()
    procedure: tuple[str, ...] = ()
    dateline: str = ""
    dateline_ends: tuple[str, ...] = ()
    rhetoric: tuple[str, ...] = ()

    def dateline_end(self, sentence: str) -> int:
        """Where the dateline clauses of ``sentence`` end (0 when it does not open with one)."""
        if not self.dateline or not self.dateline_ends or not re.match(self.dateline, sentence):
            return 0
        cut, at = 0, 0
        for clause in _CLAUSE_END_RE.finditer(sentence):
            if any(w in sentence[at:clause.end()] for w in self.dateline_ends):
                cut = clause.end()
            at = clause.end()
        if at < len(sentence) and any(w in sentence[at:] for w in self.dateline_ends):
            cut = len(sentence)
        return cut

    def is_procedure(self, sentence: str) -> bool:
        """True when ``sentence`` opens with one of the ``procedure`` phrases or holds a ``rhetoric`` one."""
        if self.rhetoric and _phrases_re(self.rhetoric).search(sentence):  # one scan for every phrase
            return True
        if not self.procedure:
            return False
        head = _PROCEDURE_LEAD_RE.sub("", sentence, count=1)
        return head.startswith(self.procedure)


@functools.lru_cache(maxsize=1024)
def _phrases_re(phrases: tuple[str, ...]) -> "re.Pattern[str]":
    """One pattern that finds any of ``phrases`` (literal text)."""
    return re.compile("|".join(map(re.escape, sorted(phrases, key=len, reverse=True))))


_CLAUSE_END_RE = re.compile("[，,；;。！？!?]")
_PROCEDURE_LEAD_RE = re.compile(r"^[\s　]*(?:同志们[:：,，!！]?[\s　]*)?")


def load_matching(path: Path | None = None, extra: Path | None = None) -> Matching:
    """The ``[matching]`` table of the theme file (``extra`` adds to its lists); see :class:`Matching`.

    >>> "刚才" in load_matching().procedure
    True
    """
    found: dict[str, list[str]] = {"suffixes": [], "procedure": [], "dateline_ends": [], "rhetoric": []}
    dateline = ""
    for where in (Path(path) if path is not None else _bundled_taxonomy_path(), extra):
        if where is None:
            continue
        raw = _read_toml(Path(where)).get("matching", {})
        if not isinstance(raw, dict):
            raise ValueError(f"{where}: 'matching' must be a table ([matching])")
        unknown = set(raw) - {"suffixes", "procedure", "dateline", "dateline_ends", "rhetoric", "note"}
        if unknown:
            raise ValueError(f"{where}: [matching]: unknown keys {sorted(unknown)}")
        if "dateline" in raw:
            if not isinstance(raw["dateline"], str):
                raise ValueError(f"{where}: [matching] dateline must be a regular expression (a string)")
            try:
                re.compile(raw["dateline"])
            except re.error as exc:
                raise ValueError(f"{where}: [matching] dateline is not a valid regular expression: {exc}") from exc
            dateline = raw["dateline"]
        for key, values in found.items():
            value = raw.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise ValueError(f"{where}: [matching] {key} must be a list of non-empty strings")
            if key == "suffixes" and any(len(v.strip()) != 1 for v in value):
                raise ValueError(f"{where}: [matching] suffixes must be single characters, got {value!r}")
            values.extend(v.strip() for v in value)
    return Matching(tuple(dict.fromkeys(found["suffixes"])), tuple(dict.fromkeys(found["procedure"])),
                    dateline, tuple(dict.fromkeys(found["dateline_ends"])), tuple(dict.fromkeys(found["rhetoric"])))


def load_focus(path: Path | None = None, extra: Path | None = None) -> Focus | None:
    """The ``[focus]`` table of the theme file (``extra`` overrides its keys); ``None`` when neither
    file has one (every theme a sentence names counts).

    >>> load_focus().min_share > 0
    True
    """
    main_path = Path(path) if path is not None else _bundled_taxonomy_path()
    values = _read_focus(main_path)
    if extra is not None:
        values.update(_read_focus(Path(extra)))
    return Focus(**values) if values else None
