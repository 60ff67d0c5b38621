"""A synthetic round shaped like the published Round 2 report, sent through the real OpenRosa intake.

About 900 communities in the report's 12 districts and cities, about three informants each (70% men),
each population present in roughly the share of communities the report gives, countries, reasons,
services and distances in similar proportions, filled in the round's own B2 (its reference years).
Asht (Sughd) is added, shaped like the 2024 news piece: whole families leaving, more each year,
houses locked and looked after by a keyholder, elderly people staying alone.

The figures follow their definitions (xforms/definitions.py): no year above the period's total. A few
villages carry the faults supervisors meet in real rounds (one informant, a year typed above the
total, GPS taken away from the village, more empty houses than households) at the rates in FAULTS,
so the review desk has real problems to show and nothing else. Seeded, so every demo looks the same.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from xml.sax.saxutils import escape

from bma.xforms import codelists as cl

# The 12 districts and cities of the Round 2 report, with their share of the communities.
DEMO_DISTRICTS = {
    "TJ-RA-RUD": 0.16,
    "TJ-KT-BOK": 0.10,
    "TJ-SU-KHU": 0.10,
    "TJ-GB-KHO": 0.05,
    "TJ-KT-PAN": 0.09,
    "TJ-KT-KUL": 0.10,
    "TJ-GB-VAN": 0.06,
    "TJ-RA-VAH": 0.10,
    "TJ-DU-FIR": 0.06,
    "TJ-DU-SIN": 0.06,
    "TJ-DU-SHO": 0.06,
    "TJ-DU-ISM": 0.06,
    "TJ-SU-ASH": 0.05,  # not in the Round 2 report: the district of the news piece
}
NEWS_DISTRICT = "TJ-SU-ASH"
# Share of communities reporting each population, and the typical size when present (report figures).
PRESENCE = {"imw": 0.06, "ret": 0.95, "emi": 0.93, "imi": 0.08, "ioi": 0.11}
TYPICAL = {"imw": 45, "ret": 140, "emi": 270, "imi": 25, "ioi": 80}
COUNTRY_WEIGHTS = {
    "imw": {"AF": 47, "CN": 22, "UZ": 13, "RU": 9, "US": 3, "TR": 2, "IR": 2, "PK": 2},
    "ret": {"RU": 90, "KZ": 4, "TR": 2, "UZ": 1, "KR": 1, "AE": 1, "DE": 1},
    "emi": {"RU": 93, "KZ": 2, "TR": 1, "KR": 1, "AE": 1, "US": 1, "DE": 1},
}
REASON_WEIGHTS = {
    "imw": {
        "employment": 37,
        "conflict_security": 23,
        "sanctions": 12,
        "mobilization": 8,
        "family": 3,
        "other": 16,
        "currency": 1,
    },
    "ret": {
        "work_permit": 34,
        "family": 24,
        "deportation": 13,
        "currency": 10,
        "mobilization": 6,
        "conflict_security": 4,
        "sanctions": 4,
        "personal": 2,
        "covid": 1,
        "other": 2,
    },
    "emi": {"economic": 86, "medical": 6, "education": 4, "conflict_security": 1, "covid": 1, "other": 1, "unknown": 1},
    "imi": {"economic": 42, "unknown": 26, "housing": 19, "climate": 7, "better_living": 5, "marriage": 1},
    "ioi": {"housing": 75, "economic": 15, "unknown": 6, "climate": 2, "better_living": 1, "family": 1},
}
TYPE_WEIGHTS = {"long_term": 61, "seasonal": 22, "unknown": 15, "other": 2}
SERVICE_AVAILABLE = {"clinic": 0.68, "hospital": 0.19, "market": 0.30, "water": 0.92, "school": 0.88, "internet": 0.90}
DISTANCE_WEIGHTS = {
    "clinic": {"0_5": 60, "6_10": 25, "11_15": 8, "16_20": 4, "21_25": 2, "over_25": 1},
    "hospital": {"0_5": 35, "6_10": 25, "11_15": 10, "16_20": 8, "21_25": 7, "over_25": 15},
    "market": {"0_5": 55, "6_10": 25, "11_15": 10, "16_20": 5, "21_25": 2, "over_25": 3},
    "water": {"0_5": 90, "6_10": 10},
    "school": {"0_5": 90, "6_10": 10},
    "internet": {"0_5": 80, "6_10": 15, "11_15": 5},
}
INFORMANT_TYPE_WEIGHTS = {
    "local_authority": 40,
    "entrepreneur": 20,
    "humanitarian": 10,
    "statistics": 8,
    "migration_agency": 8,
    "employment_agency": 6,
    "migration_employment": 4,
    "other": 4,
}
SYLLABLES = [
    "ob",
    "shah",
    "dar",
    "kan",
    "sar",
    "qal",
    "nav",
    "bog",
    "chash",
    "mai",
    "zar",
    "gul",
    "tut",
    "sang",
    "rud",
    "kish",
    "lak",
    "dasht",
    "ravon",
    "kho",
    "pan",
    "bun",
    "yak",
    "nur",
    "sho",
    "mir",
    "bek",
]
ENDINGS = ["obod", "don", "kent", "teppa", "qishloq", "bog", "dara", "ravot", "chashma", "zor"]
# Share of villages with each fault a supervisor should see (about 0.06 open issues per village).
SPOT_CHECK_VERSION = "2026120701"  # the shared spot-check form (forms_xls/spot_check.xlsx)
# Real districts repeat village names (several Navobods in one district): that share of demo villages
# takes the name of the district's village before it, so some referrals name two villages: unclear.
TWIN_NAME_SHARE = 0.03
REFERRAL_SHARE = 0.08  # villages whose informants refer another village of their district
UNREVIEWED_SHARE = 0.05  # clean assessments the supervisor has not reviewed yet
SPOT_CHECK_VISITS = 6  # sampled villages already visited by a supervisor
FAULTS = {"one_informant": 0.025, "year_over_total": 0.015, "gps_elsewhere": 0.01, "empty_over_households": 0.005}
# Households leaving entirely per year (share of the village), and where most went.
DEPARTURE_RATE = {"usual": (0.0, 0.015), "news": (0.02, 0.06)}
DESTINATION_WEIGHTS = {"abroad": 80, "another_district": 15, "unknown": 5}


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def village_name(rng: random.Random) -> str:
    return (rng.choice(SYLLABLES) + rng.choice(SYLLABLES) + rng.choice(ENDINGS)).capitalize()


@dataclass
class DemoVillage:
    code: str
    district_code: str
    province_code: str
    latitude: float
    longitude: float


def _el(name: str, value) -> str:
    return f"<{name}>{escape(str(value))}</{name}>" if value not in (None, "") else f"<{name}/>"


def b2_xml(
    rng: random.Random,
    village: DemoVillage,
    version: str,
    years: tuple[int, ...],
    visit_date: str,
    referral: str = "",
) -> bytes:
    """One village's B2 in the round's own form version (which knows its round and asks ``years``).

    ``referral``: a village name the informants refer, in their own district, typed as "not on the list"."""
    households = rng.randint(80, 900)
    faults = {fault for fault, share in FAULTS.items() if rng.random() < share}
    latitude, longitude = village.latitude, village.longitude
    if "gps_elsewhere" in faults:  # taken at the district office, some 20 km away
        latitude, longitude = latitude + 0.2, longitude + 0.1
    parts = [
        f'<data xmlns:orx="http://openrosa.org/xforms" id="bma_b2" version="{version}">',
        _el("started", f"{visit_date}T09:{rng.randint(0, 20):02d}:00.000+05:00"),
        _el("ended", f"{visit_date}T10:{rng.randint(0, 50):02d}:00.000+05:00"),
        _el("province", village.province_code),
        _el("district", village.district_code),
        _el("village", village.code),
        _el("visit_date", visit_date),
        _el(
            "gps",
            f"{latitude + rng.uniform(-0.005, 0.005):.6f} {longitude + rng.uniform(-0.005, 0.005):.6f} 900 6",
        ),
    ]
    for _ in range(1 if "one_informant" in faults else rng.choice([2, 3, 3, 3, 4])):
        kind = _pick(rng, INFORMANT_TYPE_WEIGHTS)
        parts.append(
            "<ki>"
            + _el("ki_sex", "male" if rng.random() < 0.7 else "female")
            + _el("ki_type", kind)
            + (_el("ki_type_other", "Teacher") if kind == "other" else "")
            + "<ki_contact><ki_name/><ki_phone/></ki_contact></ki>"
        )
    parts.append(_el("households", households))
    typo_population = rng.choice(cl.POPULATION_CODES) if "year_over_total" in faults else None
    for pop in cl.POPULATION_CODES:
        present = rng.random() < PRESENCE[pop] or pop == typo_population
        if not present:
            parts.append(f"<{pop}>{_el(f'{pop}_present', 'no')}</{pop}>")
            continue
        total = max(1, int(rng.lognormvariate(0, 0.6) * TYPICAL[pop]))
        total = min(total, households * 3)
        block = [_el(f"{pop}_present", "yes"), _el(f"{pop}_total", total)]
        # Each year counts that year's people: at most the period's total, together often more.
        for year in years:
            block.append(_el(f"{pop}_y{year}", max(0, int(total * rng.uniform(0.4, 1.0)))))
        if pop == typo_population:  # a figure typed with one digit too many
            block[-1] = _el(f"{pop}_y{years[-1]}", total * 10)
        if pop in cl.INTERNATIONAL_POPULATIONS:
            remaining = total
            for country in dict.fromkeys(
                rng.choices(list(COUNTRY_WEIGHTS[pop]), weights=list(COUNTRY_WEIGHTS[pop].values()), k=2)
            ):
                count = remaining if remaining < 3 else rng.randint(1, remaining)
                remaining -= count
                block.append(
                    f"<{pop}_countries>{_el(f'{pop}_country', country)}{_el(f'{pop}_country_count', count)}</{pop}_countries>"
                )
                if remaining <= 0:
                    break
        else:
            other = rng.choice([village.district_code, "TJ-DU-ISM", "TJ-KT-BOK", "TJ-RA-RUD"])
            block.append(
                f"<{pop}_districts>{_el(f'{pop}_district', other)}{_el(f'{pop}_district_count', total)}</{pop}_districts>"
            )
        reasons = list(dict.fromkeys(_pick(rng, REASON_WEIGHTS[pop]) for _ in range(rng.choice([1, 1, 2]))))
        if "unknown" in reasons and len(reasons) > 1:
            reasons = ["unknown"]
        block.append(_el(f"{pop}_reasons", " ".join(reasons)))
        if pop in cl.POPULATIONS_WITH_MIGRATION_TYPE:
            block.append(_el(f"{pop}_migration_type", _pick(rng, TYPE_WEIGHTS)))
        parts.append(f"<{pop}>{''.join(block)}</{pop}>")
    services = []
    for service, share in SERVICE_AVAILABLE.items():
        if rng.random() < share:
            services.append(_el(f"svc_{service}", "yes"))
        else:
            services.append(
                _el(f"svc_{service}", "no")
                + _el(f"svc_{service}_distance", _pick(rng, DISTANCE_WEIGHTS[service]))
                + _el(f"svc_{service}_households", households)
            )
    parts.append(departures_xml(rng, village, years, households, faults))
    parts.append(f"<services>{''.join(services)}</services>")
    parts.append(_el("ref_any", "yes" if referral else "no"))
    if referral:
        parts.append(
            "<ref>"
            + _el("ref_district", village.district_code)
            + _el("ref_village", cl.OTHER_VILLAGE)
            + _el("ref_village_other", referral)
            + _el("ref_populations", "imw ret")
            + _el("ref_estimate", 40)
            + "</ref>"
        )
    parts.append(f"<meta>{_el('instanceID', f'uuid:{uuid.UUID(int=rng.getrandbits(128))}')}</meta></data>")
    return "".join(parts).encode("utf-8")


def departures_xml(rng: random.Random, village: DemoVillage, years, households: int, faults: set[str]) -> str:
    """Whole-family departures: a trickle in most villages; in Asht more each year, as the news reports."""
    news = village.district_code == NEWS_DISTRICT
    low, high = DEPARTURE_RATE["news" if news else "usual"]
    parts, left_in_all = [], 0
    for step, year in enumerate(years):
        growth = 1 + step * 0.5 if news else 1  # "the trend of population outflow is only increasing"
        left = int(households * rng.uniform(low, high) * growth)
        left_in_all += left
        parts.append(_el(f"hh_left_y{year}", left))
        if left:
            parts.append(_el(f"hh_left_y{year}_where", "abroad" if news else _pick(rng, DESTINATION_WEIGHTS)))
    # Most houses of families who left stand empty; in Asht one keyholder looks after most of them.
    empty = min(households, int(left_in_all * rng.uniform(0.6, 1.0)))
    if "empty_over_households" in faults:  # households and houses swapped in the interview
        empty = households + rng.randint(5, 40)
    parts.append(_el("houses_empty", empty))
    if empty:
        parts.append(
            _el("houses_looked_after", int(empty * rng.uniform(0.7, 0.95) if news else empty * rng.uniform(0.2, 0.6)))
        )
    parts.append(
        _el("elderly_alone", "yes" if rng.random() < (0.8 if news else 0.25) else rng.choice(["no", "unknown"]))
    )
    return f"<departures>{''.join(parts)}</departures>"


def spot_check_xml(
    rng: random.Random,
    village: DemoVillage,
    round_number: int,
    visit_date: str,
    assessed: dict[str, int | None],
    entity: tuple[str, int] | None = None,
) -> bytes:
    """A supervisor's spot-check visit of an assessed village: the figures seen, mostly as assessed.

    ``assessed``: population -> the assessed total (None: absent). One visit in three finds a figure
    far from the assessment, as a real check sometimes does. ``entity``: the village's entity (id,
    version) as the tablet's list holds it; the visit updates it as Collect sends an update, online."""
    off = rng.random() < 1 / 3
    parts = [
        f'<data xmlns:orx="http://openrosa.org/xforms" id="bma_spot_check" version="{SPOT_CHECK_VERSION}">',
        _el("started", f"{visit_date}T11:00:00.000+05:00"),
        _el("ended", f"{visit_date}T11:40:00.000+05:00"),
        _el("round", round_number),
        _el("province", village.province_code),
        _el("district", village.district_code),
        _el("village", village.code),
        _el("visit_date", visit_date),
        _el("gps", f"{village.latitude:.6f} {village.longitude:.6f} 900 6"),
        _el("method", "direct_observation"),
    ]
    for population in cl.POPULATION_CODES:
        total = assessed.get(population)
        if total is None:
            parts.append(_el(f"sc_{population}_present", "no"))
            continue
        seen = total * 3 if off and population == "ret" else total
        parts.append(_el(f"sc_{population}_present", "yes") + _el(f"sc_{population}_count", seen))
    parts += [_el(f"sc_svc_{service}", "yes") for service in cl.SERVICES]
    entity_id, base = entity or ("", "")
    parts += [_el("village_entity", entity_id), _el("visited", "yes"), _el("last_visit", visit_date)]
    block = f'<entity dataset="villages" update="1" baseVersion="{base}" trunkVersion="" branchId="" id="{entity_id}"/>'
    instance_id = _el("instanceID", f"uuid:{uuid.UUID(int=rng.getrandbits(128))}")
    parts.append(f"<meta>{instance_id}{block}</meta></data>")
    return "".join(parts).encode("utf-8")
