"""Shared fixtures: a tiny synthetic processed corpus written as Parquet tables.

``tiny_processed`` writes the tables of docs/tables.md for seven speeches on
women's and children's work given in three cities of 浙江省 in 2022 and 2023,
plus a 范文-site copy of one of them (title changed, two paragraphs swapped,
a few characters edited) and one document the cleaner could not read. All
text is written for these tests. Speeches are stored pre-segmented (tokens
separated by spaces) so no segmenter is needed; the tables derived from them
(tokens, sentences, themes, targets, outlines) are computed from that text,
so they are consistent with it.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd
import pytest

# ---------------------------------------------------------------------------
# the speeches (one paragraph per string, tokens separated by spaces)
# ---------------------------------------------------------------------------

HANGZHOU_2022 = [
    "同志们 ： 今天 召开 全市 妇女儿童 工作 会议 ， 主要 任务 是 总结 去年 工作 ， 部署 今年 任务 。",
    "过去 一年 ， 全市 新增 普惠性 托育 机构 45 家 ， 建成 儿童 友好 社区 120 个 ， 妇女 就业 形势 保持 稳定 。",
    "下面 ， 我 讲 三点 意见 。",
    "一是 推进 数字 家庭 服务 。 要 依托 城市 大脑 ， 把 托育 、 家政 、 养老 服务 接入 数字 平台 ， 让 家庭 办事 少 跑腿 。",
    "二是 办好 亚运 志愿 服务 。 发动 巾帼 志愿者 参与 亚运 城市 服务 ， 展示 杭州 女性 风采 。",
    "三是 守护 儿童 健康 成长 。 到 2025年 ， 全市 每千人口 拥有 托位数 达到 4.5 个 ， 儿童 近视率 每年 下降 1 个百分点 。",
]

HANGZHOU_2023 = [
    "同志们 ： 这次 会议 的 主题 是 推进 两纲 两规划 实施 ， 确保 中期 目标 如期 实现 。",
    "从 监测 数据 看 ， 全市 女性 参加 基本 养老 保险 比例 达到 96% ， 孕产妇 系统 管理率 保持 在 98% 以上 。",
    "这些 成绩 来之不易 ， 凝聚 着 各 成员 单位 的 心血 ， 也 离不开 广大 妇女 群众 的 积极 参与 。",
    "妇儿工委 各 成员 单位 要 把 规划 目标 分解 到 年度 计划 ， 逐项 明确 牵头 部门 和 完成 时限 ， 做到 年初 有 部署 、 年中 有 督查 、 年底 有 考核 。",
    "统计 部门 要 会同 妇儿工委 办公室 做好 分性别 统计 ， 对 进展 滞后 的 指标 及时 预警 ， 推动 相关 部门 拿出 针对性 措施 。",
    "同时 也要 看到 ， 城乡 之间 、 区域 之间 还 存在 差距 ， 数字 时代 的 新 问题 不断 出现 ， 老年 女性 使用 数字 服务 仍有 困难 。",
    "就 做好 下一步 工作 ， 我 提 四点 意见 。",
    "第一 ， 补齐 数字 鸿沟 短板 。 组织 开展 老年 女性 智能 手机 培训 ， 帮助 她们 用好 数字 服务 ， 让 数字 杭州 建设 成果 惠及 每 一位 妇女 。",
    "第二 ， 深化 家庭 家教 家风 建设 。 评选 最美 家庭 ， 推动 好 家风 进 社区 、 进 校园 、 进 机关 ， 发挥 家庭 在 基层 治理 中 的 作用 。",
    "第三 ， 强化 儿童 权益 保护 。 完善 强制 报告 制度 ， 严厉 打击 侵害 未成年人 违法 犯罪 ， 守护 好 每 一个 孩子 的 平安 。",
]

NINGBO_2022 = [
    "各位 同志 ： 今年 是 实施 新 一轮 妇女 儿童 发展 规划 的 开局 之年 ， 开好 这次 会议 意义 重大 。",
    "一年 来 ， 我们 围绕 港口 城市 建设 ， 组织 海洋 渔业 妇女 技能 培训 3200 人次 ， 帮助 1500 名 妇女 实现 就业 。",
    "今年 要 重点 抓好 以下 几 项 工作 。",
    "首先 ， 拓宽 妇女 就业 渠道 。 依托 港口 物流 和 海洋 经济 ， 开发 适合 女性 的 岗位 ， 开展 订单式 技能 培训 。",
    "其次 ， 加强 困境 儿童 关爱 。 建立 村社 儿童 主任 队伍 ， 实现 困境 儿童 动态 监测 全覆盖 。",
    "最后 ， 维护 妇女 合法 权益 。 推进 反家暴 协作 机制 建设 ， 畅通 维权 热线 ， 让 受害 妇女 求助 有门 。",
]

NINGBO_2023 = [
    "各位 代表 ： 宁波市 第十五次 妇女 代表 大会 今天 隆重 开幕 ， 我 代表 市委 表示 热烈 祝贺 。",
    "五年 来 ， 全市 各级 妇联 组织 团结 带领 广大 妇女 ， 在 港城 建设 中 建功立业 ， 涌现 出 一大批 先进 典型 。",
    "对 今后 五年 的 工作 ， 我 提出 两点 希望 。",
    "一 、 在 共同 富裕 中 当好 主力军 。 要 发展 海洋 特色 产业 ， 打造 巾帼 共富 工坊 200 家 ， 带动 渔区 妇女 增收 致富 。",
    "二 、 在 基层 治理 中 发挥 好 作用 。 推动 新 领域 新 阶层 建立 妇联 组织 ， 到 2027年 新建 行业 妇联 30 个 。",
]

WENZHOU_2022 = [
    "同志们 ： 温州 是 民营 经济 的 重要 发祥地 ， 女性 创业者 在 民营 企业 中 占有 重要 位置 。",
    "去年 ， 全市 发放 巾帼 创业 贷款 12 亿元 ， 培育 女性 创业 带头人 800 名 。",
    "今年 ， 我 强调 三个 方面 。",
    "一要 优化 女性 创业 环境 。 简化 贷款 审批 流程 ， 为 女 企业家 提供 法律 和 融资 咨询 。",
    "二要 发挥 侨乡 优势 。 联系 海外 侨胞 女性 ， 搭建 侨商 妇女 交流 平台 ， 引导 她们 回乡 创业 。",
]

WENZHOU_2023 = [
    "同志们 ： 今天 的 会议 ， 是 对 全市 儿童 友好 城市 建设 的 再 动员 、 再 部署 。",
    "全市 已 建成 儿童 公园 26 个 ， 中小学 课后 服务 实现 全覆盖 。",
    "一是 建设 儿童 友好 空间 。 在 老城区 改造 中 增加 儿童 游戏 场地 ， 到 2025年 建成 儿童 友好 街区 50 个 。",
    "二是 做强 民营 托育 。 鼓励 民营 企业 举办 托育 机构 ， 给予 场地 和 运营 补贴 。",
    "三是 保障 流动 儿童 入学 。 落实 以 居住证 为 主要 依据 的 入学 政策 ， 让 孩子们 在 温州 安心 上学 。",
]


def _fanwen_copy(paragraphs: list[str]) -> list[str]:
    """A 范文 site's repost: two paragraphs swapped and a few characters edited."""
    copy = list(paragraphs)
    copy[8], copy[9] = copy[9], copy[8]
    copy = [p.replace("严厉", "依法").replace("来之不易", "实属不易") for p in copy]
    copy[0] = copy[0].replace("这次 会议", "本次 会议")
    return copy


SPEECHES = [
    # key, paragraphs, document variables
    ("hz2022", HANGZHOU_2022, dict(city="杭州市", year=2022, date="2022-03-08", meeting="全市妇女儿童工作会议",
                                   speaker="_副市长", site="杭州市妇联", title="在全市妇女儿童工作会议上的讲话")),
    ("hz2023", HANGZHOU_2023, dict(city="杭州市", year=2023, date="2023-06-15", meeting="两纲两规划推进会",
                                   speaker=None, site="杭州市政府网", title="在全市两纲两规划推进会上的讲话",
                                   truncated=True, declared_chars=2400)),
    ("hz2023copy", _fanwen_copy(HANGZHOU_2023), dict(
        city="杭州市", year=2023, date="2023-09-01", meeting="两纲两规划推进会", speaker=None, site="某范文网",
        title="两纲两规划推进会领导讲话稿（精选范文）")),
    ("nb2022", NINGBO_2022, dict(city="宁波市", year=2022, date="2022-04-20", meeting="全市妇女儿童工作会议",
                                 speaker=None, site="宁波市妇联", title="在全市妇女儿童工作会议上的讲话")),
    ("nb2023", NINGBO_2023, dict(city="宁波市", year=2023, date="2023-11-02", meeting="妇女代表大会",
                                 speaker="**", site="宁波市妇联", title="在宁波市第十五次妇女代表大会上的讲话")),
    ("wz2022", WENZHOU_2022, dict(city="温州市", year=2022, date=None, meeting="全市妇女儿童工作会议",
                                  speaker=None, site="温州市政府网", title="在全市妇女儿童工作会议上的讲话")),
    ("wz2023", WENZHOU_2023, dict(city="温州市", year=2023, date="2023-05-30", meeting="全市妇女儿童工作会议",
                                  speaker=None, site="温州市妇联", title="在儿童友好城市建设推进会上的讲话")),
]

#: theme → (field, lexicon) used to build themes.parquet from the texts
THEME_TERMS = {
    "妇女就业创业": ("妇女纲要·经济", ["就业", "创业", "技能"]),
    "儿童友好": ("儿童纲要·环境", ["儿童友好", "友好社区", "托育", "托位"]),
    "家庭建设": ("交叉议题", ["家庭", "家风", "家教"]),
    "权益保障": ("妇女纲要·法律", ["权益", "维权", "反家暴"]),
}

#: targets stated in the speeches: key → (kind, indicator, value, unit, comparator, deadline_year, sentence start)
TARGETS = {
    "hz2022": [
        ("achievement", "新增普惠性托育机构", 45.0, "家", "=", None, "过去一年"),
        ("target", "每千人口拥有托位数", 4.5, "个", "=", 2025, "到2025年"),
    ],
    "hz2023": [
        ("achievement", "女性参加基本养老保险比例", 96.0, "%", "=", None, "从监测数据看"),
        ("achievement", "孕产妇系统管理率", 98.0, "%", ">=", None, "从监测数据看"),
    ],
    "nb2022": [
        ("achievement", "海洋渔业妇女技能培训", 3200.0, "人次", "=", None, "一年来"),
        ("achievement", "帮助妇女实现就业", 1500.0, "名", "=", None, "一年来"),
    ],
    "nb2023": [
        ("target", "巾帼共富工坊", 200.0, "家", "=", None, "要发展海洋特色产业"),
        ("target", "新建行业妇联", 30.0, "个", "=", 2027, "推动新领域"),
    ],
    "wz2022": [
        ("achievement", "巾帼创业贷款", 12.0, "亿元", "=", None, "去年"),
        ("achievement", "女性创业带头人", 800.0, "名", "=", None, "去年"),
    ],
    "wz2023": [
        ("achievement", "儿童公园", 26.0, "个", "=", None, "全市已建成"),
        ("target", "儿童友好街区", 50.0, "个", "=", 2025, "在老城区改造中"),
    ],
}

#: 意见 outlines: key → (announced phrase, announced points, found points, missing numbers)
OUTLINES = {
    "hz2022": ("讲三点意见", 3, 3, []),
    "hz2023": ("提四点意见", 4, 3, [4]),
    "hz2023copy": ("提四点意见", 4, 3, [4]),
    "nb2023": ("提出两点希望", 2, 2, []),
    "wz2022": ("强调三个方面", 3, 2, [3]),
}

_HAS_WORD = re.compile(r"[\u4e00-\u9fffA-Za-z]")


def _sentences(paragraph: str) -> list[list[str]]:
    """Split a pre-segmented paragraph into sentences of tokens."""
    sentences, current = [], []
    for token in paragraph.split():
        current.append(token)
        if token in {"。", "！", "？", "；"}:
            sentences.append(current)
            current = []
    if current:
        sentences.append(current)
    return sentences


def build_tiny_corpus() -> dict[str, pd.DataFrame]:
    """All tables of the tiny corpus as DataFrames (see module docstring)."""
    documents, tokens, sentences, themes, targets, outlines, removals = [], [], [], [], [], [], []
    for key, paragraphs, variables in SPEECHES:
        text = "\n".join(p.replace(" ", "") for p in paragraphs)
        footer = "\n本文来源于网络，仅供学习参考。" if variables["site"] == "某范文网" else ""
        raw_text = f"{variables['title']}\n{text}{footer}"
        doc_id = hashlib.sha1(raw_text.encode("utf-8")).hexdigest()[:16]
        variables = dict(variables)
        truncated = variables.pop("truncated", False)
        declared = variables.pop("declared_chars", None)
        documents.append(dict(
            doc_id=doc_id, source_path=f"浙江/{key}.txt", text=text, raw_text=raw_text,
            province="浙江省", district=None, level="市", url=None, truncated=truncated,
            declared_chars=declared, omitted_chars=(declared - len(text)) if declared else None,
            redactions=text.count("_") + text.count("*"), raw_chars=len(raw_text), clean_chars=len(text),
            encoding="utf-8", format="txt", status="ok", error=None, **variables,
        ))
        if footer:
            start = raw_text.index(footer)
            removals.append(dict(doc_id=doc_id, rule="site_footer", start=start, end=start + len(footer), text=footer))
        sentence_id, offset = 0, 0
        for paragraph in paragraphs:
            for sentence_tokens in _sentences(paragraph):
                sentence_text = "".join(sentence_tokens)
                start = text.index(sentence_text, offset)
                offset = start + len(sentence_text)
                sentences.append(dict(doc_id=doc_id, sentence_id=sentence_id, start=start, end=offset, text=sentence_text))
                content = [t for t in sentence_tokens if _HAS_WORD.search(t)]
                tokens.append(dict(doc_id=doc_id, sentence_id=sentence_id, tokens=content))
                sentence_id += 1
        hits = {theme: sum(text.count(term) for term in terms) for theme, (_, terms) in THEME_TERMS.items()}
        total = sum(hits.values())
        for theme, n in hits.items():
            if n:
                themes.append(dict(doc_id=doc_id, theme=theme, field=THEME_TERMS[theme][0], hits=n, share=n / total))
        for kind, indicator, value, unit, comparator, deadline, opening in TARGETS.get(key, []):
            start = text.index(opening)
            end = text.index("。", start) + 1
            targets.append(dict(
                doc_id=doc_id, kind=kind, indicator=indicator, value=value, unit=unit, comparator=comparator,
                deadline_year=deadline, horizon=f"到{deadline}年" if deadline else None, redacted=False,
                sentence=text[start:end], start=start, end=end,
            ))
        if key in OUTLINES:
            phrase, announced, found, missing = OUTLINES[key]
            outlines.append(dict(doc_id=doc_id, announced_phrase=phrase, announced_points=announced,
                                 found_points=found, missing_numbers=missing, complete=found >= announced))
    documents.append(dict(
        doc_id="e" * 16, source_path="浙江/unreadable.doc", title=None, text="", raw_text="", date=None, year=None,
        province=None, city=None, district=None, level=None, meeting=None, speaker=None, site=None, url=None,
        truncated=False, declared_chars=None, omitted_chars=None, redactions=0, raw_chars=0, clean_chars=0,
        encoding=None, format="txt", status="error", error="cannot decode: not a text file",
    ))
    docs = pd.DataFrame(documents)
    for col in ("year", "declared_chars", "omitted_chars", "deadline_year"):
        if col in docs.columns:
            docs[col] = docs[col].astype("Int64")
    target_frame = pd.DataFrame(targets)
    target_frame["deadline_year"] = target_frame["deadline_year"].astype("Int64")
    return {
        "documents": docs,
        "tokens": pd.DataFrame(tokens),
        "sentences": pd.DataFrame(sentences),
        "themes": pd.DataFrame(themes),
        "targets": target_frame,
        "outlines": pd.DataFrame(outlines),
        "removals": pd.DataFrame(removals),
    }


@pytest.fixture
def tiny_tables() -> dict[str, pd.DataFrame]:
    """The tiny corpus as in-memory DataFrames."""
    return build_tiny_corpus()


@pytest.fixture
def tiny_processed(tmp_path: Path) -> Path:
    """A processed directory with the tiny corpus's Parquet tables; returns its path."""
    out = tmp_path / "processed"
    out.mkdir()
    for name, table in build_tiny_corpus().items():
        table.to_parquet(out / f"{name}.parquet", index=False)
    return out
