"""Matching village names as informants say them against the gazetteer. Pure: no ORM.

Names arrive in Tajik Cyrillic, Russian-era spellings, assorted Latin romanisations, typed on Russian
keyboards or in legacy 8-bit Tajik fonts, with prefixes such as "деҳаи" or "кишлак". ``normalise``
folds all of these to one Latin key; ``VillageIndex`` matches only within the named district, since
village names repeat across districts (domain.md section 4).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process

# Legacy 8-bit Tajik fonts put other Cyrillic letters where the six Tajik ones should be. Mapped
# before any Unicode normalisation: NFD would otherwise turn ќ into к + accent and ї into Ukrainian і.
LEGACY_FONT = str.maketrans(
    {
        "Њ": "Ҳ",
        "њ": "ҳ",
        "Љ": "Ҷ",
        "љ": "ҷ",
        "Ѓ": "Ғ",
        "ѓ": "ғ",
        "Ќ": "Қ",
        "ќ": "қ",
        "Ї": "Ӣ",
        "ї": "ӣ",
        "Ў": "Ӯ",
        "ў": "ӯ",
        "ѐ": "ё",
        "Ѐ": "Ё",
    }
)

# Cyrillic (Tajik and Russian) to one Latin spelling. Where romanisations compete (қ q/k, ғ gh/g,
# ҷ j/dzh, х kh/h) the choice does not matter: the Latin folding below brings every variant to it.
CYRILLIC = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "ғ": "g",
    "д": "d",
    "е": "e",
    "ё": "yo",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "ӣ": "i",
    "й": "y",
    "к": "k",
    "қ": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ӯ": "u",
    "ф": "f",
    "х": "h",
    "ҳ": "h",
    "ч": "ch",
    "ҷ": "j",
    "ш": "sh",
    "щ": "sh",
    "ъ": "",
    "ы": "i",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
    "ц": "ts",
    "і": "i",
}

# Administrative words around a village name, in Tajik, Russian and English (izofa -и included).
PREFIXES = re.compile(
    r"^(?:dehai|deha|dehoti|qishloqi|qishloq|kishloqi|kishloki|kishlok|kishlak|shahraki|shahrak|posyolok|poselok|pgt|"
    r"selo|s|k|g|kishl|village(?: of)?|jamoati|jamoat|dzhamoat|djamoat|hukumati)\s+"
)
SUFFIXES = re.compile(r"\s+(?:village|kishlak|qishloq|deha|selo|jamoat)$")

# Latin spellings of the same sounds, folded to one form. Order matters: digraphs first.
LATIN_FOLDS = [
    ("dzh", "j"),
    ("dj", "j"),
    ("zh", "j"),
    ("kh", "h"),
    ("gh", "g"),
    ("q", "k"),
    ("yo", "o"),
    ("io", "o"),
    ("yu", "u"),
    ("ou", "u"),
    ("oo", "u"),
    ("w", "v"),
    ("x", "h"),
    ("ye", "e"),
    ("ya", "a"),
    ("iy", "i"),
    ("y", "i"),
    ("ee", "i"),
]


def _transliterate(text: str) -> str:
    return "".join(CYRILLIC.get(ch, ch) for ch in text)


def _strip_marks(text: str) -> str:
    """ŭ, ī, ö ... to plain letters (after the Tajik letters have been dealt with)."""
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))


@lru_cache(maxsize=200_000)
def normalise(name: str) -> str:
    """One comparison key for every spelling of a name: legacy fonts, scripts, romanisations, prefixes.

    Remembered: every batch of referrals indexes its districts' names again, and the key of a name never
    changes (a pure function of the text)."""
    text = unicodedata.normalize("NFC", (name or "").translate(LEGACY_FONT)).lower()
    text = _strip_marks(_transliterate(text))
    text = re.sub(r"[`'’ʻʼ\"]", "", text)  # ъ/ʿayn written as an apostrophe: Vose' = Vose
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    previous = None
    while previous != text:
        previous = text
        text = SUFFIXES.sub("", PREFIXES.sub("", text)).strip()
    for old, new in LATIN_FOLDS:
        text = text.replace(old, new)
    # Tajik o is Russian a in unstressed syllables (Конибодом / Канибадам, -обод / -абад, Ёвон / Яван):
    # one vowel for both.
    text = text.replace("a", "o")
    text = re.sub(r"(.)\1+", r"\1", text)  # doubled letters: Shahriston / Shakhristton
    return text.replace(" ", "")


@dataclass(frozen=True)
class Candidate:
    code: str
    district_code: str
    official: tuple[str, ...]  # the official names, any script
    aliases: tuple[str, ...] = ()  # former names, other spellings


@dataclass
class MatchResult:
    outcome: str  # exact, alias, fuzzy, ambiguous, none
    code: str | None = None
    score: float = 0.0
    candidates: list[tuple[str, float]] = field(default_factory=list)


# A fuzzy match links automatically only when it is both close and clearly ahead of the next village;
# below ACCEPT but above REVIEW, a supervisor decides.
FUZZY_ACCEPT = 90.0
FUZZY_MARGIN = 6.0
FUZZY_REVIEW = 75.0


class VillageIndex:
    """Normalised names per district, built once for a batch of matches."""

    def __init__(self, candidates):
        self._keys: dict[str, dict[str, dict[str, set[str]]]] = defaultdict(
            lambda: {"official": defaultdict(set), "alias": defaultdict(set)}
        )
        self._choices: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for c in candidates:
            district = self._keys[c.district_code]
            for name in c.official:
                key = normalise(name)
                if key:
                    district["official"][key].add(c.code)
                    self._choices[c.district_code][key].add(c.code)
            for name in c.aliases:
                key = normalise(name)
                if key:
                    district["alias"][key].add(c.code)
                    self._choices[c.district_code][key].add(c.code)

    def add(self, candidate: Candidate) -> None:
        """A village created during a batch: later referrals of the same name find it."""
        for name in candidate.official:
            key = normalise(name)
            if key:
                self._keys[candidate.district_code]["official"][key].add(candidate.code)
                self._choices[candidate.district_code][key].add(candidate.code)

    def match(self, name: str, district_code: str) -> MatchResult:
        key = normalise(name)
        if not key or district_code not in self._keys:
            return MatchResult("none")
        district = self._keys[district_code]
        for outcome in ("official", "alias"):
            codes = district[outcome].get(key)
            if codes:
                if len(codes) > 1:  # two villages share the name in this district: a person decides
                    return MatchResult("ambiguous", None, 100.0, [(code, 100.0) for code in sorted(codes)])
                return MatchResult("exact" if outcome == "official" else "alias", next(iter(codes)), 100.0)
        choices = self._choices[district_code]
        scored = process.extract(key, list(choices), scorer=fuzz.ratio, limit=6, score_cutoff=FUZZY_REVIEW)
        best: dict[str, float] = {}
        for choice_key, score, _ in scored:
            for code in choices[choice_key]:
                best[code] = max(best.get(code, 0.0), score)
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
        if not ranked:
            return MatchResult("none")
        top_code, top_score = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if top_score >= FUZZY_ACCEPT and top_score - runner_up >= FUZZY_MARGIN:
            return MatchResult("fuzzy", top_code, top_score, ranked[:3])
        return MatchResult("ambiguous", None, top_score, ranked[:3])
