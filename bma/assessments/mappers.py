"""Mappers: a submission tree in, typed values out. Pure code, one mapper per form, each declaring the
form versions it understands.

Mappers read every field unconditionally through a Reader that records what was read, so a test can
prove that every field of every supported form version is mapped (nothing silently dropped).
Values are not judged here: an implausible figure is the quality rules' business, not a mapping error.
Only what the form itself forbids is refused: every integer is read with the same bounds as its XLSForm
constraint (xforms/bounds.py), so a figure that Collect would have stopped fails the submission with a
clear message instead of being stored (or wrapped, or truncated). Every text value names the column it
is stored in, and is checked against that column's length the same way (see ``column`` below).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from bma.assessments.instance_tree import Tree
from bma.submissions.header import DISTRICT_FIELD, HeaderError, submission_district
from bma.xforms import codelists as cl
from bma.xforms.bounds import COUNT, ROUND, Bounds
from bma.xforms.workbooks import B2_ROUND_VERSION_PREFIXES


class MappingError(ValueError):
    """The submission cannot be mapped; the message is shown to supervisors."""


class Reader:
    def __init__(self, tree, seen: set[str]):
        self.tree = tree if isinstance(tree, dict) else {}
        self.seen = seen

    def text(self, name: str) -> str:
        self.seen.add(name)
        value = self.tree.get(name)
        return value.strip() if isinstance(value, str) else ""

    def group(self, name: str) -> Reader:
        self.seen.add(name)
        return Reader(self.tree.get(name), self.seen)

    def repeat(self, name: str) -> list[Reader]:
        self.seen.add(name)
        items = self.tree.get(name) or []
        if isinstance(items, dict):
            items = [items]
        return [Reader(item, self.seen) for item in items if isinstance(item, dict)]

    def integer(self, name: str, bounds: Bounds) -> int | None:
        value = self.text(name)
        if not value:
            return None
        try:
            number = Decimal(value)
        except (InvalidOperation, ValueError) as exc:
            raise MappingError(f"{name}: '{value}' is not a whole number") from exc
        # "12.5" must not become 12; "12.0" is still twelve. NaN/Infinity are not finite.
        if not number.is_finite() or number != number.to_integral_value():
            raise MappingError(f"{name}: '{value}' is not a whole number (allowed {bounds})")
        if int(number) not in bounds:
            raise MappingError(f"{name}: {value} is out of range (allowed {bounds})")
        return int(number)

    def choices(self, name: str) -> list[str]:
        return self.text(name).split()

    def yes(self, name: str) -> bool | None:
        value = self.text(name)
        return {"yes": True, "no": False}.get(value)


# --- Values -------------------------------------------------------------------------------------------
# A text answer is stored in a column of bma.assessments.models that holds so many characters. Each
# value names its column ("Model.field") here; its length is checked against that column's own
# max_length (assessments/text_bounds.py) before anything is stored, so an answer too long for it fails
# the submission with a clear message instead of a database error. ``item``: the position of the text
# in a tuple of a list (countries, figures).


def column(target: str, *, item: int | None = None, **kwargs):
    return field(metadata={"column": target, "item": item}, **kwargs)


@dataclass
class Location:
    round_number: int | None
    province_code: str
    district_code: str
    village_code: str = ""
    village_name_typed: str = column("VillageAssessment.village_name_typed", default="")
    # The villages entity the answer named (an entity form): kept so the referral queue can find the
    # entity of a village created on a tablet (bma.entities.services.provisional_entity_link).
    village_entity: str = ""
    visit_date: dt.date | None = None
    started_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    accuracy_m: float | None = None


@dataclass
class InformantValues:
    sex: str = column("Informant.sex")
    informant_type: str = column("Informant.informant_type")
    informant_type_other: str = column("Informant.informant_type_other", default="")
    name: str = column("InformantContact.name", default="")
    phone: str = column("InformantContact.phone", default="")


@dataclass
class PopulationValues:
    population: str
    present: bool | None
    total: int | None = None
    yearly: dict[int, int] = field(default_factory=dict)
    countries: list[tuple[str, int | None]] = column("CountryFigure.country", item=0, default_factory=list)
    areas: list[tuple[str, int | None]] = column("AreaFlow.area_code", item=0, default_factory=list)
    reasons: list[str] = column("PopulationReason.reason", default_factory=list)
    migration_type: str = column("PopulationFigure.migration_type", default="")


@dataclass
class ServiceValues:
    service: str
    available: bool | None
    distance_band: str = column("ServiceAccess.distance_band", default="")
    households_affected: int | None = None


@dataclass
class ReferralValues:
    district_code: str = column("ReferredVillage.district_code")
    village_code: str = column("ReferredVillage.village_code")
    name_typed: str = column("ReferredVillage.name_typed")
    populations: list[str]
    estimate: int | None
    entity: str = ""  # the villages entity the referral named or created (an entity form), else ""


@dataclass
class DepartureValues:
    """Households that left the village entirely in one year, and where most of them went."""

    year: int
    households: int
    destination: str = column("HouseholdDeparture.destination", default="")


@dataclass
class HousingValues:
    """Whole-family departures and empty houses; asked by per-round B2 versions (all empty before)."""

    departures: list[DepartureValues] = field(default_factory=list)
    houses_empty: int | None = None
    houses_looked_after: int | None = None
    elderly_alone: str = column("VillageAssessment.elderly_alone", default="")


@dataclass
class B2Values:
    location: Location
    informants: list[InformantValues]
    households: int | None
    populations: list[PopulationValues]
    services: list[ServiceValues]
    referrals: list[ReferralValues]
    housing: HousingValues = field(default_factory=HousingValues)


@dataclass
class NominationValues:
    flow: str = column("NominatedVillage.flow")
    village_code: str = column("NominatedVillage.village_code")
    name_typed: str = column("NominatedVillage.name_typed")
    estimates: dict[str, int]
    entity: str = ""  # as ReferralValues.entity


@dataclass
class B1Values:
    location: Location
    informants: list[InformantValues]
    estimates: dict[str, int | None]
    nominations: list[NominationValues]


@dataclass
class SpotCheckValues:
    location: Location
    method: str = column("SpotCheckVisit.method")
    figures: list[tuple[str, str, int | None]] = column("SpotCheckFigure.present", item=1)
    services: list[tuple[str, str]] = column("SpotCheckService.observed", item=1)
    notes: str  # a TextField: no length to exceed
    photo: str = column("SpotCheckVisit.photo")


# --- Shared pieces ------------------------------------------------------------------------------------


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError as exc:
        raise MappingError(f"'{value}' is not a date") from exc


def _datetime(value: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value) if value else None
    except ValueError:
        return None  # device clocks write odd stamps; the timing rule simply has nothing to go on


def _gps(value: str) -> tuple[Decimal | None, Decimal | None, float | None]:
    parts = value.split()
    if len(parts) < 2:
        return None, None, None
    try:
        latitude, longitude = (
            Decimal(parts[0]).quantize(Decimal("0.000001")),
            Decimal(parts[1]).quantize(Decimal("0.000001")),
        )
        accuracy = float(parts[3]) if len(parts) > 3 else None
    except (InvalidOperation, ValueError) as exc:
        raise MappingError(f"GPS '{value}' is not 'latitude longitude altitude accuracy'") from exc
    return latitude, longitude, accuracy


@dataclass(frozen=True)
class EntityVillage:
    """What the server knows of a villages entity (bma.assessments.services.entity_villages): the code of
    the gazetteer village it is (or was merged into), or "" for a village created on a tablet and not
    yet linked to the gazetteer (provisional), which is then read as a typed-in village by its label."""

    code: str
    label: str


Entities = Mapping[str, EntityVillage]


def entity_id(answer: str) -> str:
    """The entity UUID an answer holds, or "" for a gazetteer code, "other" or nothing. A form reading the
    villages entity list answers with the entity's UUID; no gazetteer code is a UUID."""
    try:
        return str(uuid.UUID(answer)) if len(answer) == 36 else ""
    except ValueError:
        return ""


def _typed_village(r: Reader, field: str, other_field: str, entities: Entities | None = None) -> tuple[str, str, str]:
    """(village code, typed name, entity id) of a village question.

    A list-file answer is a gazetteer code, or "other" with the name typed. An entity-list answer is an
    entity UUID: the server's own record of that entity decides (the device's copy of the list may be
    old); a village created on a tablet reads as typed in, by its label, exactly as "other" did, so the
    referral matching and queue take it. Left unpicked, the typed name is the answer (the form created an
    entity for it: the entity blocks, bma.entities). An entity the server does not know yet (created in a
    submission still to come) reads by the label the device read (``<field>_label``); one that is no entity
    of this server at all, by the gazetteer code the device read (``<field>_code``), checked by the store.
    """
    answer, typed = r.text(field), r.text(other_field) if other_field else ""
    device_code, device_label = r.text(f"{field}_code"), r.text(f"{field}_label")
    entity = entity_id(answer)
    if not entity:
        return ("", typed, "") if answer == cl.OTHER_VILLAGE else (answer, typed, "")
    known = (entities or {}).get(entity)
    if known is not None and known.code:
        return known.code, "", entity
    if known is None and device_code:
        # Not an entity of this server (a list kept elsewhere, such as a Central the form was pulled
        # from): the code the device read stands, and the store refuses one the gazetteer lacks.
        return device_code, "", entity
    label = known.label if known is not None else device_label
    if not label:
        raise MappingError(
            f"{field}: the village entity {entity} is not known to this server and the submission names it no "
            f"label (device code '{device_code}'). Reprocess once the submission that created it is in."
        )
    return "", label, entity


def _entity_label(r: Reader) -> str:
    """A repeat row's entity block (meta/entity, entity forms): its label is the typed name, already read;
    the block's id and create flag are attributes, read with the blocks (bma.entities.blocks)."""
    return r.group("meta").group("entity").text("label")


def read_location(
    r: Reader, *, village: bool, other_field: str = "village_other", entities: Entities | None = None
) -> Location:
    latitude, longitude, accuracy = _gps(r.text("gps"))
    code, typed, entity = "", "", ""
    if village:
        code, typed, entity = _typed_village(r, "village", other_field, entities)
        r.text("assigned_village_codes")  # the form's own cut of the list, no answer
    return Location(
        round_number=r.integer("round", ROUND),
        province_code=r.text("province"),
        district_code=read_district(r),
        village_code=code,
        village_name_typed=typed,
        village_entity=entity,
        visit_date=_date(r.text("visit_date")),
        started_at=_datetime(r.text("started")),
        ended_at=_datetime(r.text("ended")),
        latitude=latitude,
        longitude=longitude,
        accuracy_m=accuracy,
    )


def read_district(r: Reader) -> str:
    """The district intake admitted: submissions.header.submission_district owns the reading, so an
    assignment check and the stored assessment cannot name two districts."""
    try:
        return submission_district([r.text(DISTRICT_FIELD)])
    except HeaderError as exc:
        raise MappingError(str(exc.args[0])) from exc


def read_informants(r: Reader) -> list[InformantValues]:
    informants = []
    for ki in r.repeat("ki"):
        contact = ki.group("ki_contact")
        informants.append(
            InformantValues(
                sex=ki.text("ki_sex"),
                informant_type=ki.text("ki_type"),
                informant_type_other=ki.text("ki_type_other"),
                name=contact.text("ki_name"),
                phone=contact.text("ki_phone"),
            )
        )
    return informants


def read_meta(r: Reader) -> None:
    """meta is the header: read by intake, recorded here so the completeness test counts it."""
    meta = r.group("meta")
    # entity: a form with an entities sheet (the spot check's update); its block is read by bma/entities.
    for name in ("instanceID", "instanceName", "deprecatedID", "entity"):
        meta.text(name)


def read_population(r: Reader, pop: str, years=cl.YEARS) -> PopulationValues:
    g = r.group(pop)
    values = PopulationValues(
        population=pop,
        present=g.yes(f"{pop}_present"),
        total=g.integer(f"{pop}_total", COUNT),
        reasons=g.choices(f"{pop}_reasons"),
        migration_type=g.text(f"{pop}_migration_type") if pop in cl.POPULATIONS_WITH_MIGRATION_TYPE else "",
    )
    for year in years:
        count = g.integer(f"{pop}_y{year}", COUNT)
        if count is not None:
            values.yearly[year] = count
    if pop in cl.INTERNATIONAL_POPULATIONS:
        for item in g.repeat(f"{pop}_countries"):
            country, count = item.text(f"{pop}_country"), item.integer(f"{pop}_country_count", COUNT)
            if country:
                values.countries.append((country, count))
    else:
        for item in g.repeat(f"{pop}_districts"):
            area, count = item.text(f"{pop}_district"), item.integer(f"{pop}_district_count", COUNT)
            if area:
                values.areas.append((area, count))
    return values


def read_housing(r: Reader, years=cl.YEARS) -> HousingValues:
    g = r.group("departures")
    values = HousingValues(
        houses_empty=g.integer("houses_empty", COUNT),
        houses_looked_after=g.integer("houses_looked_after", COUNT),
        elderly_alone=g.text("elderly_alone"),
    )
    for year in years:
        left = g.integer(f"hh_left_y{year}", COUNT)
        destination = g.text(f"hh_left_y{year}_where")
        if left is not None:
            values.departures.append(DepartureValues(year, left, destination if left else ""))
    return values


# --- The three forms ----------------------------------------------------------------------------------


def map_b2(tree: Tree, seen: set[str] | None = None, years=cl.YEARS, entities: Entities | None = None) -> B2Values:
    """``years``: the yearly fields this form version asks (read from its XForm); 2020–2023 by default.
    ``entities``: the server's record of the villages entities the answers name (entity forms)."""
    r = Reader(tree, set() if seen is None else seen)
    read_meta(r)
    services_group = r.group("services")
    services = []
    for service in cl.SERVICES:
        services.append(
            ServiceValues(
                service=service,
                available=services_group.yes(f"svc_{service}"),
                distance_band=services_group.text(f"svc_{service}_distance"),
                households_affected=services_group.integer(f"svc_{service}_households", COUNT),
            )
        )
    referrals = []
    # Per-round versions ask first whether there are referrals ("no" leaves the repeat out of the
    # submission). Entries are read whatever it says: a referral sent is never dropped.
    r.text("ref_any")
    for ref in r.repeat("ref"):
        code, typed, entity = _typed_village(ref, "ref_village", "ref_village_other", entities)
        _entity_label(ref)
        referrals.append(
            ReferralValues(
                district_code=ref.text("ref_district"),
                village_code=code,
                name_typed=typed,
                populations=ref.choices("ref_populations"),
                estimate=ref.integer("ref_estimate", COUNT),
                entity=entity,
            )
        )
    return B2Values(
        location=read_location(r, village=True, entities=entities),
        informants=read_informants(r),
        households=r.integer("households", COUNT),
        populations=[read_population(r, pop, years) for pop in cl.POPULATION_CODES],
        services=services,
        referrals=referrals,
        housing=read_housing(r, years),
    )


def map_b1(tree: Tree, seen: set[str] | None = None, entities: Entities | None = None) -> B1Values:
    r = Reader(tree, set() if seen is None else seen)
    read_meta(r)
    estimates_group = r.group("district_estimates")
    nominations = []
    for hv in r.repeat("hv"):
        code, typed, entity = _typed_village(hv, "hv_village", "hv_village_other", entities)
        hv.text("hv_district")  # the B1's district, copied into the row for the entity it creates
        _entity_label(hv)
        estimates = {pop: hv.integer(f"hv_{pop}", COUNT) for pop in cl.POPULATION_CODES}
        nominations.append(
            NominationValues(
                flow=hv.text("hv_flow"),
                village_code=code,
                name_typed=typed,
                estimates={pop: n for pop, n in estimates.items() if n is not None},
                entity=entity,
            )
        )
    return B1Values(
        location=read_location(r, village=False),
        informants=read_informants(r),
        estimates={pop: estimates_group.integer(f"d_{pop}_total", COUNT) for pop in cl.POPULATION_CODES},
        nominations=nominations,
    )


def map_spot_check(tree: Tree, seen: set[str] | None = None, entities: Entities | None = None) -> SpotCheckValues:
    r = Reader(tree, set() if seen is None else seen)
    read_meta(r)
    read_entity_update(r)
    return SpotCheckValues(
        location=read_location(r, village=True, other_field="", entities=entities),
        method=r.text("method"),
        figures=[
            (pop, r.text(f"sc_{pop}_present"), r.integer(f"sc_{pop}_count", COUNT)) for pop in cl.POPULATION_CODES
        ],
        services=[(service, r.text(f"sc_svc_{service}")) for service in cl.SERVICES],
        notes=r.text("notes"),
        photo=r.text("photo"),
    )


def read_entity_update(r: Reader) -> None:
    """Version 2026120701 updates the village's entity (bma/entities/updates.py applies it): what it
    saves is the visit itself, already read. Read here so every field is accounted for."""
    for name in ("village_entity", "visited", "last_visit"):
        r.text(name)


@dataclass(frozen=True)
class Mapper:
    form_id: str
    versions: frozenset[str]
    repeats: frozenset[str]
    map: Callable[..., object]
    # Per-round versions (built by workbooks.b2_round_workbook_bytes) start with one of these prefixes.
    version_prefixes: tuple[str, ...] = ()
    # The form asks one figure per reference year: map() takes the years its version asks.
    reads_years: bool = False

    def understands(self, version: str) -> bool:
        return version in self.versions or any(version.startswith(prefix) for prefix in self.version_prefixes)


B2_REPEATS = frozenset(
    {"ki", "ref"}
    | {f"{p}_countries" for p in cl.INTERNATIONAL_POPULATIONS}
    | {f"{p}_districts" for p in cl.INTERNAL_POPULATIONS}
)
MAPPERS: dict[str, Mapper] = {
    m.form_id: m
    for m in (
        # 2026120701: the B1 reading the villages entity list (workbooks.B1_CSV_VERSION: the one before).
        Mapper("bma_b1", frozenset({"2026112202", "2026120701"}), frozenset({"ki", "hv"}), map_b1),
        Mapper(
            "bma_b2",
            frozenset({"2026112202"}),
            B2_REPEATS,
            map_b2,
            version_prefixes=B2_ROUND_VERSION_PREFIXES,
            reads_years=True,
        ),
        Mapper("bma_spot_check", frozenset({"2026112202", "2026120701"}), frozenset(), map_spot_check),
    )
}


def mapper_for(form_id: str, version: str) -> Mapper | None:
    """The mapper for this form version; None for forms we keep raw. Unknown versions are an error."""
    mapper = MAPPERS.get(form_id)
    if mapper is None:
        return None
    if not mapper.understands(version):
        supported = ", ".join(sorted(mapper.versions))
        raise MappingError(
            f"Version '{version}' of {form_id} has no mapper (supported: {supported}). The raw submission is "
            "kept; add the version to the mapper, then reprocess."
        )
    return mapper
