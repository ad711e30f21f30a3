"""Tests for speechkit.charts: every chart draws Chinese with a font that has the glyphs."""
from __future__ import annotations

import io
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image

from speechkit import charts
from speechkit.fonts import font_covers

GROUPS = ["杭州市·2023", "宁波市·2023", "温州市·2024", "黔东南苗族侗族自治州·2024"]
THEMES = ["妇女就业创业", "儿童健康", "托育服务", "家庭家教家风", "妇女儿童权益保障与法治建设"]


def _shares() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = [dict(group=g, theme=t, mean_share=float(rng.uniform(0.01, 0.3))) for g in GROUPS for t in THEMES]
    return pd.DataFrame(rows)


def _trends() -> pd.DataFrame:
    rows = [dict(year=y, theme=t, mean_share=0.02 * (k + 1) + 0.005 * (y - 2019))
            for y in range(2019, 2025) for k, t in enumerate(THEMES[:3])]
    df = pd.DataFrame(rows)
    return df[~((df["year"] == 2021) & (df["theme"] == "儿童健康"))]        # one missing year


def _keyness() -> pd.DataFrame:
    rows = []
    for g in GROUPS[:3]:
        for r, term in enumerate(["数字家庭", "托育", "巾帼志愿", "亚运", "家风", "反家暴"]):
            rows.append(dict(group=g, term=term, freq_group=30 - r, freq_rest=5 + r, g2=40.0 - 6 * r,
                             log_ratio=1.5 if r != 5 else -0.7, rank=r + 1))
    return pd.DataFrame(rows)


def _targets() -> pd.DataFrame:
    return pd.DataFrame({
        "indicator": ["每千人口托位数", "孕产妇死亡率", "每千人口托位数", "新建行业妇联", "儿童近视率"],
        "deadline_year": pd.array([2025, 2030, 2027, None, 2026], dtype="Int64"),
        "kind": ["target", "target", "target", "target", "achievement"],
        "group": ["杭州市", "宁波市", "杭州市", "温州市", "宁波市"],
    })


def _similarity(n: int = 6) -> pd.DataFrame:
    ids = [f"doc{i}" for i in range(n)]
    m = np.full((n, n), 0.1)
    for block in (range(0, n, 2), range(1, n, 2)):          # docs 0,2,4 and 1,3,5 are alike
        for i in block:
            for j in block:
                m[i, j] = 0.8
    np.fill_diagonal(m, 1.0)
    return pd.DataFrame(m, index=ids, columns=ids)


def all_figures() -> dict[str, Figure]:
    return {
        "heatmap": charts.theme_heatmap(_shares()),
        "trends": charts.theme_trends(_trends()),
        "keyness": charts.keyness_bars(_keyness()),
        "wordcloud": charts.group_wordcloud({"妇女": 30, "儿童": 25, "家庭": 12, "托育": 8}, "杭州市·2023"),
        "timeline": charts.target_timeline(_targets()),
        "timeline_empty": charts.target_timeline(_targets().iloc[0:0]),
        "similarity": charts.similarity_heatmap(_similarity(), labels=[f"{g} 讲话" for g in GROUPS[:3] * 2]),
    }


@pytest.fixture(scope="module")
def figures() -> dict[str, Figure]:
    return all_figures()


def _render(fig: Figure) -> list[str]:
    """Draw ``fig`` to PNG and return the warnings matplotlib raised while drawing."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(io.BytesIO(), format="png", dpi=60)
    return [str(w.message) for w in caught]


# ---------------------------------------------------------------------------
# Chinese renders: the font has every glyph and matplotlib never falls back
# ---------------------------------------------------------------------------

def test_font_covers_every_label_of_every_chart(figures):
    for name, fig in figures.items():
        texts = charts.figure_texts(fig)
        assert texts, name
        assert font_covers("".join(texts)) == set(), name


def test_no_missing_glyph_warnings_when_drawing(figures):
    for name, fig in figures.items():
        missing = [w for w in _render(fig) if "missing from" in w]
        assert missing == [], (name, missing)


def test_missing_glyph_detection_works_on_a_plain_figure():
    """Control: the same check does flag tofu on a figure drawn without the CJK font."""
    fig = Figure()
    fig.add_subplot().set_title("各组主题占比")
    assert any("missing from" in w for w in _render(fig))


def test_saved_figures_render_chinese_even_outside_any_context(figures):
    # savefig directly on the figure (not via save_figure) still uses the CJK font
    fig = figures["heatmap"]
    assert not [w for w in _render(fig) if "missing from" in w]


def test_text_is_at_least_10pt(figures):
    for name, fig in figures.items():
        _render(fig)
        sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]
        assert min(sizes) >= 10, name


def test_charts_do_not_use_pyplot():
    # the word cloud is the one place a library might pull pyplot in (wordcloud's colormaps)
    code = ("import io, sys; import pandas as pd; from speechkit import charts; "
            "figs = [charts.group_wordcloud({'妇女': 3, '儿童': 2}, '甲市'), "
            "charts.theme_heatmap(pd.DataFrame({'group': ['甲市'], 'theme': ['托育'], 'mean_share': [0.1]}))]; "
            "[f.savefig(io.BytesIO(), format='png', dpi=40) for f in figs]; "
            "print('matplotlib.pyplot' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "False"


# ---------------------------------------------------------------------------
# each chart shows its data
# ---------------------------------------------------------------------------

def test_heatmap_cells_and_order(figures):
    fig = figures["heatmap"]
    ax = fig.axes[0]
    shares = _shares()
    image = ax.images[0].get_array()
    assert image.shape == (len(GROUPS), len(THEMES))
    # themes ordered by mean share, most prominent first
    by_mean = shares.groupby("theme")["mean_share"].mean().sort_values(ascending=False)
    shown = [t.get_text() for t in ax.get_xticklabels()]
    assert shown == [charts.shorten_label(t, 16) for t in by_mean.index]
    # annotated as percentages of the data
    value = shares[(shares.group == GROUPS[0]) & (shares.theme == by_mean.index[0])]["mean_share"].item()
    annotations = [t.get_text() for t in ax.texts]
    assert f"{value * 100:.1f}" in annotations
    assert "平均占比（%）" in charts.figure_texts(fig)


def test_heatmap_long_labels_are_cut_and_figure_grows_with_rows():
    many = pd.DataFrame([dict(group=f"第{i}组", theme="妇女儿童权益保障与法治建设示范项目", mean_share=0.1)
                         for i in range(40)])
    fig = charts.theme_heatmap(many)
    label = fig.axes[0].get_xticklabels()[0].get_text()
    assert label.endswith("…") and len(label) < len("妇女儿童权益保障与法治建设示范项目")
    assert fig.get_size_inches()[1] > charts.theme_heatmap(_shares()).get_size_inches()[1] + 5


def test_trends_one_line_per_theme_with_gap(figures):
    ax = figures["trends"].axes[0]
    assert len(ax.lines) == 3
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert sorted(legend) == sorted(THEMES[:3])
    gap_line = ax.lines[legend.index("儿童健康")]
    assert np.isnan(np.asarray(gap_line.get_ydata(), dtype=float)).sum() == 1   # 2021 missing, not 0
    assert ax.get_xlabel() == "年份"


def test_trends_per_place_series():
    df = pd.DataFrame({"year": [2022, 2023, 2022, 2023], "city": ["杭州市", "杭州市", "宁波市", "宁波市"],
                       "mean_share": [0.1, 0.2, 0.05, 0.07]})
    ax = charts.theme_trends(df, series="city", title="托育服务占比").axes[0]
    assert ax.get_title() == "托育服务占比"
    assert ax.get_legend().get_title().get_text() == "城市"


def test_keyness_small_multiples(figures):
    fig = figures["keyness"]
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.axison]
    assert [ax.get_title() for ax in panels] == GROUPS[:3]
    bars = panels[0].patches
    assert len(bars) == 6
    widths = [b.get_width() for b in bars]
    assert widths[0] == pytest.approx(40.0) and widths[-1] < 0     # under-used term points left
    tops = [b.get_y() for b in bars]
    assert tops[0] == max(tops)                                    # best term drawn on top


def test_keyness_top_limits_bars():
    fig = charts.keyness_bars(_keyness(), top=3)
    assert all(len(ax.patches) == 3 for ax in fig.axes if ax.axison)


def test_wordcloud_is_deterministic_and_white():
    freqs = {"妇女": 30, "儿童": 25, "家庭": 12, "托育": 8, "就业": 5}
    a = charts.group_wordcloud(freqs, "甲市").axes[0].images[0].get_array()
    b = charts.group_wordcloud(freqs, "甲市").axes[0].images[0].get_array()
    assert np.array_equal(np.asarray(a), np.asarray(b))
    corner = np.asarray(a)[0, 0]
    assert tuple(corner[:3]) == (255, 255, 255)


def test_empty_inputs_give_no_data_figures():
    empties = [
        charts.theme_heatmap(_shares().iloc[0:0]),
        charts.theme_trends(_trends().iloc[0:0]),
        charts.keyness_bars(_keyness().iloc[0:0]),
        charts.group_wordcloud({}, "甲市"),
        charts.target_timeline(pd.DataFrame()),
        charts.target_timeline(_targets().assign(deadline_year=pd.NA)),
        charts.similarity_heatmap(pd.DataFrame()),
    ]
    for fig in empties:
        assert "无数据" in charts.figure_texts(fig)


def test_timeline_axes_and_markers(figures):
    ax = figures["timeline"].axes[0]
    y_of = {t.get_text(): y for t, y in zip(ax.get_yticklabels(), ax.get_yticks())}
    # the target without a deadline year is left out; earliest deadline on top
    assert "新建行业妇联" not in y_of
    assert max(y_of, key=y_of.get) == "每千人口托位数" and min(y_of, key=y_of.get) == "孕产妇死亡率"
    texts = charts.figure_texts(figures["timeline"])
    assert {"目标", "已达成"} <= set(texts) and "完成年限" in texts


def test_similarity_clusters_similar_documents(figures):
    ax = figures["similarity"].axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 6
    image = np.asarray(ax.images[0].get_array())
    # after clustering, the two blocks of similar documents are contiguous
    assert image[0, 1] == pytest.approx(0.8) and image[0, 2] == pytest.approx(0.8)
    assert image[0, 3] == pytest.approx(0.1)


def test_similarity_rejects_bad_input():
    with pytest.raises(ValueError, match="square"):
        charts.similarity_heatmap(pd.DataFrame(np.ones((2, 3))))
    with pytest.raises(ValueError, match="labels"):
        charts.similarity_heatmap(_similarity(2), labels=["只有一个"])


def test_shorten_label_counts_chinese_as_double_width():
    assert charts.shorten_label("杭州市", 12) == "杭州市"
    cut = charts.shorten_label("推动妇女儿童事业高质量发展", 12)
    assert cut.endswith("…") and len(cut) == 6


# ---------------------------------------------------------------------------
# saving
# ---------------------------------------------------------------------------

def test_save_figure_png_and_svg(tmp_path, figures):
    fig = figures["trends"]
    paths = charts.save_figure(fig, tmp_path / "trends.png", svg=True)
    assert [p.name for p in paths] == ["trends.png", "trends.svg"]
    with Image.open(paths[0]) as png:
        width_in, height_in = fig.get_size_inches()
        assert png.size == (round(width_in * 150), round(height_in * 150))
    svg = paths[1].read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "<text" not in svg    # text drawn as outlines
    assert sorted(p.name for p in tmp_path.iterdir()) == ["trends.png", "trends.svg"]   # no temp files


def test_save_figure_replaces_existing_file(tmp_path, figures):
    target = tmp_path / "chart.png"
    target.write_bytes(b"old")
    charts.save_figure(figures["wordcloud"], target)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["chart.png"]


def test_group_labels_keep_their_year_when_cut():
    from speechkit.charts import _unique_labels

    labels = _unique_labels(["新疆维吾尔自治区 · 2024", "新疆维吾尔自治区 · 2025", "宁夏回族自治区 · 2024"], 20)
    assert labels[0].endswith("· 2024") and labels[1].endswith("· 2025")
    assert len(set(labels)) == 3 and not any("(2)" in label for label in labels)


# ---------------------------------------------------------------------------
# the report's PNGs: one palette encode, big figures at a lower dpi, word clouds with a font subset
# ---------------------------------------------------------------------------

def test_png_bytes_is_a_palette_png_with_its_dpi(figures):
    fig = figures["heatmap"]
    with Image.open(io.BytesIO(charts.png_bytes(fig))) as png:
        assert png.mode == "P"                                       # 256-colour palette
        assert round(png.info["dpi"][0]) == charts.PNG_DPI
        width_in, _ = fig.get_size_inches()
        assert abs(png.size[0] - width_in * charts.PNG_DPI) <= 1
        rgb = np.asarray(png.convert("RGB"))
    assert tuple(rgb[0, 0]) == (255, 255, 255)                       # white background
    assert len(np.unique(rgb.reshape(-1, 3), axis=0)) > 10           # the colour scale survives


def test_big_figures_are_drawn_at_a_lower_dpi_but_never_below_screen_resolution():
    n = 60
    sim = pd.DataFrame(np.eye(n) * 0.5 + 0.5, index=[f"d{i}" for i in range(n)], columns=[f"d{i}" for i in range(n)])
    big = charts.similarity_heatmap(sim, labels=[f"杭州市 2024 第{i}篇讲话" for i in range(n)])
    dpi = charts.figure_dpi(big)
    assert charts.MIN_PNG_DPI <= dpi < charts.PNG_DPI
    with Image.open(io.BytesIO(charts.png_bytes(big))) as png:
        assert png.size[0] * png.size[1] <= charts.MAX_PNG_PIXELS * 1.5
        assert round(png.info["dpi"][0]) == dpi
    assert charts.figure_dpi(charts.empty_figure("主题占比")) == charts.PNG_DPI


def test_wordcloud_font_subset_draws_the_same_pixels_as_the_full_font(tmp_path, monkeypatch):
    from speechkit.fonts import cjk_font_path

    monkeypatch.setenv("SPEECHKIT_CACHE_DIR", str(tmp_path))
    freqs = {"妇女": 30, "儿童": 25, "家庭": 12, "托育": 8, "就业": 5, "巾帼建功": 4, "高质量发展": 3}
    subset = charts.group_wordcloud(freqs, "甲市").axes[0].images[0].get_array()
    full = charts.group_wordcloud(freqs, "甲市", font_path=cjk_font_path()).axes[0].images[0].get_array()
    assert np.array_equal(np.asarray(subset), np.asarray(full))
    assert list((tmp_path / "fonts").glob("*.otf"))                  # the subset was cached


def test_wordcloud_png_is_the_cloud_of_the_figure_below_its_title():
    freqs = {"妇女": 30, "儿童": 25, "家庭": 12, "托育": 8, "就业": 5, "巾帼建功": 4}
    png = charts.wordcloud_png(freqs, "杭州市·2023", scale=2.0)
    cloud = np.asarray(charts.group_wordcloud(freqs, "杭州市·2023", scale=2.0).axes[0].images[0].get_array())
    with Image.open(io.BytesIO(png)) as image:
        rgb = np.asarray(image.convert("RGB")).astype(int)
    band = round(0.45 * charts.PNG_DPI)
    assert rgb.shape[:2] == (cloud.shape[0] + band, cloud.shape[1])
    drawn = rgb[band:]                                                  # the same words in the same places
    inked = (drawn.min(axis=2) < 200).mean()
    assert abs(inked - (cloud[..., :3].min(axis=2) < 200).mean()) < 0.01 and inked > 0.05
    assert np.abs(drawn - cloud[..., :3]).mean() < 3                    # colours kept by the palette
    title = rgb[:band]
    assert (title.max(axis=2) < 100).any() and tuple(title[0, 0]) == (255, 255, 255)
    assert charts.wordcloud_png({}, "杭州市") is None


def test_titles_sit_where_automatic_placement_would_put_them(figures):
    """Titles are placed at y=1.0 (no re-measuring at each draw): right only while nothing is drawn above an axes."""
    for name, fig in figures.items():
        for ax in fig.axes:
            if not ax.get_title():
                continue
            assert ax.title.get_position()[1] == 1.0, name
            assert ax.xaxis.get_label_position() == "bottom", name
            assert not any(tick.label2.get_visible() for tick in ax.xaxis.get_major_ticks()), name
