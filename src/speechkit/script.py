"""Which script a document is written in: Simplified, Traditional, or a mix.

Researchers compare Traditional and Simplified documents with one theme lexicon and one
dictionary, which are Simplified: a Traditional page scores almost no theme hits unless it
is converted (``speechkit clean --to-simplified``). :func:`detect_script` finds such pages
so that the clean summary can say so. The Traditional-only characters come from OpenCC's
dictionaries, the thresholds from ``data/script.toml``.
"""
from __future__ import annotations

import os
import re
import tomllib
from functools import lru_cache
from importlib.resources import files

import numpy as np

__all__ = ["DATA_FILES", "SCRIPTS", "detect_script", "simplified_chars", "traditional_share"]

#: the data files this module reads (part of the clean stage's cache key)
DATA_FILES = ("script.toml",)
SCRIPTS = ("simplified", "traditional", "mixed")

_CJK = re.compile(r"[\u4e00-\u9fff]")


@lru_cache(maxsize=1)
def _settings() -> dict:
    return tomllib.loads((files("speechkit") / "data" / "script.toml").read_text(encoding="utf-8"))


@lru_cache(maxsize=2)
def _opencc_entries(name: str) -> dict[str, list[str]]:
    """One of OpenCC's character dictionaries: key → its forms in the other script, most usual first."""
    import opencc

    out = {}
    with open(os.path.join(os.path.dirname(opencc.__file__), "dictionary", name), encoding="utf-8") as fh:
        for line in fh:
            key, _, values = line.rstrip("\n").partition("\t")
            out[key] = values.split()
    return out


@lru_cache(maxsize=1)
def _traditional_only() -> frozenset[str]:
    """Characters OpenCC maps from Traditional to Simplified and never lists as a Simplified form."""
    ts, st = _opencc_entries("TSCharacters.txt"), _opencc_entries("STCharacters.txt")
    return frozenset(k for k, v in ts.items() if len(k) == 1 and k not in v and k not in st)


@lru_cache(maxsize=1)
def _simplified_chars() -> dict[int, str]:
    """The ``str.translate`` table of :func:`simplified_chars`."""
    ts = _opencc_entries("TSCharacters.txt")
    return {ord(k): ts[k][0] for k in _traditional_only() if len(ts[k][0]) == 1}


def simplified_chars(text: str) -> str:
    """``text`` with every Traditional-only character replaced by its usual Simplified form, one
    character for one (OpenCC's character table, not its phrases): the length and every offset are
    kept, so a sentence can be matched against a Simplified lexicon in place. A character that is
    also written in Simplified text (乾, 著) stays as it is; a text without Traditional-only
    characters is returned unchanged (the same object).

    >>> simplified_chars("林業對供應建設事業所需木材")
    '林业对供应建设事业所需木材'
    >>> s = "发展林业"; simplified_chars(s) is s
    True
    """
    if not text or not _traditional_table()[code_points(text)].any():  # numpy: ~1 ms for a 20,000-character report
        return text
    return text.translate(_simplified_chars())


def traditional_share(text: str) -> float:
    """Share of the Chinese characters of ``text`` that stand on lines written in Traditional.

    >>> traditional_share("同志們：今天我們召開全市婦女兒童工作會議。")
    1.0
    >>> traditional_share("同志们：今天我们召开全市妇女儿童工作会议。")
    0.0
    """
    settings = _settings()["line"]
    # every character at once (numpy over the code points) instead of a Python loop per character:
    # per line, its Chinese characters (n) and its Traditional-only ones (t); one byte per character
    # besides the code points themselves (a huge page is not copied as 8-byte numbers)
    points = code_points(text)
    cjk = (points >= 0x4E00) & (points <= 0x9FFF)
    total = int(np.count_nonzero(cjk))
    if not total:
        return 0.0
    table = _traditional_table()
    trad = np.empty(len(points), dtype=bool)
    for a in range(0, len(points), _BLOCK):  # the lookup in blocks: its index array is a block's
        trad[a:a + _BLOCK] = table[points[a:a + _BLOCK]]
    if not trad.any() and settings["traditional_share"] > 0:
        return 0.0  # no line can reach a positive share of Traditional characters
    # a line runs from a newline (or the start) to the next newline, which is neither kind
    starts = np.concatenate(([0], np.flatnonzero(points == 10)))
    del points
    n = np.add.reduceat(cjk.view(np.uint8), starts, dtype=np.int64)
    t = np.add.reduceat(trad.view(np.uint8), starts, dtype=np.int64)
    on_traditional = int(n[(n >= settings["min_cjk"]) & (n > 0) & (t >= settings["traditional_share"] * n)].sum())
    return on_traditional / total


_BLOCK = 1 << 22


def code_points(text: str) -> "np.ndarray":
    """The code points of ``text`` as a numpy array (lone surrogates kept as they are).

    >>> code_points("妇女a").tolist()
    [22919, 22899, 97]
    """
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


@lru_cache(maxsize=1)
def _traditional_table() -> "np.ndarray":
    """A lookup table over every code point: True for the Traditional-only characters."""
    table = np.zeros(0x110000, dtype=bool)
    table[[ord(ch) for ch in _traditional_only()]] = True
    return table


def detect_script(text: str) -> str | None:
    """'simplified', 'traditional' or 'mixed' (Traditional lines among Simplified ones); None without Chinese.

    >>> detect_script("同志們：今天我們召開全市婦女兒童工作會議，總結過去一年的工作。")
    'traditional'
    >>> detect_script("同志们：今天召开全市妇女儿童工作会议。" * 20 + "\\n一九五四年在第一屆全國人民代表大會上的報告")
    'mixed'
    >>> detect_script("各位代表：现在，我代表市人民政府向大会报告工作。")
    'simplified'
    """
    if not _CJK.search(text):
        return None
    share = traditional_share(text)
    limits = _settings()["document"]
    if share >= limits["traditional"]:
        return "traditional"
    if share >= limits["mixed"]:
        return "mixed"
    return "simplified"
