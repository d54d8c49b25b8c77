"""Classify 100,000 reviews (score A/B, vn-2022-2026) and print the time. Target: < 2 s.

Run: python benchmarks/bench_classify.py
"""

from __future__ import annotations

import datetime as dt
import random
import time

from bkdesk.model.rules.classify import classify
from bkdesk.model.rules.units import catalog
from bkdesk.model.store.repo_standards import standard_for_list_year

N = 100_000


def main() -> None:
    rnd = random.Random(42)
    std = standard_for_list_year(2023)
    communes = [u.code for u in catalog().communes()]
    ref = dt.date(2022, 9, 1)
    codes = std.indicator_codes
    reviews = [(rnd.choice(communes), rnd.randint(0, 300),
                {c: ("deprived" if rnd.random() < 0.25 else "not_deprived") for c in codes}) for _ in range(N)]
    t0 = time.perf_counter()
    results = [classify(2023, c, ref, a, f, standard=std) for c, a, f in reviews]
    t1 = time.perf_counter()
    texts = [r.reasons("vi") for r in results]
    t2 = time.perf_counter()
    counts: dict[str, int] = {}
    for r in results:
        counts[r.cls] = counts.get(r.cls, 0) + 1
    print(f"classify {N:,} reviews (area lookup included): {t1 - t0:.2f} s "
          f"({(t1 - t0) / N * 1e6:.1f} µs each)")
    print(f"reasons text for {N:,} reviews: {t2 - t1:.2f} s; total {t2 - t0:.2f} s")
    print("classes:", dict(sorted(counts.items())), "sample:", texts[0])


if __name__ == "__main__":
    main()
