#!/usr/bin/env python
"""Write N tiny synthetic speeches (a few hundred characters each) for memory and scale checks.

Issue 15 item 13: ``speechkit report`` over 10,000 tiny files used 2.4 GB. This builds such a
corpus anywhere (a temp dir, never the repo): one file per speech, ``<province>/<city>_<year>_<n>.txt``,
each a short 政府工作 speech of 4–7 sentences composed from the templates below (written for this
check, no scraped text), with the city, year, numbers and topics varied from the gazetteer and a
seeded random generator — so the files differ, as real short notices do.

Usage::

    .venv/bin/python scripts/make_tiny_corpus.py /tmp/tiny --files 10000
    .venv/bin/speechkit clean /tmp/tiny -o /tmp/tiny-out -j 2 && .venv/bin/speechkit analyze /tmp/tiny-out -j 2
    /usr/bin/time -v .venv/bin/speechkit report /tmp/tiny-out --by province   # "Maximum resident set size"
"""
from __future__ import annotations

import argparse
import random
from pathlib import Path

OPENINGS = (
    "同志们：今天我们召开{city}{topic}工作会议，主要任务是总结{prev}年工作，部署{year}年任务。",
    "各位代表：现在，我代表{city}人民政府，向大会报告{year}年{topic}工作安排，请予审议。",
    "同志们：这次会议是{city}在{year}年召开的一次重要会议，目的是推动{topic}工作再上新台阶。",
)
SENTENCES = (
    "过去一年，全市{topic}工作取得新进展，地区生产总值增长{pct}%，城镇新增就业{num}万人。",
    "我们坚持把{topic}摆在突出位置，新建{topic2}项目{n}个，完成投资{num}亿元。",
    "到{deadline}年，{topic2}覆盖率要达到{pct2}%以上，每千人口拥有托位数达到{small}个。",
    "要持续加强{topic}，推进{topic2}，确保各项目标任务落到实处。",
    "一是抓好{topic2}，二是做实{topic}，三是守牢安全底线。",
    "今年全市居民人均可支配收入增长{pct}%左右，居民消费价格涨幅控制在3%以内。",
    "我们将深入实施{topic}行动，新增{topic2}服务站点{n}个，惠及群众{num}万人次。",
    "各级各部门要提高政治站位，压实工作责任，形成推动{topic}的强大合力。",
    "{year}年，要确保{topic2}达标率不低于{pct2}%，农村生活污水治理率达到{pct2}%。",
    "要坚持问题导向，聚焦群众急难愁盼，办好{topic2}等{n}件民生实事。",
)
CLOSINGS = (
    "让我们团结一心、开拓进取，为建设现代化{city}而努力奋斗！",
    "谢谢大家。",
    "希望大家以这次会议为契机，奋力开创{topic}工作新局面。",
)
TOPICS = ("妇女儿童", "就业创业", "乡村振兴", "生态环境", "教育", "医疗卫生", "养老服务", "托育服务",
          "科技创新", "营商环境", "安全生产", "城市更新", "数字经济", "文化旅游", "社会救助")


def _cities() -> list[tuple[str, str]]:
    """(province, city) pairs of the prefecture-level cities in speechkit's gazetteer."""
    from speechkit.gazetteer import load_divisions

    by_code, _ = load_divisions()
    pairs = []
    for div in by_code.values():
        if div.level == "市":
            province = by_code.get(div.province_code)
            if province is not None:
                pairs.append((province.name, div.name))
    return sorted(set(pairs))


def speech(rng: random.Random, city: str, year: int) -> str:
    """One short speech (4–7 sentences) about ``city`` in ``year``."""
    topic, topic2 = rng.sample(TOPICS, 2)
    fill = {"city": city, "year": year, "prev": year - 1, "topic": topic, "topic2": topic2,
            "pct": rng.choice(("5", "5.5", "6", "6.5", "7", "4.8")), "pct2": rng.choice(("85", "90", "95", "98")),
            "num": rng.randint(2, 60), "n": rng.randint(3, 30), "small": rng.choice(("3", "3.5", "4.5")),
            "deadline": year + rng.choice((1, 2, 3, 5))}
    body = [rng.choice(OPENINGS)] + rng.sample(SENTENCES, rng.randint(3, 6)) + [rng.choice(CLOSINGS)]
    return "\n".join(line.format(**fill) for line in body) + "\n"


def write_corpus(root: Path, files: int, seed: int = 15) -> int:
    """Write ``files`` speeches under ``root``; returns the number written."""
    rng = random.Random(seed)
    cities = _cities()
    for k in range(files):
        province, city = cities[k % len(cities)]
        year = 2015 + (k // len(cities)) % 10
        folder = root / province
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{city}_{year}_{k:05d}.txt").write_text(speech(rng, city, year), encoding="utf-8")
    return files


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path, help="folder to write the speeches into (created)")
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=15)
    args = ap.parse_args()
    n = write_corpus(args.out, args.files, args.seed)
    print(f"{n} files in {args.out}")


if __name__ == "__main__":
    main()
