"""Storing mapped submissions as typed assessments: an idempotent upsert keyed by the root instance."""

from __future__ import annotations

from django.db import transaction

from bma.assessments import models as m
from bma.assessments.counting import assessments_settle_current, assessments_uncount, villages_recheck_after_commit
from bma.assessments.instance_tree import kobo_tree, xml_tree
from bma.assessments.mappers import (
    B1Values,
    B2Values,
    EntityVillage,
    MappingError,
    SpotCheckValues,
    entity_id,
    mapper_for,
)
from bma.assessments.review import review_event
from bma.assessments.source_keys import said_alike
from bma.assessments.text_bounds import text_bounds_check
from bma.core.bulk import instances_insert, rows_insert
from bma.core.db import advisory_locks
from bma.entities.blocks import entity_blocks
from bma.entities.models import Entity
from bma.geo.models import AdminArea, Settlement
from bma.submissions.models import PayloadFormat, Submission
from bma.xforms.build import form_years


def submission_tree(submission: Submission, repeats: frozenset[str]) -> dict:
    payload = submission.payload_bytes
    if submission.payload_format == PayloadFormat.KOBO_JSON:
        return kobo_tree(payload, repeats)
    return xml_tree(payload, repeats)


# Versions are immutable, so their years are read once per XML (the pipeline defers the XML column;
# keyed by the XML's MD5, a cache entry can never describe another form).
_YEARS_BY_XML_MD5: dict[str, tuple[int, ...]] = {}


def version_years(form_version) -> tuple[int, ...]:
    years = _YEARS_BY_XML_MD5.get(form_version.xml_md5)
    if years is None:
        years = _YEARS_BY_XML_MD5[form_version.xml_md5] = form_years(form_version.xml)
    return years


def submission_values(submission: Submission):
    """The mapped values of a submission, or None for a form we keep raw."""
    mapper = mapper_for(submission.form.xml_form_id, submission.form_version.version)
    if mapper is None:
        return None
    tree = submission_tree(submission, mapper.repeats)
    # Each version maps the years it asked, read from its own XForm (old versions: 2020–2023).
    years = {"years": version_years(submission.form_version)} if mapper.reads_years else {}
    values = mapper.map(tree, **years, entities=entity_villages(tree))
    _created_entities(submission, values)
    text_bounds_check(values)  # before anything is stored: an answer too long for its column fails here
    return values


def _entity_answers(tree) -> set[str]:
    """Every answer of the tree that is an entity UUID (a village picked from the entity list)."""
    found, stack = set(), [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str) and (entity := entity_id(node.strip())):
            found.add(entity)
    return found


def entity_villages(tree) -> dict[str, EntityVillage]:
    """The server's record of the villages entities a submission names, for the mapper (one query, none
    for a form that reads no entity list). An entity is the gazetteer village it stands for; a deleted
    one the village it was merged into (bma.entities: a duplicate, or a tablet's village linked to a
    known one); one created on a tablet and not linked yet (provisional) has no code: its label is read
    as a typed-in name."""
    ids = _entity_answers(tree)
    if not ids:
        return {}
    found = {}
    for entity in Entity.objects.filter(uuid__in=ids).select_related("settlement", "merged_into"):
        village = entity.merged_into if entity.deleted_at and entity.merged_into else entity.settlement
        code = village.code if village is not None and not entity.provisional else ""
        found[str(entity.uuid)] = EntityVillage(code, entity.label)
    return found


def _created_entities(submission: Submission, values) -> None:
    """Each referral or nomination typed in on an entity form created an entity (its repeat row's block):
    its id goes with the row, where the referral queue finds the entity to link or confirm. The block's
    id is an attribute, which the tree leaves out: read with the blocks (bma.entities.blocks)."""
    rows = getattr(values, "referrals", None) or getattr(values, "nominations", None) or []
    payload = submission.payload_bytes if submission.payload_format == PayloadFormat.XML else b""
    if not any(row.name_typed and not row.entity for row in rows) or b"entity" not in payload:
        return
    blocks = entity_blocks(submission.form_version.xml, payload, submission.root_instance_id)
    if len(blocks) != len(rows):  # one block per row of the entity repeat; anything else is no match
        return
    for row, block in zip(rows, blocks, strict=True):
        if block.create and row.name_typed and not row.entity:
            row.entity = entity_id(block.id)


class Gazetteer:
    """The areas and villages a batch of submissions names, fetched in two queries."""

    def __init__(self, values_list):
        area_codes, village_codes = set(), set()
        for values in values_list:
            loc = values.location
            area_codes.update({loc.province_code, loc.district_code})
            village_codes.add(loc.village_code)
            for pop in getattr(values, "populations", []):
                area_codes.update(code for code, _ in pop.areas)
        area_codes.discard("")
        village_codes.discard("")
        self.areas = {a.code: a for a in AdminArea.objects.filter(code__in=area_codes)} if area_codes else {}
        self.villages = {v.code: v for v in Settlement.objects.filter(code__in=village_codes)} if village_codes else {}

    def area(self, code: str, label: str) -> AdminArea | None:
        if not code:
            return None
        if code not in self.areas:
            raise MappingError(f"The {label} code '{code}' is not in the gazetteer. Load it, then reprocess.")
        return self.areas[code]

    def village(self, code: str) -> Settlement | None:
        if not code:
            return None
        if code not in self.villages:
            raise MappingError(f"The village code '{code}' is not in the gazetteer. Load it, then reprocess.")
        return self.villages[code]


def _base_fields(submission: Submission, values, gazetteer: Gazetteer) -> dict:
    loc = values.location
    if not loc.district_code:
        raise MappingError("The submission names no district.")
    return dict(
        submission=submission,
        form_version=submission.form_version.version,
        round=submission.round,
        province=gazetteer.area(loc.province_code, "province"),
        district=gazetteer.area(loc.district_code, "district"),
        enumerator=submission.submitted_by,
        visit_date=loc.visit_date,
        started_at=loc.started_at,
        ended_at=loc.ended_at,
        latitude=loc.latitude,
        longitude=loc.longitude,
        gps_accuracy_m=loc.accuracy_m,
        round_answered=loc.round_number,
    )


def _first_seen_edited(assessment):
    """An assessment first made from an edit: its earlier versions were never mapped here (a pull stored
    the chain at once, or the worker came after the edit). It is edited, as it would be had each version
    been mapped in turn; the event is returned for the caller to save with the assessment."""
    event = review_event(assessment, assessment.review_state, m.ReviewState.EDITED)
    assessment.review_state = m.ReviewState.EDITED
    return event


def _upsert(model, submission: Submission, fields: dict, create_only: dict | None = None):
    """Create or replace the assessment of this submission chain; children are rebuilt by the caller."""
    existing = model.objects.select_for_update().filter(root_instance_id=submission.root_instance_id).first()
    if existing is None:
        created = model(root_instance_id=submission.root_instance_id, **fields, **(create_only or {}))
        event = _first_seen_edited(created) if submission.deprecated_id else None
        created.save(force_insert=True)
        if event is not None:
            event.save()
        return created, True
    edited = existing.submission_id != submission.pk
    for name, value in fields.items():
        setattr(existing, name, value)
    if edited:
        review_event(existing, existing.review_state, m.ReviewState.EDITED).save()
        existing.review_state = m.ReviewState.EDITED
    existing.save()
    return existing, False


def _clear(assessment: m.VillageAssessment) -> None:
    """Remove a re-mapped assessment's rows, children first, without Django's cascade collector
    (it would select every child before deleting it)."""
    figures = m.PopulationFigure.objects.filter(assessment=assessment)
    for model in (m.YearlyFigure, m.CountryFigure, m.AreaFlow, m.PopulationReason):
        model.objects.filter(figure__in=figures)._raw_delete(model.objects.db)
    figures._raw_delete(figures.db)
    m.InformantContact.objects.filter(informant__village_assessment=assessment)._raw_delete(figures.db)
    for queryset in (
        m.Informant.objects.filter(village_assessment=assessment),
        assessment.services.all(),
        assessment.referrals.all(),
        assessment.departures.all(),
    ):
        queryset._raw_delete(queryset.db)


def _store_informants(pairs) -> None:
    """pairs: (values, owner kwargs) for each assessment; informants and contacts in two inserts."""
    rows, contacts = [], []
    for values, owner in pairs:
        for position, ki in enumerate(values.informants, start=1):
            rows.append(
                m.Informant(
                    position=position,
                    sex=ki.sex,
                    informant_type=ki.informant_type,
                    informant_type_other=ki.informant_type_other,
                    **owner,
                )
            )
            contacts.append((ki.name, ki.phone))
    informants = instances_insert(rows)
    rows_insert(
        m.InformantContact,
        ["informant_id", "name", "phone"],
        (
            (informant.pk, name, phone)
            for informant, (name, phone) in zip(informants, contacts, strict=True)
            if name or phone
        ),
    )


B2_FIELDS = (
    "submission",
    "form_version",
    "round",
    "province",
    "district",
    "enumerator",
    "visit_date",
    "started_at",
    "ended_at",
    "latitude",
    "longitude",
    "gps_accuracy_m",
    "village",
    "village_name_typed",
    "village_entity_uuid",
    "households",
    "round_answered",
    "houses_empty",
    "houses_looked_after",
    "elderly_alone",
)


def store_b2_batch(items: list[tuple[Submission, B2Values]]) -> tuple[list[m.VillageAssessment], dict[int, str]]:
    """Store many B2 submissions with a fixed number of queries, whatever their number.

    Returns the assessments and {submission id: error} for submissions that could not be stored
    (their rows are left untouched). This is the only B2 store: one submission is a batch of one.
    """
    gazetteer = Gazetteer(values for _, values in items)
    errors: dict[int, str] = {}
    prepared = []
    for submission, values in items:
        try:
            fields = _base_fields(submission, values, gazetteer)
            fields.update(
                village=gazetteer.village(values.location.village_code),
                village_name_typed=values.location.village_name_typed,
                village_entity_uuid=values.location.village_entity or None,
                households=values.households,
                houses_empty=values.housing.houses_empty,
                houses_looked_after=values.housing.houses_looked_after,
                elderly_alone=values.housing.elderly_alone,
            )
        except MappingError as exc:
            errors[submission.pk] = str(exc)
            continue
        prepared.append((submission, values, fields))
    roots = [submission.root_instance_id for submission, _, _ in prepared]
    existing = {
        a.root_instance_id: a
        for a in m.VillageAssessment.objects.select_for_update().filter(root_instance_id__in=roots).order_by("pk")
    }
    new, updated, stored, events, moved = [], [], [], [], []
    left_villages: set[tuple[int, int]] = set()
    for submission, values, fields in prepared:
        assessment = existing.get(submission.root_instance_id)
        if assessment is None:
            # Created as not counting: assessments_settle_current (below) decides which visit counts.
            assessment = m.VillageAssessment(root_instance_id=submission.root_instance_id, **fields)
            if submission.deprecated_id:
                events.append(_first_seen_edited(assessment))
            new.append(assessment)
        else:
            if assessment.submission_id != submission.pk:
                events.append(review_event(assessment, assessment.review_state, m.ReviewState.EDITED))
                assessment.review_state = m.ReviewState.EDITED
            if fields["village"] is None and _same_typed_village(assessment, fields["village_name_typed"]):
                # The typed-in name was linked to a village (by the matcher or a supervisor); the raw
                # answer is still "not on the list", and a replay or edit must not undo the link.
                fields["village"] = assessment.village
            previous_village = assessment.village_id
            for name, value in fields.items():
                setattr(assessment, name, value)
            if assessment.village_id != previous_village:
                # A visit moved to another village: it no longer counts for the one it left, a choice
                # made there no longer applies, and it is weighed below against its new village's
                # visits (not counting until then keeps the one-current constraint).
                moved.append(assessment.pk)
                if previous_village is not None:
                    left_villages.add((assessment.round_id, previous_village))
            updated.append(assessment)
        stored.append((assessment, values))
    instances_insert(new)
    m.ReviewEvent.objects.bulk_create(events)
    if moved:  # out of counting before they move (counting.py writes is_current, and only it)
        assessments_uncount(m.VillageAssessment.objects.filter(pk__in=moved))
    if updated:
        m.VillageAssessment.objects.bulk_update(updated, [*B2_FIELDS, "review_state"])
        for assessment in updated:
            _clear(assessment)
    _store_informants((values, {"village_assessment": a}) for a, values in stored)
    present = [(a, pop) for a, values in stored for pop in values.populations if pop.present is not None]
    figures = instances_insert(
        [
            m.PopulationFigure(
                assessment=a,
                population=pop.population,
                present=pop.present,
                total=pop.total if pop.present else None,
                migration_type=pop.migration_type if pop.present else "",
            )
            for a, pop in present
        ]
    )
    answered = [(figure, pop) for figure, (_, pop) in zip(figures, present, strict=True) if pop.present]
    # Leaf rows (nothing refers to them) go in without model instances: see bma.core.bulk.
    rows_insert(
        m.YearlyFigure,
        ["figure_id", "assessment_id", "population", "year", "count"],
        ((f.pk, f.assessment_id, f.population, y, n) for f, pop in answered for y, n in pop.yearly.items()),
    )
    rows_insert(
        m.CountryFigure,
        ["figure_id", "assessment_id", "population", "country", "count"],
        ((f.pk, f.assessment_id, f.population, c, n) for f, pop in answered for c, n in pop.countries),
    )
    rows_insert(
        m.AreaFlow,
        ["figure_id", "area_id", "area_code", "count"],
        ((f.pk, _pk(gazetteer.areas.get(code)), code, n) for f, pop in answered for code, n in pop.areas),
    )
    rows_insert(
        m.PopulationReason,
        ["figure_id", "assessment_id", "population", "reason"],
        ((f.pk, f.assessment_id, f.population, r) for f, pop in answered for r in dict.fromkeys(pop.reasons)),
    )
    rows_insert(
        m.ServiceAccess,
        ["assessment_id", "service", "available", "distance_band", "households_affected"],
        (
            (
                a.pk,
                s.service,
                bool(s.available),
                s.distance_band if s.available is False else "",
                s.households_affected if s.available is False else None,
            )
            for a, values in stored
            for s in values.services
            if s.available is not None
        ),
    )
    rows_insert(
        m.HouseholdDeparture,
        ["assessment_id", "year", "households", "destination"],
        ((a.pk, d.year, d.households, d.destination) for a, values in stored for d in values.housing.departures),
    )
    rows_insert(
        m.ReferredVillage,
        [
            "assessment_id",
            "position",
            "district_code",
            "village_code",
            "name_typed",
            "entity_uuid",
            "populations",
            "estimate",
        ],
        (
            (
                a.pk,
                position,
                ref.district_code,
                ref.village_code,
                ref.name_typed,
                ref.entity or None,
                ref.populations,
                ref.estimate,
            )
            for a, values in stored
            for position, ref in enumerate(values.referrals, start=1)
        ),
    )
    assessments_settle_current(
        {(a.round_id, a.village_id) for a, _ in stored if a.village_id} | left_villages,
        typed_ids={a.pk for a, _ in stored if a.village_id is None},
    )
    return [a for a, _ in stored], errors


def _same_typed_village(assessment: m.VillageAssessment, typed: str) -> bool:
    return bool(typed and assessment.village_name_typed) and said_alike(assessment.village_name_typed, typed)


def _pk(instance) -> int | None:
    return instance.pk if instance is not None else None


def assessment_link_village(assessment_id: int, village: Settlement) -> None:
    """Point an assessment of a typed-in village at the village it was matched to, and count it once.

    Not counting first (the village may already have a visit that counts: the one-current constraint),
    then assessments_settle_current decides which of the village's visits counts.
    """
    # The district's lock first, as processing batches take it: a supervisor linking a village while a
    # worker stores visits to it queues behind the worker instead of deadlocking with it.
    advisory_locks([f"district:{village.district.code}"])
    typed = m.VillageAssessment.objects.filter(pk=assessment_id, village__isnull=True)
    assessments_uncount(typed)
    linked = typed.update(village=village)
    if linked:
        round_id = m.VillageAssessment.objects.values_list("round_id", flat=True).get(pk=assessment_id)
        assessments_settle_current({(round_id, village.pk)})
        # Now a visit of the village: the village's duplicate-visit issue is decided again.
        villages_recheck_after_commit({(round_id, village.pk)})


def _store_b1(submission: Submission, values: B1Values) -> m.DistrictAssessment:
    assessment, _ = _upsert(m.DistrictAssessment, submission, _base_fields(submission, values, Gazetteer([values])))
    m.Informant.objects.filter(district_assessment=assessment).delete()
    assessment.estimates.all().delete()
    assessment.nominations.all().delete()
    _store_informants([(values, {"district_assessment": assessment})])
    m.DistrictEstimate.objects.bulk_create(
        m.DistrictEstimate(assessment=assessment, population=pop, total=total)
        for pop, total in values.estimates.items()
    )
    m.NominatedVillage.objects.bulk_create(
        m.NominatedVillage(
            assessment=assessment,
            position=position,
            flow=nomination.flow,
            village_code=nomination.village_code,
            name_typed=nomination.name_typed,
            entity_uuid=nomination.entity or None,
            estimates=nomination.estimates,
        )
        for position, nomination in enumerate(values.nominations, start=1)
    )
    return assessment


def _store_spot_check(submission: Submission, values: SpotCheckValues) -> m.SpotCheckVisit:
    gazetteer = Gazetteer([values])
    fields = _base_fields(submission, values, gazetteer)
    fields.update(
        village=gazetteer.village(values.location.village_code),
        method=values.method,
        notes=values.notes,
        photo=values.photo,
    )
    visit, _ = _upsert(m.SpotCheckVisit, submission, fields)
    visit.figures.all().delete()
    visit.services.all().delete()
    m.SpotCheckFigure.objects.bulk_create(
        m.SpotCheckFigure(visit=visit, population=pop, present=present, count=count)
        for pop, present, count in values.figures
        if present
    )
    m.SpotCheckService.objects.bulk_create(
        m.SpotCheckService(visit=visit, service=service, observed=observed)
        for service, observed in values.services
        if observed
    )
    return visit


def _store_b2(submission: Submission, values: B2Values) -> m.VillageAssessment:
    assessments, errors = store_b2_batch([(submission, values)])
    if errors:
        raise MappingError(errors[submission.pk])
    return assessments[0]


STORES = {B2Values: _store_b2, B1Values: _store_b1, SpotCheckValues: _store_spot_check}


@transaction.atomic
def assessment_store(submission: Submission):
    """Map and store one submission. Returns the assessment, or None for raw-only forms and old versions.

    Only the current version of an edit chain is stored: reprocessing an older version must not
    overwrite its edit.
    """
    if not submission.is_current:
        return None
    values = submission_values(submission)
    if values is None:
        return None
    return STORES[type(values)](submission, values)
