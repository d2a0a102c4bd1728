"""Design-based survey estimates: speed against an unweighted groupby mean of the same data.

    .venv/bin/python benchmarks/survey_speed.py                     # 20,000 respondents x 60 items
    .venv/bin/python benchmarks/survey_speed.py --respondents 100000 --items 60

Data: ``--respondents`` respondents spread over the 63 provinces, 6 strata of 2 PSUs per
province, gamma weights, ``--items`` yes/no items with 6% missing codes (don't know, refused),
one in five asked only of a subgroup (not applicable otherwise). A codebook for them is
written to a temporary folder.

Timed (best of ``--repeat``): ``survey_estimates.estimate`` (weighted shares with Taylor-linearised
standard errors, logit 95% intervals and design effects, all items, all 63 provinces) against
pandas' unweighted ``groupby("province_code").mean()`` of the same 0/1 values. Target: the
estimates in <= 5 s on 2 cores; the ratio is printed for the record.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from govgap.estimate import survey_estimates
from govgap.reference import codebook
from govgap.reference.provinces import provinces


def make_data(n: int, items: int, seed: int = 1) -> tuple[pd.DataFrame, dict]:
    rng = np.random.default_rng(seed)
    codes = list(provinces()["code"])
    prov = rng.choice(codes, n)
    stratum = rng.integers(0, 6, n)
    psu = stratum * 2 + rng.integers(0, 2, n)
    table = pd.DataFrame(
        {
            "province_code": prov,
            "strata": stratum.astype(str),
            "psu": psu.astype(str),
            "weight": rng.gamma(20, 1 / 20, n),
        }
    )
    book_items = []
    from govgap.reference.catalogue import indicators

    ids = [
        i
        for i in indicators().index
        if indicators().loc[i, "level"] == "indicator" and indicators().loc[i, "unit"] == "share"
    ][:items]
    for k, ind in enumerate(ids):
        value = np.where(rng.random(n) < 0.4 + 0.2 * rng.random(), 1, 2)
        missing = rng.random(n)
        value = np.where(missing < 0.05, 98, np.where(missing < 0.06, 99, value))
        if k % 5 == 4:
            value = np.where(rng.random(n) < 0.3, value, 97)
        table[ind] = value
        book_items.append({"indicator": ind, "column": ind, "answers": "yesno", "measure": "share", "positive": [1]})
    book = {
        "name": "benchmark",
        "design": {"id": "id", "province": "tinh", "strata": "strata", "psu": "psu", "weight": "w"},
        "missing_codes": {97: {"meaning": "not_applicable"}, 98: {"meaning": "dont_know"}, 99: {"meaning": "refused"}},
        "answer_sets": {"yesno": {1: "Có", 2: "Không"}},
        "items": book_items,
    }
    return table, book


def best(func, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--respondents", type=int, default=20_000)
    parser.add_argument("--items", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    table, spec = make_data(args.respondents, args.items)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "codebook.yaml"
        path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
        book = codebook.load_codebook(path)
        items = [it.indicator_id for it in book.items]
        values = survey_estimates.item_values(table, book)
        plain = values.assign(province_code=table["province_code"])

        ours = best(lambda: survey_estimates.estimate(table, book), args.repeat)
        bare = best(lambda: plain.groupby("province_code").mean(), args.repeat)
        est = survey_estimates.estimate(table, book)
    print(f"{args.respondents:,} respondents x {len(items)} items, {table['province_code'].nunique()} provinces")
    print(
        f"  estimates with SE, CI, deff: {ours:.3f} s ({len(est):,} estimates)   target <= 5 s: "
        f"{'met' if ours <= 5 else 'MISSED'}"
    )
    print(f"  unweighted groupby mean:     {bare:.3f} s")
    print(f"  ratio: {ours / bare:.1f}")


if __name__ == "__main__":
    main()
