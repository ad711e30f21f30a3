"""Tests for speechkit.compare: groups, metadata files, themes/targets/outlines per group."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from speechkit.compare import (
    assign_groups,
    group_label,
    merge_meta,
    outline_documents,
    outline_stats,
    read_meta,
    resolve_group_columns,
    target_counts,
    targets_by_group,
    theme_shares,
    unmatched_meta_paths,
)


def _ok(documents: pd.DataFrame) -> pd.DataFrame:
    return documents[documents["status"] == "ok"].reset_index(drop=True)


# ---------------------------------------------------------------- groups


def test_group_labels_join_values_and_name_missing_ones():
    df = pd.DataFrame({"city": ["杭州市", None, "温州市"], "year": [2023.0, 2022.0, np.nan]})
    assert group_label(df, ["city", "year"]).tolist() == ["杭州市·2023", "未知·2022", "温州市·未知"]
    assert group_label(df, []).tolist() == ["全部"] * 3
    years = pd.DataFrame({"year": pd.array([2022, None], dtype="Int64")})
    assert group_label(years, ["year"]).tolist() == ["2022", "未知"]


def test_assign_groups_counts_documents_and_keeps_missing_values_as_a_group():
    docs = pd.DataFrame({"doc_id": list("abcde"), "city": ["宁波市", "杭州市", None, "宁波市", None]})
    codes, groups = assign_groups(docs, ["city"])
    assert groups["group"].tolist() == ["宁波市", "杭州市", "未知"]
    assert groups["docs"].tolist() == [2, 1, 2]
    assert [groups["group"][c] for c in codes] == ["宁波市", "杭州市", "未知", "宁波市", "未知"]


def test_resolve_group_columns_accepts_strings_lists_and_rejects_unknown_names():
    valid = ["year", "city", "类型"]
    assert resolve_group_columns("city,year", valid) == ["city", "year"]
    assert resolve_group_columns("city，类型", valid) == ["city", "类型"]
    assert resolve_group_columns(["year", "year"], valid) == ["year"]
    assert resolve_group_columns(None, valid) == []
    with pytest.raises(ValueError) as err:
        resolve_group_columns(["city", "县区"], valid)
    message = str(err.value)
    assert "县区" in message and all(v in message for v in valid)


# ---------------------------------------------------------------- meta files


def test_read_meta_handles_bom_blank_cells_numbers_and_windows_paths(tmp_path):
    path = tmp_path / "meta.csv"
    path.write_text(
        "source_path,类型,届次,年份\n"
        "浙江\\hz2022.txt,妇儿工委,,2022\n"
        "./浙江/nb2023.txt,妇代会, 第十五次 ,2023\n",
        encoding="utf-8-sig",
    )
    meta = read_meta(path)
    assert meta["source_path"].tolist() == ["浙江/hz2022.txt", "浙江/nb2023.txt"]
    assert meta["类型"].tolist() == ["妇儿工委", "妇代会"]
    assert pd.isna(meta["届次"][0]) and meta["届次"][1] == "第十五次"
    assert str(meta["年份"].dtype) == "Int64" and meta["年份"].tolist() == [2022, 2023]


def test_read_meta_without_source_path_names_the_file(tmp_path):
    path = tmp_path / "my_meta.csv"
    path.write_text("path,类型\na.txt,妇代会\n", encoding="utf-8")
    with pytest.raises(ValueError, match="my_meta.csv.*source_path"):
        read_meta(path)
    dup = tmp_path / "dup.csv"
    dup.write_text("source_path,类型\na.txt,妇代会\na.txt,妇儿工委\n", encoding="utf-8")
    with pytest.raises(ValueError, match="dup.csv.*a.txt"):
        read_meta(dup)
    with pytest.raises(FileNotFoundError):
        read_meta(tmp_path / "absent.csv")


def test_merge_meta_adds_columns_corrects_variables_and_protects_pipeline_columns(tiny_tables):
    docs = _ok(tiny_tables["documents"])
    meta = pd.DataFrame({
        "source_path": ["浙江/hz2022.txt", "浙江/wz2022.txt", "浙江/typo.txt"],
        "类型": ["妇儿工委", "妇儿工委", "妇代会"],
        "year": pd.array([None, 2021, 2020], dtype="Int64"),
    })
    merged = merge_meta(docs, meta)
    by_path = merged.set_index("source_path")
    assert by_path.loc["浙江/hz2022.txt", "类型"] == "妇儿工委"
    assert pd.isna(by_path.loc["浙江/nb2022.txt", "类型"])
    # a value in the meta file corrects the cleaner's year; an empty one keeps it
    assert by_path.loc["浙江/wz2022.txt", "year"] == 2021
    assert by_path.loc["浙江/hz2022.txt", "year"] == 2022
    assert str(merged["year"].dtype) == "Int64"
    assert len(merged) == len(docs)
    assert unmatched_meta_paths(docs, meta) == ["浙江/typo.txt"]
    with pytest.raises(ValueError, match="doc_id"):
        merge_meta(docs, meta.assign(doc_id="x"))


# ---------------------------------------------------------------- themes


def test_theme_shares_mean_counts_documents_without_hits_as_zero(tiny_tables):
    docs = _ok(tiny_tables["documents"])
    themes = tiny_tables["themes"]
    out = theme_shares(docs, themes, ["city"])
    theme_names = sorted(themes["theme"].unique())
    cities = sorted(docs["city"].unique())
    assert len(out) == len(cities) * len(theme_names)  # full grid
    share = themes.pivot_table(index="doc_id", columns="theme", values="share", aggfunc="sum")
    hits = themes.pivot_table(index="doc_id", columns="theme", values="hits", aggfunc="sum")
    for row in out.itertuples():
        ids = docs.loc[docs["city"] == row.city, "doc_id"]
        doc_shares = [share.at[d, row.theme] if d in share.index and not pd.isna(share.at[d, row.theme]) else 0.0
                      for d in ids]
        group_hits = hits.reindex(ids).fillna(0)
        assert row.docs == len(ids)
        assert row.mean_share == pytest.approx(sum(doc_shares) / len(ids))
        assert row.hits == group_hits[row.theme].sum()
        assert row.pooled_share == pytest.approx(group_hits[row.theme].sum() / group_hits.to_numpy().sum())
        assert row.docs_with_theme == sum(s > 0 for s in doc_shares)
        assert row.group == row.city
    # a theme some 温州市 speech never mentions still has a row, with the document counted as 0
    wz = out[(out["city"] == "温州市") & (out["theme"] == "家庭建设")].iloc[0]
    assert wz.hits == 0 and wz.mean_share == 0 and wz.docs == 2
    assert out.groupby("group")["pooled_share"].sum().to_numpy() == pytest.approx(1.0)
    assert set(out["field"]) == set(themes["field"])


def test_theme_shares_ignore_documents_that_are_not_in_the_table(tiny_tables):
    docs = _ok(tiny_tables["documents"])
    themes = pd.concat([tiny_tables["themes"], pd.DataFrame(
        {"doc_id": ["e" * 16], "theme": ["家庭建设"], "field": ["交叉议题"], "hits": [50], "share": [1.0]})])
    out = theme_shares(docs, themes, ["year"])
    assert out["docs"].groupby(out["group"]).first().sum() == len(docs)
    assert out["hits"].sum() == tiny_tables["themes"]["hits"].sum()


def test_theme_shares_without_themes_is_empty_with_columns(tiny_tables):
    docs = _ok(tiny_tables["documents"])
    out = theme_shares(docs, tiny_tables["themes"].iloc[0:0], ["city"])
    assert out.empty and {"city", "group", "theme", "mean_share", "pooled_share", "docs"} <= set(out.columns)


# ---------------------------------------------------------------- targets


def test_targets_by_group_filters_kind_and_indicator_and_drops_error_documents(tiny_tables):
    docs = _ok(tiny_tables["documents"])
    targets = pd.concat([tiny_tables["targets"], tiny_tables["targets"].iloc[:1].assign(doc_id="e" * 16)])
    out = targets_by_group(docs, targets, ["city", "year"])
    assert len(out) == len(tiny_tables["targets"])
    assert {"city", "year", "group", "title", "indicator", "deadline_year"} <= set(out.columns)
    planned = targets_by_group(docs, targets, ["city"], kind="target")
    assert (planned["kind"] == "target").all() and len(planned) == (tiny_tables["targets"]["kind"] == "target").sum()
    children = targets_by_group(docs, targets, [], indicator="儿童")
    assert len(children) > 0 and children["indicator"].str.contains("儿童").all()
    assert "group" not in children.columns


def test_target_counts_per_group(tiny_tables):
    docs = _ok(tiny_tables["documents"])
    targets = tiny_tables["targets"]
    out = target_counts(docs, targets, ["city"]).set_index("group")
    joined = targets.merge(docs[["doc_id", "city"]], on="doc_id")
    for city, part in docs.groupby("city"):
        mine = joined[joined["city"] == city]
        assert out.loc[city, "targets"] == len(mine)
        assert out.loc[city, "docs_with_targets"] == mine["doc_id"].nunique()
        assert out.loc[city, "docs"] == len(part)
        assert set(out.loc[city, "indicators"].split("、")) == set(mine["indicator"])


# ---------------------------------------------------------------- outlines


def test_outline_stats_compare_announced_and_found_points(tiny_tables):
    docs = _ok(tiny_tables["documents"])
    outlines = tiny_tables["outlines"]
    out = outline_stats(docs, outlines, ["city"]).set_index("group")
    joined = outlines.merge(docs[["doc_id", "city"]], on="doc_id")
    for city, part in docs.groupby("city"):
        mine = joined[joined["city"] == city]
        assert out.loc[city, "docs"] == len(part)
        assert out.loc[city, "outlines"] == len(mine)
        assert out.loc[city, "incomplete"] == (~mine["complete"]).sum()
        if len(mine):
            assert out.loc[city, "announced_points_mean"] == pytest.approx(mine["announced_points"].mean())
            assert out.loc[city, "found_points_mean"] == pytest.approx(mine["found_points"].mean())
    whole = outline_stats(docs, outlines, [])
    assert whole["group"].tolist() == ["全部"] and whole["incomplete"].item() == (~outlines["complete"]).sum()


def test_groups_without_outlines_have_no_means(tiny_tables):
    docs = _ok(tiny_tables["documents"])
    outlines = tiny_tables["outlines"]
    only_hz = outlines[outlines["doc_id"].isin(docs.loc[docs["city"] == "杭州市", "doc_id"])]
    out = outline_stats(docs, only_hz, ["city"]).set_index("group")
    assert math.isnan(out.loc["温州市", "announced_points_mean"])
    assert out.loc["温州市", "incomplete"] == 0 and out.loc["温州市", "outlines"] == 0


def test_outline_documents_lists_incomplete_outlines_with_titles(tiny_tables):
    docs = _ok(tiny_tables["documents"])
    outlines = tiny_tables["outlines"]
    out = outline_documents(docs, outlines, incomplete_only=True)
    assert len(out) == (~outlines["complete"]).sum()
    assert (out["found_points"] < out["announced_points"]).all()
    assert out["title"].notna().all()


def test_meta_columns_may_not_reuse_names_of_the_comparison_tables(tiny_tables):
    docs = _ok(tiny_tables["documents"])
    meta = pd.DataFrame({"source_path": ["浙江/hz2022.txt"], "group": ["甲组"]})
    with pytest.raises(ValueError, match="group"):
        merge_meta(docs, meta)
