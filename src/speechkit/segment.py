"""Sentence splitting and word segmentation tuned to Chinese government speeches.

The segmenter loads the bundled domain dictionary (``data/domain_dict.txt``) so that
policy phrases such as 男女平等基本国策 or 家庭家教家风 stay whole, and the bundled
stopword list (``data/stopwords.txt``) to strip speech filler from content tokens.
Both can be extended with user files in the same formats.
"""

from __future__ import annotations

from typing import cast

import hashlib
import importlib.metadata
import importlib.resources
import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "SENTENCE_END",
    "REDACTION_MARKS",
    "BACKENDS",
    "DictEntry",
    "split_sentences",
    "read_user_dict",
    "load_stopwords",
    "is_redaction",
    "is_number",
    "Segmenter",
]

#: Characters that end a sentence: Chinese and ASCII full stops, exclamation and
#: question marks, semicolons, and line breaks.
SENTENCE_END = "。！？；!?;\n\r"

#: Characters used in scraped pages to stand for a removed name or number
#: (``*市``, ``**同志``, ``〔*〕区``, ``_总书记``, ``××县``, ``○○同志``).
REDACTION_MARKS = frozenset("*＊_＿×〔〕○")

#: Segmentation backends understood by :class:`Segmenter`.
BACKENDS = ("jieba", "rjieba")

# Closing quotes and brackets that belong to the sentence they close: 他说：“好。”
_CLOSERS = "”’」』）)》〉】〕\"'"

_SENTENCE_RE = re.compile(
    "[^" + re.escape(SENTENCE_END) + "]*"
    "(?:[" + re.escape(SENTENCE_END) + "]+[" + re.escape(_CLOSERS) + "]*)?"
)

_NUMBER_RE = re.compile(r"^[+\-−]?[0-9０-９][0-9０-９.,．，%％‰:：/\-－—–~～]*$")
_SINGLE_LATIN_RE = re.compile(r"^[A-Za-zＡ-Ｚａ-ｚ]$")
_POS_RE = re.compile(r"^[A-Za-z]{1,4}$")


def _data_file(name: str) -> Path:
    return Path(str(importlib.resources.files("speechkit") / "data" / name))


# a character for which str.isalnum() holds: re's Unicode \w is exactly isalnum() or "_"
_WORD_CHAR = re.compile(r"[^\W_]")


def _has_word_char(text: str) -> bool:
    """True when some character of ``text`` is a letter or digit (``any(ch.isalnum() for ch in text)``,
    as one regex search).

    >>> _has_word_char("“”|"), _has_word_char("”好"), _has_word_char("_—")
    (False, True, False)
    """
    return _WORD_CHAR.search(text) is not None


def split_sentences(text: str) -> list[tuple[int, int, str]]:
    """Split text into sentences with character offsets.

    A sentence ends at 。！？；!?; or a line break; closing quotes and brackets right
    after the end mark stay with the sentence. Each sentence is stripped of
    surrounding whitespace, and ``text[start:end] == sentence`` holds. Pieces without
    any letter or digit (a lone ``”`` or ``|``) are dropped.

    >>> split_sentences("要抓好两癌筛查。他说：“办实事！”\\n下面讲三点")
    [(0, 8, '要抓好两癌筛查。'), (8, 17, '他说：“办实事！”'), (18, 23, '下面讲三点')]
    """
    sentences: list[tuple[int, int, str]] = []
    for match in _SENTENCE_RE.finditer(text):
        piece = match.group()
        if not piece:
            continue
        stripped = piece.strip()
        if not stripped or not _has_word_char(stripped):
            continue
        start = match.start() + (len(piece) - len(piece.lstrip()))
        sentences.append((start, start + len(stripped), stripped))
    return sentences


@dataclass(frozen=True)
class DictEntry:
    """One line of a jieba-format user dictionary: ``word [freq] [pos]``."""

    word: str
    freq: int | None = None
    pos: str | None = None


def read_user_dict(path: Path) -> list[DictEntry]:
    """Read a jieba-format user dictionary (``word [freq] [pos]`` per line).

    Blank lines and lines starting with ``#`` are skipped. A malformed line raises
    ``ValueError`` naming the file and the line number.

    A file with the line ``男女平等基本国策 2000 n`` gives
    ``[DictEntry(word='男女平等基本国策', freq=2000, pos='n')]``.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: dictionary is not UTF-8 text ({exc.reason})") from exc
    entries: list[DictEntry] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        fields = stripped.split()
        if len(fields) > 3:
            raise ValueError(
                f"{path}:{lineno}: expected 'word [freq] [pos]', got {len(fields)} fields: {stripped!r}"
            )
        word = fields[0]
        freq: int | None = None
        pos: str | None = None
        if len(fields) >= 2:
            if not fields[1].isdigit() or int(fields[1]) <= 0:
                raise ValueError(
                    f"{path}:{lineno}: frequency must be a positive integer, got {fields[1]!r}"
                )
            freq = int(fields[1])
        if len(fields) == 3:
            if not _POS_RE.match(fields[2]):
                raise ValueError(
                    f"{path}:{lineno}: part-of-speech tag must be 1-4 Latin letters, got {fields[2]!r}"
                )
            pos = fields[2]
        if all(unicodedata.category(ch)[0] in "PSZ" for ch in word):
            raise ValueError(f"{path}:{lineno}: word {word!r} has no letters or digits")
        entries.append(DictEntry(word, freq, pos))
    return entries


def _read_word_list(path: Path) -> list[str]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: word list is not UTF-8 text ({exc.reason})") from exc
    words = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            words.append(stripped)
    return words


def load_stopwords(extra: Path | None = None) -> frozenset[str]:
    """Return the bundled stopwords plus those in ``extra`` (one word per line, ``#`` comments).

    >>> sw = load_stopwords()
    >>> "同志们" in sw, "两癌筛查" in sw
    (True, False)
    """
    words = set(_read_word_list(_data_file("stopwords.txt")))
    if extra is not None:
        words.update(_read_word_list(Path(extra)))
    return frozenset(words)


def is_redaction(token: str) -> bool:
    """True when a token consists only of redaction marks (``*``, ``**``, ``〔*〕``, ``_``, ``××``, ``○○``).

    >>> is_redaction("**"), is_redaction("〔*〕"), is_redaction("妇联")
    (True, True, False)
    """
    return bool(token) and all(ch in REDACTION_MARKS for ch in token)


def is_number(token: str) -> bool:
    """True for a token that is a number written in digits: ``2024``, ``3.5``, ``85%``, ``2021-2030``.

    >>> is_number("100%"), is_number("2021-2030"), is_number("十四五")
    (True, True, False)
    """
    return bool(_NUMBER_RE.match(token))


def _is_punctuation(token: str) -> bool:
    return all(unicodedata.category(ch)[0] in "PSZC" or ch.isspace() for ch in token)


def _backend_version(backend: str) -> str:
    try:
        return importlib.metadata.version(backend)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


_ASCII_JOINED = re.compile(r"[A-Za-z0-9]+(?:\.\d+)?%?|[^A-Za-z0-9]")  # jieba's HMM re_skip, then one char
_NEEDS_SPLIT = re.compile(r"[A-Za-z0-9][^A-Za-z0-9\u4e00-\u9fff]|[^A-Za-z0-9\u4e00-\u9fff][A-Za-z0-9]")


def _split_like_jieba(tokens: list[str]) -> list[str]:
    """rjieba keeps ASCII runs such as ``1-2``, ``Micro-LED`` or ``PM_2.5`` whole; jieba splits
    them at every non-alphanumeric character. Split them the jieba way so both backends agree.

    >>> _split_like_jieba(["PM_2.5", "浓度", "Micro-LED", "5.2%"])
    ['PM', '_', '2.5', '浓度', 'Micro', '-', 'LED', '5.2%']
    """
    out: list[str] = []
    for token in tokens:
        if len(token) > 1 and token.isascii() and _NEEDS_SPLIT.search(token) and not _ASCII_JOINED.fullmatch(token):
            out.extend(_ASCII_JOINED.findall(token))
        else:
            out.append(token)
    return out


# jieba's main dictionary (word -> frequency, total), read once per process and copied
# into each private Tokenizer: loading it takes about a second, copying it ~50 ms.
_JIEBA_BASE: tuple[dict[str, int], int] | None = None


def _make_tokenizer(backend: str):
    """A fresh tokenizer of ``backend`` with its main dictionary loaded (no user words)."""
    global _JIEBA_BASE
    if backend == "rjieba":
        import rjieba

        return rjieba.Jieba()
    import jieba

    if _JIEBA_BASE is None:
        base = jieba.Tokenizer()
        logger = jieba.default_logger
        level = logger.level
        logger.setLevel(logging.WARNING)  # jieba announces dictionary loading on stderr
        try:
            base.initialize()
        finally:
            logger.setLevel(level)
        _JIEBA_BASE = (dict(base.FREQ), base.total)
    tokenizer = jieba.Tokenizer()
    if hasattr(tokenizer, "FREQ") and hasattr(tokenizer, "initialized"):
        tokenizer.FREQ = dict(_JIEBA_BASE[0])
        tokenizer.total = _JIEBA_BASE[1]
        tokenizer.initialized = True
    return tokenizer


_REDACTION_CHARS = "".join(sorted(REDACTION_MARKS))


class Segmenter:
    """Word segmenter with the speechkit domain dictionary and stopwords.

    ``backend`` is ``'jieba'`` (a private ``jieba.Tokenizer``, not the global one) or
    ``'rjieba'`` (a private ``rjieba.Jieba``). ``user_dict`` adds words in jieba
    user-dict format (``word [freq] [pos]``); ``stopwords`` adds stopwords (one per
    line) to the bundled list. Dictionaries are validated at construction and loaded
    into the backend once, on the first call to :meth:`cut`.

    >>> seg = Segmenter()
    >>> seg.cut("坚持男女平等基本国策")
    ['坚持', '男女平等基本国策']
    """

    def __init__(
        self,
        backend: str = "jieba",
        user_dict: Path | None = None,
        stopwords: Path | None = None,
    ) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"unknown segmentation backend {backend!r}; choose one of {BACKENDS}")
        self.backend = backend
        domain_path = _data_file("domain_dict.txt")
        self.dictionary_paths: tuple[Path, ...] = (domain_path,) + (
            (Path(user_dict),) if user_dict is not None else ()
        )
        # Validate now so a bad user file fails early, with its line number.
        self._entries: list[DictEntry] = []
        for path in self.dictionary_paths:
            self._entries.extend(read_user_dict(path))
        self.stopwords: frozenset[str] = load_stopwords(stopwords)
        self.fingerprint: str = self._compute_fingerprint(stopwords)
        self._tokenizer = None
        self._content_memo: dict[str, str] = {}

    def _compute_fingerprint(self, extra_stopwords: Path | None) -> str:
        digest = hashlib.sha1()
        digest.update(f"backend={self.backend} {_backend_version(self.backend)}\n".encode())
        for path in self.dictionary_paths:
            digest.update(b"\0dict\0")
            digest.update(path.read_bytes())
        digest.update(b"\0stopwords\0")
        digest.update(_data_file("stopwords.txt").read_bytes())
        if extra_stopwords is not None:
            digest.update(b"\0stopwords\0")
            digest.update(Path(extra_stopwords).read_bytes())
        return digest.hexdigest()

    def _load(self):
        if self._tokenizer is None:
            tokenizer = _make_tokenizer(self.backend)
            for entry in self._entries:
                tokenizer.add_word(entry.word, entry.freq, entry.pos)
            self._tokenizer = tokenizer
        return self._tokenizer

    def cut(self, sentence: str) -> list[str]:
        """Segment a sentence into raw tokens (punctuation, spaces and marks included).

        >>> Segmenter().cut("开展两癌筛查")
        ['开展', '两癌筛查']
        """
        return self.cut_many([sentence])[0]

    def cut_many(self, sentences: list[str]) -> list[list[str]]:
        """``[self.cut(s) for s in sentences]``, with the per-call lookups done once for the whole list
        (what the analyze stage calls once per document).

        One rjieba call over a whole document, its tokens handed back to the sentences by offset, was
        measured too (issue 17): no faster — rjieba's cost per call is small beside the offset
        bookkeeping in Python — so the sentences are segmented one by one.

        >>> seg = Segmenter("rjieba")
        >>> seg.cut_many(["要切实推进普惠托育服务。", "PM_2.5浓度下降"])
        [['要', '切实', '推进', '普惠托育服务', '。'], ['PM', '_', '2.5', '浓度', '下降']]
        """
        cut = self._load().cut
        if self.backend == "jieba":
            return [list(cut(sentence)) for sentence in sentences]
        # every token is a piece of the sentence: one with nothing to split needs no per-token check
        needs_split = _NEEDS_SPLIT.search
        return [_split_like_jieba(cut(s)) if needs_split(s) else cut(s) for s in sentences]

    def is_content(self, token: str) -> bool:
        """True for a token worth counting: not a stopword, punctuation, space, number,
        single Latin letter or redaction mark.

        >>> seg = Segmenter()
        >>> seg.is_content("托育服务"), seg.is_content("切实"), seg.is_content("〔*〕")
        (True, False, False)
        """
        token = token.strip()
        return bool(
            token
            and token not in self.stopwords
            and not is_redaction(token)
            and not _is_punctuation(token)
            and not is_number(token)
            and not _SINGLE_LATIN_RE.match(token)
        )

    def content_tokens(self, sentence: str) -> list[str]:
        """Tokens of a sentence with stopwords, punctuation, whitespace, numbers,
        single Latin letters and redaction marks removed.

        Redaction marks glued to a token are stripped from it, so ``_总书记`` never
        yields ``_``.

        >>> Segmenter().content_tokens("要切实推进〔*〕区普惠托育服务，新增托位300个。")
        ['普惠托育服务', '新增', '托位']
        """
        return self.content_of(self.cut(sentence))

    @property
    def dictionary_words(self) -> frozenset[str]:
        """The words of the domain and user dictionaries (the compounds they keep whole).

        >>> "普惠托育服务" in Segmenter().dictionary_words
        True
        """
        return frozenset(entry.word for entry in self._entries)

    def content_of(self, raw_tokens: list[str]) -> list[str]:
        """The content tokens among raw tokens of :meth:`cut` (what :meth:`content_tokens` keeps),
        for a caller that needs both the raw and the content tokens of a sentence.

        >>> seg = Segmenter()
        >>> seg.content_of(seg.cut("要切实推进普惠托育服务"))
        ['普惠托育服务']
        """
        return list(filter(None, self.content_values(raw_tokens)))

    def content_values(self, raw_tokens: list[str]) -> list[str]:
        """For every raw token, its content token (what :meth:`content_of` keeps) or ``""``: one
        value per raw token, so that a caller can tell which sentence each content token is from.

        >>> seg = Segmenter()
        >>> seg.content_values(["要", "切实", "推进", "普惠托育服务", "，"])
        ['', '', '', '普惠托育服务', '']
        """
        # tokens repeat a lot: a memo raw token -> content token ("" when not content), looked up in
        # one pass (map over the dict's get); only tokens not seen before go through is_content
        memo = self._content_memo
        values = list(map(memo.get, raw_tokens))
        if None in values:
            unseen = set(raw_tokens).difference(memo)  # each new token judged once (a set pass, in C)
            if len(memo) + len(unseen) <= 500_000:
                memo.update((raw, self._content_value(raw)) for raw in unseen)
                return list(map(memo.__getitem__, raw_tokens))
            for i, raw in enumerate(raw_tokens):  # the memo is full: judge what it does not hold in place
                if values[i] is None:
                    values[i] = self._content_value(raw)
        return cast("list[str]", values)  # every None was filled in above

    def _content_value(self, raw: str) -> str:
        """The content token of one raw token (redaction marks stripped), or ``""``."""
        token = raw.strip().strip(_REDACTION_CHARS)
        return token if self.is_content(token) else ""
