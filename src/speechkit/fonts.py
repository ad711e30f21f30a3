"""A CJK font for every chart, found without touching the network or the user's config.

The font comes from the ``mplfonts`` pip package, which ships Noto Sans CJK SC
in its ``fonts/`` folder. We only *read* that folder (located with
:func:`importlib.util.find_spec`, so mplfonts' own code never runs and never
writes a matplotlibrc); the file is registered with matplotlib's
``fontManager`` for this process only. When mplfonts is missing we fall back to
a CJK font already installed on the system, and raise :class:`RuntimeError`
with a clear message when there is none.

Charts use the font through :func:`cjk_rc`, a dictionary for
:func:`matplotlib.rc_context`, so no global matplotlib state is changed.
"""
from __future__ import annotations

import importlib.util
import unicodedata
from functools import lru_cache
from pathlib import Path

from matplotlib import font_manager

__all__ = ["cjk_font", "cjk_font_path", "cjk_rc", "font_covers", "embedded_font_css", "subset_font_file", "font_cache_dir",
           "trim_font_cache"]

#: Font files looked for in mplfonts' ``fonts/`` folder, best first.
MPLFONTS_FILES = (
    "NotoSansCJKsc-Regular.otf",
    "SourceHanSansSC-Regular.otf",
    "SimHei.ttf",
)

#: Family names of system fonts that cover simplified Chinese, best first.
SYSTEM_CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Heiti SC",
    "Microsoft YaHei",
    "SimHei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
)


def _mplfonts_dir() -> Path | None:
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        folder = Path(location) / "fonts"
        if folder.is_dir():
            return folder
    return None


def _system_cjk_path() -> Path | None:
    by_name: dict[str, str] = {}
    for entry in font_manager.fontManager.ttflist:
        by_name.setdefault(entry.name, entry.fname)
    for family in SYSTEM_CJK_FAMILIES:
        if family in by_name:
            return Path(by_name[family])
    return None


@lru_cache(maxsize=1)
def cjk_font_path() -> Path:
    """Path of the CJK font file used for charts and word clouds.

    Prefers Noto Sans CJK SC from the ``mplfonts`` package, then a system CJK
    font; the file is registered with matplotlib's font manager.

    >>> cjk_font_path().name
    'NotoSansCJKsc-Regular.otf'
    """
    folder = _mplfonts_dir()
    path: Path | None = None
    if folder is not None:
        for name in MPLFONTS_FILES:
            if (folder / name).is_file():
                path = folder / name
                break
    if path is None:
        path = _system_cjk_path()
    if path is None:
        raise RuntimeError(
            "No font covering Chinese was found: install the `mplfonts` package "
            "(pip install mplfonts, it ships Noto Sans CJK SC) or a system CJK font "
            "such as fonts-noto-cjk."
        )
    font_manager.fontManager.addfont(str(path))
    return path


@lru_cache(maxsize=1)
def _family_name() -> str:
    return font_manager.FontProperties(fname=str(cjk_font_path())).get_name()


def cjk_font(size: float | None = None) -> font_manager.FontProperties:
    """A :class:`~matplotlib.font_manager.FontProperties` for the CJK font.

    Use it for any text drawn outside :func:`cjk_rc`, e.g.
    ``ax.set_title("主题占比", fontproperties=cjk_font(12))``.
    """
    return font_manager.FontProperties(fname=str(cjk_font_path()), size=size)


def cjk_rc(base_size: float = 11.0) -> dict:
    """rcParams that make matplotlib draw Chinese, for :func:`matplotlib.rc_context`.

    ``with matplotlib.rc_context(cjk_rc()): fig.savefig(...)`` renders
    "各组主题占比" with the CJK font, uses an ASCII hyphen for minus signs and
    keeps text in SVG files as outlines, so they show without the font.
    """
    family = _family_name()
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [family, "DejaVu Sans"],
        "font.size": base_size,
        "axes.titlesize": base_size + 2,
        "axes.labelsize": base_size,
        "xtick.labelsize": max(10.0, base_size - 1),
        "ytick.labelsize": max(10.0, base_size - 1),
        "legend.fontsize": max(10.0, base_size - 1),
        "figure.titlesize": base_size + 4,
        "axes.unicode_minus": False,
        "svg.fonttype": "path",
        "svg.hashsalt": "speechkit",
        "pdf.fonttype": 42,
        "savefig.facecolor": "white",
        "figure.facecolor": "white",
    }


@lru_cache(maxsize=8)
def _cmap(font_path: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(font_path, lazy=True, fontNumber=0) as font:
        return frozenset(font.getBestCmap() or {})


def font_covers(text: str, font_path: str | Path | None = None) -> set[str]:
    """Characters of ``text`` the font has NO glyph for (empty set = all covered).

    Whitespace and control characters are ignored, since they are never drawn.

    >>> font_covers("各组主题占比 2024年 ≥50%")
    set()
    """
    path = str(font_path) if font_path is not None else str(cjk_font_path())
    cmap = _cmap(path)
    return {
        ch
        for ch in set(text)
        if not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf") and ord(ch) not in cmap
    }


#: Characters always kept in a subset (digits and the punctuation the report draws around numbers).
_ALWAYS_KEPT = frozenset("0123456789%.,:;-·…（）《》“”")
#: Bump when the subset options change: cached subsets of another version are not reused.
_SUBSET_VERSION = "2"  # 2: HarfBuzz's subsetter


def font_cache_dir() -> Path:
    """Where subset fonts are cached: ``$SPEECHKIT_CACHE_DIR/fonts``, else ``$XDG_CACHE_HOME/speechkit/fonts``
    (``~/.cache/speechkit/fonts``). A cache entry is a font file named by the hash of its content key."""
    import os

    root = os.environ.get("SPEECHKIT_CACHE_DIR")
    if root:
        return Path(root) / "fonts"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "speechkit" / "fonts"


def _subset_key(chars: frozenset[str], purpose: str) -> str:
    """Hash of everything a subset depends on: the font file (path, size, mtime), the options and the characters."""
    import hashlib

    path = cjk_font_path()
    stat = path.stat()
    head = f"{_SUBSET_VERSION}|{purpose}|{path}|{stat.st_size}|{stat.st_mtime_ns}|"
    return hashlib.sha256((head + "".join(sorted(chars))).encode("utf-8", "surrogatepass")).hexdigest()


def _make_subset(chars: frozenset[str], purpose: str) -> bytes:
    """The CJK font cut down to ``chars`` (OpenType/CFF bytes); hints are kept, so glyphs render as in
    the full font. HarfBuzz's subsetter (uharfbuzz) does it in ~25 ms where fontTools' takes 2–4 s for
    a report's 3,000 characters (it interprets every CFF charstring in Python); fontTools is the
    fallback where uharfbuzz cannot be imported."""
    try:
        import uharfbuzz  # noqa: F401
    except ImportError:
        return _fonttools_subset(chars, purpose)
    return _harfbuzz_subset(chars, purpose)


@lru_cache(maxsize=1)
def _harfbuzz_face():
    import uharfbuzz as hb

    return hb.Face(hb.Blob.from_file_path(str(cjk_font_path())))


def _harfbuzz_subset(chars: frozenset[str], purpose: str) -> bytes:
    """hb-subset: every name kept; the layout features a browser shapes with for the page (``web``),
    none for PIL, which draws glyph by glyph (``draw``); hints kept (the default)."""
    import uharfbuzz as hb

    request = hb.SubsetInput()
    for code in sorted(ord(c) for c in chars):
        request.unicode_set.add(code)
    request.sets(hb.SubsetInputSets.NAME_ID).invert()  # every name record, as fontTools' name_IDs = ["*"]
    features = request.sets(hb.SubsetInputSets.LAYOUT_FEATURE_TAG)
    if purpose == "web":
        features.invert()  # every feature
    else:
        features.clear()
    subset = hb.subset(_harfbuzz_face(), request)
    if subset is None:
        raise ValueError("hb-subset failed")
    return bytes(subset.blob.data)


def _fonttools_subset(chars: frozenset[str], purpose: str) -> bytes:
    """The same subset with fontTools (a matplotlib dependency), slower."""
    import io

    from fontTools import subset

    options = subset.Options()
    options.layout_features = ["*"] if purpose == "web" else []   # a browser shapes text; PIL draws glyph by glyph
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = True  # removing hints costs a third of the time and changes how glyphs rasterise
    font = subset.load_font(str(cjk_font_path()), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(c) for c in chars))
    subsetter.subset(font)
    buf = io.BytesIO()
    font.save(buf)
    return buf.getvalue()


#: The font cache keeps at most this many subsets and this many bytes (the newest are kept: a hit counts as new).
FONT_CACHE_MAX_ENTRIES = 32
FONT_CACHE_MAX_BYTES = 64 * 1024 * 1024


def subset_font_file(text: str, purpose: str = "draw") -> Path | None:
    """A font file holding only the glyphs of ``text`` (and digits), cached by content in :func:`font_cache_dir`.

    The word clouds draw with it: the full 16 MB font, opened once per font size they try, made a
    report of twelve clouds map 1.8 GB; the subset draws the same pixels. The same ``text`` gives the
    same file (reused across runs, the cache is checked before subsetting); other text, another font
    file or other options give another key. ``None`` when subsetting is impossible or the cache
    folder cannot be written (callers fall back to the full font; nothing is left in a temp folder).

    >>> subset_font_file("妇女儿童") == subset_font_file("儿童妇女")
    True
    """
    chars = frozenset(ch for ch in text if not ch.isspace()) | _ALWAYS_KEPT
    return _cached_subset(chars, purpose)[1]


def _cached_subset(chars: frozenset[str], purpose: str) -> tuple[bytes, Path | None]:
    """The subset of the CJK font to ``chars`` for ``purpose``: its bytes (b"" when subsetting is impossible)
    and its cache file (None when the cache cannot hold it). The one cache routine of this module.

    A hit is read and marked as recently used; a miss is made, stored atomically and the cache trimmed
    (:func:`trim_font_cache`). A read-only cache folder is no error: the bytes are still returned.
    """
    try:
        key = _subset_key(chars, purpose)
    except OSError:
        return b"", None
    path = font_cache_dir() / f"{key}.otf"
    try:
        data = path.read_bytes()
    except OSError:
        data = b""
    if data:
        _touch(path)
        return data, path
    try:
        data = _make_subset(chars, purpose)
    except Exception:  # a broken font file must not stop a chart or the report
        return b"", None
    if not _store(path, data):
        return data, None
    trim_font_cache(keep=path)
    return data, path


def _touch(path: Path) -> None:
    """Mark a cache entry as just used (its mtime), so that trimming keeps it; silent on a read-only cache."""
    import os

    try:
        os.utime(path)
    except OSError:
        pass


def trim_font_cache(max_entries: int = FONT_CACHE_MAX_ENTRIES, max_bytes: int = FONT_CACHE_MAX_BYTES,
                    keep: Path | None = None) -> list[Path]:
    """Delete the least recently used subsets beyond ``max_entries`` files or ``max_bytes`` in all; return them.

    ``keep`` (the entry just written) is never deleted. Without it, a cache of 200 report fonts
    of 0.5 MB (100 MB) would be cut to the newest 32 (16 MB): ``trim_font_cache()``.
    """
    entries = []
    for path in font_cache_dir().glob("*.otf"):
        try:
            stat = path.stat()
        except OSError:
            continue
        entries.append((stat.st_mtime_ns, path.name, path, stat.st_size))
    entries.sort(reverse=True)   # newest first
    removed, count, total = [], 0, 0
    for _mtime, _name, path, size in entries:
        if path == keep or (count < max_entries and total + size <= max_bytes):
            count, total = count + 1, total + size
            continue
        try:
            path.unlink()
            removed.append(path)
        except OSError:
            pass
    return removed


def _store(path: Path, data: bytes) -> bool:
    """Write a cache entry atomically; False (never an exception) when the cache folder is not writable."""
    from speechkit.io import atomic_write_bytes

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, data)
        return True
    except OSError:
        return False


@lru_cache(maxsize=16)
def _web_subset(chars: frozenset[str]) -> bytes:
    """The subset for the report's ``@font-face``, from the disk cache or made now (b"" when impossible)."""
    return _cached_subset(chars, "web")[0]


def embedded_font_css(text: str, family: str = "speechkit CJK") -> str:
    """An ``@font-face`` rule carrying the CJK font, subset to the characters of ``text``.

    The report embeds it so that its Chinese text renders on any machine, even one
    without CJK fonts (no tofu boxes, no network). Uses fontTools (a matplotlib
    dependency); returns ``""`` when subsetting is impossible. Subsets are cached
    by content (the font file and the set of characters) in :func:`font_cache_dir`,
    so a report re-built over the same tables does not subset the 16 MB font again.

    >>> css = embedded_font_css("妇女儿童工作")
    >>> css.startswith("@font-face") and "base64," in css
    True
    """
    import base64

    data = _web_subset(frozenset(ch for ch in text if ord(ch) > 0x7F) | _ALWAYS_KEPT)
    if not data:
        return ""
    encoded = base64.b64encode(data).decode("ascii")
    return f'@font-face {{ font-family: "{family}"; src: url(data:font/otf;base64,{encoded}) format("opentype"); }}\n'
