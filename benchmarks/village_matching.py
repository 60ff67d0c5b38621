"""Benchmark: 10,000 referred names matched against a 50,000-village gazetteer (pure matching).

Usage: .venv/bin/python benchmarks/village_matching.py [VILLAGES] [REFERRALS]   (defaults 50,000 and 10,000)
Names are built from Tajik syllables in ~70 districts; referrals mix exact names, other scripts and
romanisations, typos and new names. Target (issue 6): under 10 s.
"""

from __future__ import annotations

import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bma.geo.matching import Candidate, VillageIndex  # noqa: E402
from bma.pipeline.demo import ENDINGS, SYLLABLES  # noqa: E402  (the demo round's name parts)

TO_CYRILLIC = {
    "sh": "ш",
    "ch": "ч",
    "kh": "х",
    "gh": "ғ",
    "q": "қ",
    "o": "о",
    "a": "а",
    "b": "б",
    "d": "д",
    "r": "р",
    "k": "к",
    "n": "н",
    "s": "с",
    "z": "з",
    "g": "г",
    "u": "у",
    "t": "т",
    "m": "м",
    "i": "и",
    "l": "л",
    "v": "в",
    "e": "е",
    "y": "й",
    "p": "п",
    "h": "ҳ",
}


def cyrillic(name: str) -> str:
    out, i = [], 0
    lower = name.lower()
    while i < len(lower):
        pair = lower[i : i + 2]
        if pair in TO_CYRILLIC:
            out.append(TO_CYRILLIC[pair])
            i += 2
        else:
            out.append(TO_CYRILLIC.get(lower[i], lower[i]))
            i += 1
    return "".join(out).capitalize()


def main(n_villages: int, n_referrals: int) -> None:
    rng = random.Random(6)
    districts = [f"TJ-D{d:02d}" for d in range(70)]
    villages = []
    for number in range(n_villages):
        name = (rng.choice(SYLLABLES) + rng.choice(SYLLABLES) + rng.choice(ENDINGS)).capitalize()
        villages.append(Candidate(f"V{number:06d}", rng.choice(districts), (name, cyrillic(name))))
    started = time.perf_counter()
    index = VillageIndex(villages)
    built = time.perf_counter() - started
    referrals = []
    for _ in range(n_referrals):
        village = rng.choice(villages)
        kind = rng.random()
        if kind < 0.4:
            name = village.official[0]
        elif kind < 0.65:
            name = village.official[1]
        elif kind < 0.85:
            word = village.official[0]
            position = rng.randrange(len(word))
            name = word[:position] + rng.choice("aeiou") + word[position + 1 :]
        else:
            name = "Nov" + rng.choice(SYLLABLES) + rng.choice(ENDINGS)
        referrals.append((name, village.district_code))
    started = time.perf_counter()
    outcomes = Counter(index.match(name, district).outcome for name, district in referrals)
    matched = time.perf_counter() - started
    print(f"{n_villages:,} villages in {len(districts)} districts; index built in {built:.2f} s")
    print(f"{n_referrals:,} referrals matched in {matched:.2f} s ({n_referrals / matched:,.0f}/s): {dict(outcomes)}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000, int(sys.argv[2]) if len(sys.argv) > 2 else 10_000)
