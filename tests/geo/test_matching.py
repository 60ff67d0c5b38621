"""Village names as informants say them, matched within their district only. Pure tests."""

import unicodedata

import pytest

from bma.geo.matching import Candidate, VillageIndex, normalise

ASH, MAS, PAN = "TJ-SU-ASH", "TJ-SU-MAS", "TJ-KT-PAN"
GAZETTEER = [
    Candidate("V1", ASH, ("Oshoba", "Ошоба")),
    Candidate("V2", ASH, ("Shaydon", "Шайдон", "Шайдан"), ("Shaidan",)),
    Candidate("V3", ASH, ("Buston", "Бӯстон", "Бустон")),
    Candidate("V4", ASH, ("Kamishqurghon", "Камишқӯрғон", "Камышкурган")),
    Candidate("V5", ASH, ("Ponghoz", "Понғоз", "Понгоз"), ("Pongoz",)),
    Candidate("V6", ASH, ("Qizilqal'a", "Қизилқалъа", "Кызылкала")),
    Candidate("V7", ASH, ("Chorbogh", "Чорбоғ", "Чорбог")),
    Candidate("V8", ASH, ("Dahana", "Даҳана", "Дахана")),
    Candidate("V9", ASH, ("Navobod", "Навобод", "Навабад")),
    Candidate("V10", ASH, ("Navobodi Bolo", "Навободи Боло")),
    Candidate("V11", ASH, ("Yangiobod", "Янгиобод")),
    Candidate("V12", ASH, ("Yangiobod", "Янгиобод")),  # a second village of the same name in Asht
    Candidate("V13", ASH, ("Sarvaton", "Сарватон"), ("Oktyabr", "Октябрь")),  # Soviet-era name as alias
    Candidate("M1", MAS, ("Buston", "Бӯстон")),
    Candidate("M2", MAS, ("Sughdiyon", "Суғдиён")),
    Candidate("P1", PAN, ("Panj", "Панҷ", "Пяндж")),
    Candidate("P2", PAN, ("Namuna", "Намуна")),
    Candidate("P3", PAN, ("Ghaffor Mirzo", "Ғаффор Мирзо", "Гаффор Мирзо")),
]
LINKED = {"exact", "alias", "fuzzy"}

CASES = [
    # Scripts, prefixes and case
    (ASH, "Ошоба", "exact", "V1"),
    (ASH, "Oshoba", "exact", "V1"),
    (ASH, "деҳаи Ошоба", "exact", "V1"),
    (ASH, "кишлак Ошоба", "exact", "V1"),
    (ASH, "Oshoba village", "exact", "V1"),
    (ASH, "с. Ошоба", "exact", "V1"),
    (ASH, "OSHOBA", "exact", "V1"),
    (ASH, "Oshobaa", "exact", "V1"),
    (ASH, "Ошобa", "exact", "V1"),
    (ASH, "қишлоқи Ошоба", "exact", "V1"),
    # Russian-era spellings and romanisations
    (ASH, "Шайдон", "exact", "V2"),
    (ASH, "Шайдан", "exact", "V2"),
    (ASH, "Shaydon", "exact", "V2"),
    (ASH, "Shaidan", "exact", "V2"),
    (ASH, "Бӯстон", "exact", "V3"),
    (ASH, "Бустон", "exact", "V3"),
    (ASH, "Buston", "exact", "V3"),
    (ASH, "Камишқӯрғон", "exact", "V4"),
    (ASH, "Камышкурган", "exact", "V4"),
    (ASH, "Kamishqurghon", "exact", "V4"),
    (ASH, "Kamyshkurgan", "exact", "V4"),
    (ASH, "Понғоз", "exact", "V5"),
    (ASH, "Pongoz", "exact", "V5"),
    (ASH, "Пангоз", "exact", "V5"),
    (ASH, "Қизилқалъа", "exact", "V6"),
    (ASH, "Qizilqal'a", "exact", "V6"),
    (ASH, "Kyzylkala", "exact", "V6"),
    (ASH, "Кызылкала", "exact", "V6"),
    (ASH, "Чорбоғ", "exact", "V7"),
    (ASH, "Chorbogh", "exact", "V7"),
    (ASH, "Чорбог", "exact", "V7"),
    (ASH, "Charbag", "exact", "V7"),
    (ASH, "Dakhana", "exact", "V8"),
    (ASH, "Даҳана", "exact", "V8"),
    (ASH, "Навабад", "exact", "V9"),
    (ASH, "Navabad", "exact", "V9"),
    (ASH, "Navobodi Bolo", "exact", "V10"),
    # Legacy 8-bit Tajik fonts and decomposed Unicode
    (ASH, "Понѓоз", "exact", "V5"),
    (ASH, "Ќизилќалъа", "exact", "V6"),
    (ASH, "Дањана", "exact", "V8"),
    (ASH, unicodedata.normalize("NFD", "Бӯстон"), "exact", "V3"),
    # Former names
    (ASH, "Октябрь", "alias", "V13"),
    (ASH, "Oktyabr", "alias", "V13"),
    # Typos: linked when close and clearly ahead of any other village
    (ASH, "Kamishqorghon", "fuzzy", "V4"),
    (ASH, "Qizilqalah", "fuzzy", "V6"),
    (ASH, "Navobodibolov", "fuzzy", "V10"),
    (ASH, "Chorboghh", "fuzzy", "V7"),
    (ASH, "Dahanna", "exact", "V8"),
    (ASH, "Sarvatton", "exact", "V13"),
    # Two villages with one name in a district: never linked automatically
    (ASH, "Янгиобод", "ambiguous", None),
    (ASH, "Yangiobod", "ambiguous", None),
    # Homonyms in other districts: only the named district counts
    (MAS, "Buston", "exact", "M1"),
    (MAS, "Бӯстон", "exact", "M1"),
    (ASH, "Panj", "none", None),
    (ASH, "Namuna", "none", None),
    (PAN, "Oshoba", "none", None),
    (PAN, "Buston", "none", None),
    (MAS, "Oshoba", "none", None),
    (ASH, "Sughdiyon", "none", None),
    # Khatlon
    (PAN, "Пяндж", "exact", "P1"),
    (PAN, "Панҷ", "exact", "P1"),
    (PAN, "Ғаффор Мирзо", "exact", "P3"),
    (PAN, "Gaffor Mirzo", "exact", "P3"),
    (PAN, "Гафур Мирзо", "fuzzy", "P3"),
    # New villages
    (ASH, "Sarichashma", "none", None),
    (ASH, "Ломпаш", "none", None),
    (ASH, "", "none", None),
    ("TJ-XX-NOPE", "Oshoba", "none", None),
]


@pytest.fixture(scope="module")
def index():
    return VillageIndex(GAZETTEER)


@pytest.mark.parametrize("district, name, outcome, code", CASES, ids=[f"{d}:{n or 'empty'}" for d, n, _, _ in CASES])
def test_name_variants(index, district, name, outcome, code):
    result = index.match(name, district)
    assert (result.outcome, result.code) == (outcome, code), result


def test_at_least_sixty_variants_and_no_link_across_districts(index):
    assert len(CASES) >= 60
    codes_by_district = {c.code: c.district_code for c in GAZETTEER}
    for district, name, _, _ in CASES:
        result = index.match(name, district)
        if result.outcome in LINKED:
            assert codes_by_district[result.code] == district


def test_ambiguous_results_list_the_candidates(index):
    result = index.match("Yangiobod", ASH)
    assert [code for code, _ in result.candidates] == ["V11", "V12"]


def test_a_village_added_during_a_batch_is_found_by_the_next_referral(index):
    fresh = VillageIndex(GAZETTEER)
    assert fresh.match("Sarichashma", ASH).outcome == "none"
    fresh.add(Candidate("NEW-1", ASH, ("Sarichashma",)))
    assert (fresh.match("Сарычашма", ASH).outcome, fresh.match("Сарычашма", ASH).code) == ("exact", "NEW-1")


def test_normalise_maps_legacy_font_letters_to_tajik_not_to_accented_russian():
    assert normalise("Ќ") == normalise("Қ") == normalise("К")
    assert normalise("Ї") == normalise("Ӣ")
    assert normalise("ӣ") == normalise(unicodedata.normalize("NFD", "ӣ"))
