"""Charts that render Chinese, built from plain DataFrames.

Every function takes a DataFrame (or a mapping) — never a Corpus — and returns
a :class:`matplotlib.figure.Figure` made with the object API: no pyplot, no
global state, no GUI, nothing shown. Text is drawn with the CJK font from
:mod:`speechkit.fonts`; the returned figures apply that font themselves each
time they are drawn, so ``fig.savefig(...)`` or a notebook's display work
without any setup. Empty input gives an empty-state figure that says 无数据.

Figure sizes grow with the number of rows and labels; long labels are cut
with "…"; no text is smaller than 10 pt. Titles are placed at ``y=1.0`` explicitly: no chart
has ticks or labels above its axes, so that is where matplotlib's automatic placement puts them
too (the same pixels), without measuring every tick label of the figure again at each draw
(15–30 % of drawing the keyness panels and the heatmaps).
"""
from __future__ import annotations

import functools
import io
import math
import threading
import unicodedata
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.colors import ListedColormap, PowerNorm, to_rgb
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from speechkit.fonts import cjk_font_path, cjk_rc
from speechkit.io import atomic_write_bytes


def _palette(name: str) -> list[tuple[float, float, float]]:
    """The colours (RGB tuples) of one of matplotlib's qualitative colormaps (tab10, Dark2, …)."""
    cmap = matplotlib.colormaps[name]
    if not isinstance(cmap, ListedColormap):
        raise ValueError(f"{name} is not a qualitative (listed) colormap")
    return [to_rgb((float(r), float(g), float(b))) for r, g, b in np.asarray(cmap.colors, dtype=float)[:, :3]]

__all__ = [
    "CJKFigure",
    "theme_heatmap",
    "theme_trends",
    "keyness_bars",
    "group_wordcloud",
    "wordcloud_png",
    "target_timeline",
    "followup_chart",
    "similarity_heatmap",
    "empty_figure",
    "shorten_label",
    "figure_texts",
    "save_figure",
    "png_bytes",
    "figure_dpi",
    "chart_file_stems",
]

EMPTY_MESSAGE = "无数据"
PNG_DPI = 150
POSITIVE_COLOR = "#2b6cb0"
NEGATIVE_COLOR = "#c05621"
KIND_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h", "<", ">")
#: Chinese names of the target kinds written by speechkit.targets (others are shown as they are).
TARGET_KIND_LABELS = {"target": "目标", "achievement": "已达成"}


class CJKFigure(Figure):
    """A Figure that draws its text with the CJK font wherever it is rendered.

    The font settings are applied for the duration of each draw (through
    :func:`matplotlib.rc_context`), so saving or displaying the figure anywhere
    shows "主题占比" instead of empty boxes, without changing global rcParams.
    """

    def draw(self, renderer):  # noqa: D401 - matplotlib API
        with matplotlib.rc_context(cjk_rc()):
            if not _measuring_only(renderer):
                return super().draw(renderer)
            # savefig draws a constrained-layout figure twice: first with drawing disabled, only to
            # measure text for the layout. Images lie inside their axes and never move the layout, but
            # resampling them is most of a heatmap's or word cloud's cost: skip them in that pass.
            hidden = [image for ax in self.axes for image in ax.images if image.get_visible()]
            for image in hidden:
                image.set_visible(False)
            try:
                return super().draw(renderer)
            finally:
                for image in hidden:
                    image.set_visible(True)

    def to_png(self, dpi: int = 100) -> bytes:
        """The figure as PNG bytes (white background), as Jupyter displays it.

        >>> empty_figure("主题占比").to_png()[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
        True
        """
        buffer = io.BytesIO()
        with matplotlib.rc_context(cjk_rc()):
            self.savefig(buffer, format="png", dpi=dpi, facecolor="white", metadata={"Software": None})
        return buffer.getvalue()

    def _repr_png_(self) -> bytes:
        """Jupyter/IPython rich display: a figure shows itself as a picture, no ``%matplotlib inline`` needed."""
        return self.to_png()


def _measuring_only(renderer) -> bool:
    """Whether ``renderer`` is in matplotlib's draw-disabled mode (its draw_* methods are no-ops)."""
    from matplotlib.backend_bases import RendererBase

    patched = vars(renderer) if hasattr(renderer, "__dict__") else {}
    return all(getattr(patched.get(name), "__wrapped__", None) is getattr(RendererBase, name)
               for name in ("draw_image", "draw_path", "draw_text"))


def _new_figure(width: float, height: float) -> CJKFigure:
    width = float(min(max(width, 4.0), 40.0))
    height = float(min(max(height, 2.5), 120.0))
    with matplotlib.rc_context(cjk_rc()):
        return CJKFigure(figsize=(width, height), layout="constrained")


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def shorten_label(label: object, max_width: int = 20) -> str:
    """Cut a label to ``max_width`` display columns (a Chinese character counts 2), ending in "…".

    >>> shorten_label("推动妇女儿童事业高质量发展", 12)
    '推动妇女儿…'
    >>> shorten_label("新疆维吾尔自治区 · 2024", 20)
    '新疆维吾尔自… · 2024'
    """
    text = "" if label is None or (isinstance(label, float) and math.isnan(label)) else str(label)
    text = " ".join(text.split())
    if _display_width(text) <= max_width:
        return text
    head, sep, tail = text.rpartition("·")
    if sep and head.strip() and 0 < _display_width(sep + tail) <= max_width // 2:
        # a group label 新疆维吾尔自治区 · 2024: cut the place, keep the last part (the year) whole
        return shorten_label(head.rstrip(), max_width - _display_width(sep + tail) - 1) + " " + sep + tail
    out, width = [], 0
    for ch in text:
        w = 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
        if width + w > max_width - 1:
            break
        out.append(ch)
        width += w
    return "".join(out) + "…"


def _unique_labels(labels: Sequence[object], max_width: int) -> list[str]:
    """Shortened labels, kept distinct by a numeric suffix when cutting made them collide."""
    short = [shorten_label(label, max_width) for label in labels]
    seen: dict[str, int] = {}
    out = []
    for label in short:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label}({seen[label]})")
    return out


def _require(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{what}: missing column(s) {missing}; got {list(df.columns)}")


def _open_frame(ax) -> None:
    """No top and right spines: the plain frame every speechkit chart uses."""
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _light_grid(ax, color: str) -> None:
    """A light grid behind the data, in the plain frame."""
    ax.grid(True, color=color, linewidth=0.8)
    ax.set_axisbelow(True)
    _open_frame(ax)


def _year_ticks(ax, nbins: int) -> None:
    """Whole years on the x axis (2021, not 2021.5)."""
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=nbins))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{int(round(v))}"))


def empty_figure(title: str, message: str = EMPTY_MESSAGE, detail: str | None = None) -> CJKFigure:
    """A small figure with ``title`` and a centred 无数据 message (for empty tables)."""
    fig = _new_figure(6.4, 2.8)
    with matplotlib.rc_context(cjk_rc()):
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.set_title(title, y=1.0)
        ax.text(0.5, 0.55, message, ha="center", va="center", fontsize=20, color="#777777",
                transform=ax.transAxes)
        if detail:
            ax.text(0.5, 0.25, detail, ha="center", va="center", fontsize=11, color="#777777",
                    transform=ax.transAxes)
    return fig


def _is_share(values: np.ndarray) -> bool:
    finite = values[np.isfinite(values)]
    return finite.size > 0 and finite.min() >= 0 and finite.max() <= 1.0


def _annotation_color(rgba) -> str:
    r, g, b = rgba[:3]
    return "white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.5 else "black"


#: Axis and colour-bar labels of the theme measures (the columns of ``Corpus.themes``).
MEASURE_LABELS = {"mean_share": "平均占比", "pooled_share": "合并占比", "rate": "每万字命中数",
                  "mean_rate": "每万字命中数（文档平均）", "sentence_share": "含该主题的句子占比", "value": "值"}


def _measure_label(value_col: str, percent: bool) -> str:
    label = MEASURE_LABELS.get(value_col, value_col)
    return f"{label}（%）" if percent else label


def theme_heatmap(
    shares: pd.DataFrame,
    group_col: str = "group",
    theme_col: str = "theme",
    value_col: str = "mean_share",
    title: str = "各组主题占比",
    annotate: bool | None = None,
) -> CJKFigure:
    """Heatmap of groups (rows) × themes (columns), cells annotated with their value.

    Shares in 0–1 are shown as percentages. Themes are ordered by their mean
    over all groups, most prominent first; groups keep the order they come in.

    >>> df = pd.DataFrame({"group": ["杭州市", "宁波市"], "theme": ["妇女就业", "妇女就业"],
    ...                    "mean_share": [0.12, 0.08]})
    >>> theme_heatmap(df).axes[0].get_title()
    '各组主题占比'
    """
    _require(shares, [group_col, theme_col, value_col], "theme_heatmap")
    data = shares.dropna(subset=[value_col])
    if data.empty:
        return empty_figure(title, detail="没有主题统计")
    table = data.pivot_table(index=group_col, columns=theme_col, values=value_col,
                             aggfunc="mean", sort=False)
    table = table[table.mean(axis=0).sort_values(ascending=False).index]
    values = table.to_numpy(dtype=float)
    percent = _is_share(values)
    shown = values * 100 if percent else values
    n_rows, n_cols = shown.shape
    if annotate is None:
        annotate = n_rows * n_cols <= 900
    row_labels = _unique_labels(table.index, 20)
    col_labels = _unique_labels(table.columns, 16)
    label_w = max(_display_width(x) for x in row_labels) * 0.075
    fig = _new_figure(1.8 + label_w + 0.62 * n_cols, 1.9 + 0.34 * n_rows
                      + max(_display_width(x) for x in col_labels) * 0.05)
    with matplotlib.rc_context(cjk_rc()):
        ax = fig.add_subplot()
        cmap = matplotlib.colormaps["YlOrRd"].with_extremes(bad="#eeeeee")
        # a square-root colour scale keeps small shares distinguishable next to one dominant theme
        finite = shown[np.isfinite(shown)]
        norm = PowerNorm(0.5, vmin=min(0.0, float(finite.min())), vmax=float(finite.max()) or 1.0)
        image = ax.imshow(np.ma.masked_invalid(shown), aspect="auto", cmap=cmap, norm=norm,
                          interpolation="nearest")
        ax.set_xticks(range(n_cols), col_labels, rotation=45, ha="right", rotation_mode="anchor")
        ax.set_yticks(range(n_rows), row_labels)
        ax.tick_params(length=0)
        ax.set_title(title, y=1.0)
        ax.set_xlabel("主题")
        ax.set_ylabel("分组")
        for spine in ax.spines.values():
            spine.set_visible(False)
        bar = fig.colorbar(image, ax=ax, shrink=1.0 if n_rows <= 12 else 0.6, aspect=max(10, min(30, n_rows)))
        bar.set_label(_measure_label(value_col, percent))
        if annotate:
            digits = 1 if finite.size and finite.max() < 100 else 0
            for i in range(n_rows):
                for j in range(n_cols):
                    v = shown[i, j]
                    if not np.isfinite(v):
                        continue
                    ax.text(j, i, f"{v:.{digits}f}", ha="center", va="center", fontsize=10,
                            color=_annotation_color(image.cmap(image.norm(v))))
    return fig


def _with_missing_years(table: pd.DataFrame, max_span: int = 500) -> pd.DataFrame:
    """Rows for the whole years missing between the first and last (NaN), so that a line breaks there.

    >>> t = pd.DataFrame({"a": [1.0, 2.0]}, index=[1964, 1975])
    >>> len(_with_missing_years(t)), bool(_with_missing_years(t)["a"].isna().sum() == 10)
    (12, True)
    """
    index = pd.to_numeric(pd.Series(table.index), errors="coerce")
    if table.empty or index.isna().any() or not np.all(np.mod(index.to_numpy(dtype=float), 1) == 0):
        return table
    first, last = int(index.min()), int(index.max())
    if last - first > max_span or last - first + 1 == len(table):
        return table
    years = pd.Index(range(first, last + 1), name=table.index.name)
    table = table.copy()
    table.index = index.astype(int).to_numpy()
    return table.reindex(years)


def theme_trends(
    df: pd.DataFrame,
    x: str = "year",
    series: str = "theme",
    value: str = "mean_share",
    title: str = "主题占比的年度变化",
    max_series: int = 12,
) -> CJKFigure:
    """Line chart of ``value`` over ``x`` (years), one line per ``series`` (theme or place).

    With more than ``max_series`` series only the ones with the highest mean are drawn.
    Missing years break the line rather than being drawn as zero.

    >>> df = pd.DataFrame({"year": [2022, 2023], "theme": ["儿童健康", "儿童健康"],
    ...                    "mean_share": [0.05, 0.07]})
    >>> [t.get_text() for t in theme_trends(df).axes[0].get_legend().get_texts()]
    ['儿童健康']
    """
    _require(df, [x, series, value], "theme_trends")
    data = df.dropna(subset=[x, value])
    if data.empty:
        return empty_figure(title, detail="没有带年份的主题统计")
    table = data.pivot_table(index=x, columns=series, values=value, aggfunc="mean").sort_index()
    table = _with_missing_years(table)
    order = table.mean(axis=0).sort_values(ascending=False).index
    dropped = max(0, len(order) - max_series)
    table = table[order[:max_series]]
    values = table.to_numpy(dtype=float)
    percent = _is_share(values)
    labels = _unique_labels(table.columns, 20)
    width = 7.5 + max(_display_width(s) for s in labels) * 0.075
    fig = _new_figure(width, 4.8)
    colors = _palette("tab10" if len(labels) <= 10 else "tab20")
    styles = ("-", "--", "-.", ":")
    with matplotlib.rc_context(cjk_rc()):
        ax = fig.add_subplot()
        xs = table.index.to_numpy()
        for k, (column, label) in enumerate(zip(table.columns, labels)):
            ys = table[column].to_numpy(dtype=float)
            ax.plot(xs, ys, marker="o", markersize=4, linewidth=1.8, label=label,
                    color=colors[k % len(colors)], linestyle=styles[(k // len(colors)) % len(styles)])
        ax.set_title(title, y=1.0)
        ax.set_xlabel("年份" if x == "year" else x)
        ax.set_ylabel(MEASURE_LABELS.get(value, value))
        if percent:
            ax.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=None))
        if pd.api.types.is_numeric_dtype(table.index):
            _year_ticks(ax, 12)
        _light_grid(ax, "#e5e5e5")
        legend_title = {"theme": "主题", "city": "城市", "province": "省份",
                        "district": "区县"}.get(series, series)
        if dropped:
            legend_title += f"（前 {max_series} 项）"
        ax.legend(title=legend_title, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  frameon=False, ncols=1 if len(labels) <= 16 else 2)
    return fig


def keyness_bars(
    df: pd.DataFrame,
    group_col: str = "group",
    top: int = 15,
    title: str = "各组关键词（对数似然 G²）",
    term_col: str = "term",
    ncols: int = 3,
) -> CJKFigure:
    """Small multiples: one bar panel per group with its ``top`` key terms by G².

    Bars point right (blue) for terms used more in the group than in the rest
    of the corpus (``log_ratio`` > 0) and left (orange) for terms used less.

    >>> df = pd.DataFrame({"group": ["杭州市"] * 2, "term": ["数字化", "托育"],
    ...                    "g2": [30.5, 12.0], "log_ratio": [1.2, 0.8], "rank": [1, 2]})
    >>> keyness_bars(df).axes[0].get_title()
    '杭州市'
    """
    _require(df, [group_col, term_col, "g2"], "keyness_bars")
    data = df.dropna(subset=["g2"])
    if data.empty:
        return empty_figure(title, detail="没有关键词统计")
    groups = list(dict.fromkeys(data[group_col].tolist()))
    panels = []
    for group in groups:
        part = data[data[group_col] == group]
        part = part.sort_values("rank") if "rank" in part.columns else part.sort_values("g2", ascending=False)
        part = part.head(top)
        signed = part["g2"].to_numpy(dtype=float)
        if "log_ratio" in part.columns:
            signed = signed * np.where(part["log_ratio"].to_numpy(dtype=float) < 0, -1.0, 1.0)
        panels.append((group, _unique_labels(part[term_col].tolist(), 16), signed))
    ncols = max(1, min(ncols, len(panels)))
    nrows = math.ceil(len(panels) / ncols)
    rows_per_panel = max(len(p[1]) for p in panels)
    panel_h = 0.8 + 0.27 * rows_per_panel
    fig = _new_figure(4.3 * ncols, 0.7 + panel_h * nrows)
    with matplotlib.rc_context(cjk_rc()):
        axes = fig.subplots(nrows, ncols, squeeze=False)
        for k, ax in enumerate(axes.flat):
            if k >= len(panels):
                ax.set_axis_off()
                continue
            group, terms, signed = panels[k]
            ys = rows_per_panel - 1 - np.arange(len(terms))   # best term on top, panels aligned
            ax.barh(ys, signed, color=[POSITIVE_COLOR if v >= 0 else NEGATIVE_COLOR for v in signed],
                    height=0.7)
            ax.set_yticks(ys, terms)
            ax.set_ylim(-0.6, rows_per_panel - 0.4)
            ax.set_title(shorten_label(group, 24), y=1.0)
            ax.axvline(0, color="#888888", linewidth=0.8)
            ax.set_xlabel("G²（→ 本组多用　← 本组少用）" if (signed < 0).any() else "G²")
            ax.tick_params(axis="y", length=0)
            ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
            _open_frame(ax)
        fig.suptitle(title)
    return fig


_WORD_COLORS = tuple(
    "#{:02x}{:02x}{:02x}".format(*(int(round(255 * c)) for c in rgb))
    for rgb in _palette("Dark2")
)


def _palette_color(word, font_size, position, orientation, random_state=None, **kwargs) -> str:
    """Word colour drawn from the Dark2 palette with the cloud's own random state (deterministic).

    Passing our own colour function also keeps wordcloud from importing pyplot.
    """
    if random_state is None:
        return _WORD_COLORS[0]
    return _WORD_COLORS[random_state.randint(0, len(_WORD_COLORS) - 1)]


class _CachedImageFont:
    """Stands in for :mod:`PIL.ImageFont` inside :mod:`wordcloud` while a cloud is made.

    wordcloud loads the font file afresh for every word and every size it tries (about 450
    loads of the 16 MB CJK font per cloud, a third of its time); here each (file, size) is
    loaded once and reused: the same FreeType font, so the same glyphs, layout and pixels.
    """

    def __getattr__(self, name):
        from PIL import ImageFont

        return getattr(ImageFont, name)

    @staticmethod
    def truetype(font=None, size=10, *args, **kwargs):
        from PIL import ImageFont

        if args or kwargs or not isinstance(font, str):
            return ImageFont.truetype(font, size, *args, **kwargs)
        return _truetype(font, int(size))


@functools.lru_cache(maxsize=256)
def _truetype(path: str, size: int):
    from PIL import ImageFont

    return ImageFont.truetype(path, size)


_WORDCLOUD_LOCK = threading.Lock()


@contextmanager
def _wordcloud_fonts_cached():
    """Within the block, wordcloud gets its fonts from :class:`_CachedImageFont` (restored after)."""
    import wordcloud.wordcloud as wordcloud_module

    with _WORDCLOUD_LOCK:
        saved = wordcloud_module.ImageFont
        wordcloud_module.ImageFont = _CachedImageFont()
        try:
            yield
        finally:
            wordcloud_module.ImageFont = saved


def group_wordcloud(
    freqs: Mapping[str, float],
    title: str,
    max_words: int = 150,
    random_state: int = 42,
    width: int = 450,
    height: int = 280,
    scale: float = 3.0,
    font_path: str | Path | None = None,
) -> CJKFigure:
    """Word cloud of term → weight (frequency or G²) drawn with the CJK font, white background.

    Layout is deterministic for a given ``random_state``; words are placed on a
    ``width`` × ``height`` grid and drawn ``scale`` times larger (fast and sharp).
    The words are drawn with a subset of the CJK font holding only their characters
    (:func:`speechkit.fonts.subset_font_file`, cached; the same pixels as the full font, which
    wordcloud would open once per font size it tries — 1.5 GB mapped for one cloud);
    ``font_path`` names the font file to use instead (e.g. one subset for several clouds).

    >>> group_wordcloud({"妇女": 12, "儿童": 9, "家庭": 5}, "杭州市").axes[0].get_title()
    '杭州市'
    """
    clean = _cloud_terms(freqs)
    if not clean:
        return empty_figure(title, detail="没有词频数据")
    pixels = _cloud_for(clean, width, height, max_words, random_state, scale, font_path)
    fig = _new_figure(width * scale / PNG_DPI, height * scale / PNG_DPI + 0.45)
    with matplotlib.rc_context(cjk_rc()):
        ax = fig.add_subplot()
        # the figure is sized to the cloud's pixels, so no resampling is needed ("none": ~40 % faster to save);
        # RGBA (opaque) saves matplotlib adding the alpha channel at each of the two draws of a save
        ax.imshow(pixels, interpolation="none")
        ax.set_axis_off()
        ax.set_title(shorten_label(title, 40), fontsize=20, y=1.0)
    return fig


def wordcloud_png(
    freqs: Mapping[str, float],
    title: str,
    max_words: int = 150,
    random_state: int = 42,
    width: int = 450,
    height: int = 280,
    scale: float = 3.0,
    font_path: str | Path | None = None,
) -> bytes | None:
    """:func:`group_wordcloud` as PNG bytes, drawn without matplotlib (``None`` when there are no terms).

    The same cloud (the same words, sizes, places and colours) on the same canvas as the figure saved
    at :data:`PNG_DPI`: the cloud's pixels pasted 1:1 below a title band, the title drawn with the CJK
    font, encoded like :func:`png_bytes`. The report uses it: a tenth of a second less per cloud.

    >>> wordcloud_png({"妇女": 12, "儿童": 9}, "杭州市")[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    from PIL import Image, ImageDraw

    clean = _cloud_terms(freqs)
    if not clean:
        return None
    pixels = _cloud_for(clean, width, height, max_words, random_state, scale, font_path)
    band = int(round(0.45 * PNG_DPI))                  # the figure's title band: 0.45 inch
    canvas = Image.new("RGB", (pixels.shape[1], pixels.shape[0] + band), "white")
    canvas.paste(Image.fromarray(np.ascontiguousarray(pixels[..., :3])), (0, band))
    font = _truetype(str(cjk_font_path()), int(round(20 * PNG_DPI / 72)))   # 20 pt, as the figure's title
    ImageDraw.Draw(canvas).text((canvas.width / 2, band * 0.6), shorten_label(title, 40), font=font,
                                fill="black", anchor="mm")
    return _encode_palette(canvas, PNG_DPI)


def _cloud_terms(freqs: Mapping[str, float]) -> dict[str, float]:
    return {str(term): float(weight) for term, weight in freqs.items()
            if str(term).strip() and weight is not None and np.isfinite(weight) and weight > 0}


def _cloud_for(clean: Mapping[str, float], width: int, height: int, max_words: int, random_state: int,
               scale: float, font_path: str | Path | None) -> np.ndarray:
    if font_path is None:
        from speechkit.fonts import subset_font_file

        font_path = subset_font_file("".join(clean)) or cjk_font_path()
    with _wordcloud_fonts_cached():
        return _cloud_pixels(clean, width, height, max_words, random_state, scale, str(font_path))


def _cloud_pixels(clean: Mapping[str, float], width: int, height: int, max_words: int, random_state: int,
                  scale: float, font_path: str | None = None) -> np.ndarray:
    """The word cloud of ``clean`` as an opaque RGBA array (height·scale × width·scale × 4, uint8)."""
    from wordcloud import WordCloud

    cloud = WordCloud(
        font_path=font_path or str(cjk_font_path()),
        width=width,
        height=height,
        background_color="white",
        max_words=max_words,
        random_state=random_state,
        prefer_horizontal=0.95,
        color_func=_palette_color,
        margin=2,
        min_font_size=8,
        scale=scale,
        collocations=False,
    ).generate_from_frequencies(clean)
    rgb = cloud.to_array()
    return np.dstack([rgb, np.full(rgb.shape[:2], 255, dtype=np.uint8)])


def target_timeline(
    targets: pd.DataFrame,
    title: str = "量化目标的完成年限",
    group_col: str | None = "group",
    max_indicators: int = 40,
) -> CJKFigure:
    """Dot plot of quantitative targets: x = the year a target is for, y = indicator.

    The year is ``target_year`` (the stated deadline, 今年/明年 resolved with the document's
    year, or the year of the 工作安排 / 主要预期目标 section) where the table has it, else
    ``deadline_year``.

    Marker shape shows the target ``kind`` (target → 目标, achievement → 已达成), colour the group (when ``group_col``
    is present and there are at most 10 groups), size the number of targets.
    The ``max_indicators`` most frequent indicators are drawn. Targets without a
    deadline year are left out; with none left the figure says 无数据.

    >>> df = pd.DataFrame({"indicator": ["托位数"], "deadline_year": [2025], "kind": ["预期"]})
    >>> target_timeline(df).axes[0].get_yticklabels()[0].get_text()
    '托位数'
    """
    if targets.empty or "indicator" not in targets.columns or not {"deadline_year", "target_year"} & set(targets.columns):
        return empty_figure(title, detail="没有带完成年限的量化目标")
    data = targets.copy()
    deadline = pd.to_numeric(data.get("deadline_year", pd.Series(np.nan, index=data.index)), errors="coerce")
    if "target_year" in data.columns:  # the year a target is for; the deadline when the table has none
        deadline = pd.to_numeric(data["target_year"], errors="coerce").fillna(deadline)
    data["deadline_year"] = deadline
    data = data.dropna(subset=["deadline_year", "indicator"])
    data = data[data["indicator"].astype(str).str.strip() != ""]
    if data.empty:
        return empty_figure(title, detail="没有带完成年限的量化目标")
    data["indicator"] = data["indicator"].astype(str)
    if "kind" in data.columns:
        data["kind"] = data["kind"].map(lambda k: TARGET_KIND_LABELS.get(k, k)).fillna("未分类").astype(str)
    else:
        data["kind"] = "目标"
    use_groups = bool(group_col) and group_col in data.columns and 1 < data[group_col].nunique() <= 10
    data["_group"] = data[group_col].astype(str) if use_groups else ""

    counts = data.groupby("indicator").agg(n=("deadline_year", "size"), first=("deadline_year", "min"))
    counts = counts.sort_values(["n", "first"], ascending=[False, True], kind="stable")
    dropped = max(0, len(counts) - max_indicators)
    chosen = counts.iloc[:max_indicators].sort_values(["first", "n"], ascending=[True, False], kind="stable")
    indicators = chosen.index.tolist()          # earliest deadline on top, like a timeline
    data = data[data["indicator"].isin(indicators)]
    points = data.groupby(["indicator", "deadline_year", "kind", "_group"], sort=False).size()
    points = points.rename("n").reset_index()

    kinds = sorted(points["kind"].unique().tolist())
    groups = list(dict.fromkeys(data["_group"].tolist()))
    marker_of = {k: KIND_MARKERS[i % len(KIND_MARKERS)] for i, k in enumerate(kinds)}
    palette = _palette("tab10")
    color_of = {g: palette[i % len(palette)] for i, g in enumerate(groups)}
    ypos = {ind: len(indicators) - 1 - i for i, ind in enumerate(indicators)}
    # groups sharing an (indicator, year) cell are spread sideways a little; lone points stay on the year
    group_rank = {g: i for i, g in enumerate(groups)}
    points["_rank"] = points["_group"].map(group_rank)
    cell = points.groupby(["indicator", "deadline_year"])["_rank"]
    position = cell.rank(method="dense") - 1
    crowd = cell.transform("nunique")
    step = np.minimum(0.15, 0.6 / crowd)
    points["_x"] = points["deadline_year"] + (position - (crowd - 1) / 2) * step
    labels = _unique_labels(indicators, 24)

    years = points["deadline_year"]
    span = years.max() - years.min()
    fig = _new_figure(7.0 + min(span, 30) * 0.12 + max(_display_width(s) for s in labels) * 0.07,
                      1.6 + 0.3 * len(indicators))
    with matplotlib.rc_context(cjk_rc()):
        ax = fig.add_subplot()
        for (kind, group), part in points.groupby(["kind", "_group"], sort=False):
            ax.scatter(part["_x"], part["indicator"].map(ypos),
                       s=30 + 30 * np.sqrt(part["n"].to_numpy(dtype=float)),
                       marker=marker_of[kind], color=color_of[group] if use_groups else POSITIVE_COLOR,
                       alpha=0.8, edgecolors="white", linewidths=0.5)
        ax.set_yticks([ypos[i] for i in indicators], labels)
        ax.set_ylim(-0.7, len(indicators) - 0.3)
        first, last = int(years.min()), int(years.max())
        ax.set_xlim(first - 0.8, last + 0.8)
        step = max(1, (last - first) // 12 + 1)  # whole years only, at most ~12 ticks
        ax.set_xticks(list(range(first, last + 1, step)), [str(y) for y in range(first, last + 1, step)])
        ax.set_xlabel("完成年限")
        ax.set_ylabel("指标" + (f"（前 {len(indicators)} 项）" if dropped else ""))
        ax.set_title(title, y=1.0)
        _light_grid(ax, "#eeeeee")
        kind_handles = [Line2D([], [], linestyle="", marker=marker_of[k], color="#444444",
                               markersize=8, label=shorten_label(k, 16)) for k in kinds]
        kind_legend = ax.legend(handles=kind_handles, title="类型", loc="upper left",
                                bbox_to_anchor=(1.01, 1.0), frameon=False)
        if use_groups:
            ax.add_artist(kind_legend)
            group_handles = [Line2D([], [], linestyle="", marker="o", color=color_of[g],
                                    markersize=8, label=shorten_label(g, 16)) for g in groups]
            ax.legend(handles=group_handles, title="分组", loc="lower left",
                      bbox_to_anchor=(1.01, 0.0), frameon=False)
    return fig


def _cluster_order(values: np.ndarray) -> np.ndarray:
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import squareform

    distance = np.clip(1.0 - values, 0.0, None)
    distance = (distance + distance.T) / 2
    np.fill_diagonal(distance, 0.0)
    return leaves_list(linkage(squareform(distance, checks=False), method="average"))


def similarity_heatmap(
    sim: pd.DataFrame,
    labels: Sequence[str] | None = None,
    title: str = "文档相似度（TF-IDF 余弦）",
    order: str | None = "cluster",
    annotate: bool | None = None,
) -> CJKFigure:
    """Heatmap of a square document × document similarity matrix (0–1).

    With ``order="cluster"`` rows are reordered by average-linkage clustering so
    that groups of similar speeches form blocks; ``labels`` (one per row, e.g.
    "杭州市·2023") replace the doc_ids on the axes.

    >>> sim = pd.DataFrame([[1.0, 0.4], [0.4, 1.0]], index=["a", "b"], columns=["a", "b"])
    >>> len(similarity_heatmap(sim, labels=["杭州市", "宁波市"]).axes[0].get_xticklabels())
    2
    """
    if sim.empty:
        return empty_figure(title, detail="没有可比较的文档")
    if sim.shape[0] != sim.shape[1]:
        raise ValueError(f"similarity_heatmap: matrix must be square, got {sim.shape}")
    values = sim.to_numpy(dtype=float)
    names = list(labels) if labels is not None else [str(i) for i in sim.index]
    if len(names) != len(values):
        raise ValueError(f"similarity_heatmap: {len(names)} labels for {len(values)} rows")
    n = len(values)
    if order == "cluster" and n > 2 and np.isfinite(values).all():
        idx = _cluster_order(values)
        values = values[np.ix_(idx, idx)]
        names = [names[i] for i in idx]
    short = _unique_labels(names, 28)
    if annotate is None:
        annotate = n <= 16
    label_w = max(_display_width(s) for s in short) * 0.075
    heat = max(3.5, 0.34 * n + 0.6)          # the square matrix itself, in inches
    fig = _new_figure(heat + label_w + 1.5, heat + label_w + 0.7)
    with matplotlib.rc_context(cjk_rc()):
        ax = fig.add_subplot()
        # aspect "auto" lets constrained layout always fit the long labels; the figure
        # size keeps the cells close to square
        image = ax.imshow(values, vmin=0, vmax=1, cmap="YlGnBu", interpolation="nearest", aspect="auto")
        ax.set_xticks(range(n), short, rotation=90)
        ax.set_yticks(range(n), short)
        ax.tick_params(length=0)
        ax.set_title(title, y=1.0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        bar = fig.colorbar(image, ax=ax, shrink=0.6 if n > 12 else 0.9)
        bar.set_label("余弦相似度")
        if annotate:
            for i in range(n):
                for j in range(n):
                    ax.text(j, i, f"{values[i, j]:.2f}", ha="center", va="center", fontsize=10,
                            color=_annotation_color(image.cmap(image.norm(values[i, j]))))
    return fig


def figure_texts(fig: Figure) -> list[str]:
    """Every visible string drawn in ``fig``: titles, axis labels, tick labels, legends, annotations."""
    from matplotlib.text import Text

    texts = []
    for artist in fig.findobj(Text):
        if artist.get_visible() and artist.get_text():
            texts.append(artist.get_text())
    return texts


def chart_file_stems(prefix: str, labels: Sequence[object], max_chars: int = 40) -> list[str]:
    """Safe, distinct file names (without suffix) naming charts by their group: ``wordcloud_绍兴市·2021``.

    Only letters, digits (any script), ``·``, ``-`` and ``_`` are kept; path separators, dots and
    control characters become ``_``; a name is at most ``max_chars`` characters after the prefix;
    labels that end up alike get ``_2``, ``_3`` ….

    >>> chart_file_stems("wordcloud", ["绍兴市·2021", "../etc", "绍兴市·2021", ""])
    ['wordcloud_绍兴市·2021', 'wordcloud_etc', 'wordcloud_绍兴市·2021_2', 'wordcloud_4']
    """
    out: list[str] = []
    seen: set[str] = set()
    for k, label in enumerate(labels, start=1):
        text = "" if label is None else str(label)
        safe = "".join(ch if (ch.isalnum() or ch in "·-_") else "_" for ch in text)
        safe = "_".join(part for part in safe.split("_") if part)[:max_chars] or str(k)
        stem = f"{prefix}_{safe}"
        base, n = stem, 2
        while stem.lower() in seen:
            stem = f"{base}_{n}"
            n += 1
        seen.add(stem.lower())
        out.append(stem)
    return out


#: Largest chart raster in pixels: bigger figures (a 60 × 60 similarity heatmap is 25 × 24 inches) are drawn
#: at a lower dpi, down to :data:`MIN_PNG_DPI` (one pixel per CSS pixel: the page shows them at the same size).
MAX_PNG_PIXELS = 4_000_000
MIN_PNG_DPI = 96


def figure_dpi(fig: Figure) -> int:
    """The dpi a chart PNG is drawn at: :data:`PNG_DPI`, lowered for big figures to stay near :data:`MAX_PNG_PIXELS`.

    >>> figure_dpi(_new_figure(6.4, 4.8)), figure_dpi(_new_figure(25.0, 24.0))
    (150, 96)
    """
    width, height = fig.get_size_inches()
    fit = math.sqrt(MAX_PNG_PIXELS / max(float(width * height), 1e-6))
    return int(max(MIN_PNG_DPI, min(PNG_DPI, math.floor(fit))))


def png_bytes(fig: Figure, dpi: int | None = None) -> bytes:
    """``fig`` as a 256-colour palette PNG (white background) at ``dpi`` (default :func:`figure_dpi`).

    Drawn once to raw RGBA and encoded once: charts have few colours, so the palette keeps them
    sharp at about a third of the size of a full-colour PNG, in less time.

    >>> png_bytes(empty_figure("主题占比"))[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    from PIL import Image

    dpi = figure_dpi(fig) if dpi is None else dpi
    buffer = io.BytesIO()
    with matplotlib.rc_context(cjk_rc()):
        fig.savefig(buffer, format="rgba", dpi=dpi, facecolor="white")
    raw = buffer.getvalue()
    inches = fig.get_size_inches()
    width = int(inches[0] * dpi)  # as the Agg canvas sizes itself (truncated)
    if not width or len(raw) % (4 * width):
        width = int(round(inches[0] * dpi))
    height = len(raw) // (4 * width)
    image = Image.frombuffer("RGBA", (width, height), raw, "raw", "RGBA", 0, 1).convert("RGB")
    return _encode_palette(image, dpi)


def _encode_palette(image, dpi: int) -> bytes:
    """An RGB PIL image as a 256-colour palette PNG carrying ``dpi``."""
    from PIL import Image

    palette = image.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    colours = palette.getpalette() or []
    # the octree averages the white background with its lightest neighbours (254, 254, 254): white again
    snapped = [255 if max(colours[i:i + 3]) - min(colours[i:i + 3]) <= 1 and min(colours[i:i + 3]) >= 252 else v
               for i in range(0, len(colours), 3) for v in colours[i:i + 3]]
    if snapped != colours:
        palette.putpalette(snapped)
    out = io.BytesIO()
    palette.save(out, format="PNG", compress_level=6, dpi=(dpi, dpi))
    return out.getvalue()


def save_figure(fig: Figure, path: Path, svg: bool = False) -> list[Path]:
    """Save ``fig`` as PNG at ``path`` (suffix forced to .png), plus an SVG twin when ``svg``.

    The PNG is :func:`png_bytes`: 150 dpi (less for very large figures, see :func:`figure_dpi`),
    256-colour palette. Each file is written to a temporary file in the same directory and renamed
    over the target, so a crash never leaves a half-written chart. Returns the paths written, PNG first.
    """
    path = Path(path)
    if path.suffix.lower() in (".png", ".svg"):
        path = path.with_suffix("")
    written = [atomic_write_bytes(path.parent / f"{path.name}.png", png_bytes(fig))]
    if svg:
        buffer = io.BytesIO()
        with matplotlib.rc_context(cjk_rc()):
            fig.savefig(buffer, format="svg", facecolor="white", metadata={"Date": None, "Creator": None})
        written.append(atomic_write_bytes(path.parent / f"{path.name}.svg", buffer.getvalue()))
    return written


# --- target follow-through (speechkit followup) ---------------------------------------------

FOLLOWUP_COLORS = {"met": "#2f855a", "missed": "#c53030", "unknown": "#718096"}
FOLLOWUP_LABELS = {"met": "完成", "missed": "未完成", "unknown": "无法判断"}


def followup_chart(followup: pd.DataFrame, title: str = "目标与实际完成情况", max_indicators: int = 6) -> CJKFigure:
    """Target against outcome, one panel per indicator: x = target year, a hollow marker at the
    target (a bar for a range), an arrow to the outcome coloured by status (完成 green, 未完成 red).

    With several places, each place is nudged sideways so that their arrows do not overlap.

    >>> f = pd.DataFrame({"indicator_key": ["城镇新增就业"], "place": ["全国"], "target_year": [2024],
    ...                   "target_value": [1200.0], "target_low": [None], "target_high": [None],
    ...                   "outcome_value": [1256.0], "status": ["met"], "target_unit": ["万人"]})
    >>> followup_chart(f).axes[0].get_title()
    '城镇新增就业（万人）'
    """
    needed = ("indicator_key", "target_year", "target_value", "outcome_value", "status")
    if followup is None or followup.empty or any(c not in followup.columns for c in needed):
        return empty_figure(title, detail="没有能与后来的文档对上的目标")
    data = followup.dropna(subset=["target_year", "outcome_value"]).copy()
    if data.empty:
        return empty_figure(title, detail="没有能与后来的文档对上的目标")
    order = data["indicator_key"].value_counts().index.tolist()[:max_indicators]
    n = len(order)
    cols = 1 if n == 1 else 2
    rows = (n + cols - 1) // cols
    fig = _new_figure(6.2 * cols, 3.1 * rows + 0.8)
    places = list(dict.fromkeys(data["place"].astype(str))) if "place" in data.columns else [""]
    nudge = {p: (i - (len(places) - 1) / 2) * min(0.25, 0.7 / max(len(places), 1)) for i, p in enumerate(places)}
    with matplotlib.rc_context(cjk_rc()):
        for k, key in enumerate(order):
            ax = fig.add_subplot(rows, cols, k + 1)
            part = data[data["indicator_key"] == key]
            unit = next((u for u in part.get("target_unit", pd.Series(dtype=object)).dropna() if str(u)), "")
            for row in part.itertuples(index=False):
                x = float(row.target_year) + nudge.get(str(getattr(row, "place", "")), 0.0)
                low = getattr(row, "target_low", None)
                high = getattr(row, "target_high", None)
                target = row.target_value if row.target_value == row.target_value else low
                color = FOLLOWUP_COLORS.get(row.status, FOLLOWUP_COLORS["unknown"])
                if low == low and high == high and low is not None and high is not None:
                    ax.plot([x, x], [low, high], color="#4a5568", linewidth=3, alpha=0.5, solid_capstyle="butt")
                if target is not None and target == target:
                    ax.plot([x], [target], marker="o", markersize=7, markerfacecolor="white",
                            markeredgecolor="#4a5568", linestyle="none")
                    ax.annotate("", xy=(x, row.outcome_value), xytext=(x, target),
                                arrowprops={"arrowstyle": "->", "color": color, "linewidth": 1.6})
                ax.plot([x], [row.outcome_value], marker="o", markersize=6, color=color, linestyle="none")
            ax.set_title(f"{key}（{unit}）" if unit else str(key), y=1.0)
            years = part["target_year"].astype(float)
            ax.set_xlim(years.min() - 1, years.max() + 1)  # one year alone must not span two centuries
            _year_ticks(ax, 8)
            _light_grid(ax, "#e5e5e5")
        handles = [Line2D([], [], marker="o", markerfacecolor="white", markeredgecolor="#4a5568",
                                           linestyle="none", label="目标")]
        handles += [Line2D([], [], marker="o", color=FOLLOWUP_COLORS[s], linestyle="none",
                                            label=f"实际（{FOLLOWUP_LABELS[s]}）")
                    for s in ("met", "missed", "unknown") if (data["status"] == s).any()]
        fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False)
        fig.suptitle(title)
    return fig
