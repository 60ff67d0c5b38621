"""A round built through the real intake: after every step, the report's figures are the sums of the
current submissions' answers, each typed-in village counted once, and a replay changes nothing."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter

import pytest
from django.core.management import call_command

from bma.assessments.models import ReviewState, VillageAssessment
from bma.geo.models import Settlement, SettlementStatus
from bma.referrals.models import MatchState, PlanReason, PlanStatus, ReferralMatch, VisitPlanEntry
from bma.referrals.services import match_link
from bma.submissions.models import Submission
from bma.xforms import codelists as cl
from tests import factories

pytestmark = pytest.mark.django_db
ORIGINAL_ID = "uuid:342071ed-911c-4e50-9659-3f73b09c383c"
LISTED = "<village>V-ASH-0001</village>"
FIXTURE_REFERRAL = (
    "<ref><ref_district>TJ-KT-PAN</ref_district><ref_village>other</ref_village>"
    "<ref_village_other>Yangiobod</ref_village_other><ref_populations>ret</ref_populations>"
    "<ref_estimate>50</ref_estimate></ref>"
)


def typed(name: str) -> str:
    return f"<village>other</village><village_other>{name}</village_other>"


def referral(district: str, village: str = "other", name: str = "", estimate: int = 10) -> str:
    other = f"<ref_village_other>{name}</ref_village_other>" if village == "other" else ""
    return (
        f"<ref><ref_district>{district}</ref_district><ref_village>{village}</ref_village>{other}"
        f"<ref_populations>imw</ref_populations><ref_estimate>{estimate}</ref_estimate></ref>"
    )


def answered_sums(round_) -> dict:
    """What the current B2 submissions say, read from their raw XML, not from the typed rows."""
    totals, provinces, communities = Counter(), Counter(), 0
    for submission in Submission.objects.filter(round=round_, form__xml_form_id="bma_b2", is_current=True):
        root = ET.fromstring(submission.payload_bytes)
        communities += 1
        for pop in cl.POPULATION_CODES:
            if root.findtext(f"{pop}/{pop}_present") == "yes":
                total = int(root.findtext(f"{pop}/{pop}_total"))
                totals[pop] += total
                provinces[(pop, root.findtext("province"))] += total
    return {"communities": communities, "totals": dict(totals), "provinces": dict(provinces)}


def reported_sums(round_) -> dict:
    from bma.exports.report import round_figures

    VillageAssessment.objects.exclude(review_state=ReviewState.REJECTED).update(review_state=ReviewState.APPROVED)
    figures = round_figures(round_)
    names = {"Sughd": "TJ-SU", "Khatlon": "TJ-KT"}
    return {
        "communities": figures["communities"],
        "totals": {p["code"]: p["total"] for p in figures["populations"] if p["total"]},
        "provinces": {
            (p["code"], names[row["province"]]): row["total"]
            for p in figures["populations"]
            for row in p["by_province"]
            if row["total"]
        },
    }


def assert_report_is_the_answers(round_):
    assert reported_sums(round_) == answered_sums(round_)


def report_json(client, personas) -> bytes:
    client.force_login(personas.coordinator)
    response = client.get(f"/api/rounds/{personas.round.number}/report/")
    assert response.status_code == 200
    return response.content


def test_every_village_counts_once_through_typing_linking_editing_and_replaying(
    client, receive, personas, django_capture_on_commit_callbacks
):
    geo = personas.geo
    factories.make_village("V-ASH-0101", geo.asht, "Navobod")
    factories.make_village("V-ASH-0102", geo.asht, "Navobod")  # two of them: a supervisor must choose
    round_ = personas.round

    # Listed villages, with different figures so a lost or doubled village shows in the sums.
    receive("b2_2026112202.xml")
    receive(
        "b2_2026112202.xml",
        {ORIGINAL_ID: "uuid:listed-2", LISTED: "<village>V-ASH-0002</village>", "<imw_total>12": "<imw_total>7"},
    )
    assert_report_is_the_answers(round_)

    # Typed-in villages: one the matcher finds (Buston is listed), one new, one unclear.
    receive(
        "b2_2026112202.xml",
        {ORIGINAL_ID: "uuid:typed-matched", LISTED: typed("Бустон"), "<imw_total>12": "<imw_total>21"},
    )
    receive(
        "b2_2026112202.xml",
        {ORIGINAL_ID: "uuid:typed-new", LISTED: typed("Sarvoda"), "<imw_total>12": "<imw_total>33"},
    )
    receive(
        "b2_2026112202.xml",
        {ORIGINAL_ID: "uuid:typed-unclear", LISTED: typed("Navobod"), "<imw_total>12": "<imw_total>45"},
    )
    by_root = {a.root_instance_id: a for a in VillageAssessment.objects.select_related("village")}
    assert by_root["uuid:typed-matched"].village.code == "V-ASH-0003"
    assert by_root["uuid:typed-new"].village.status == SettlementStatus.PROVISIONAL
    assert by_root["uuid:typed-unclear"].village is None  # waits for a supervisor, and is counted meanwhile
    assert VillageAssessment.objects.filter(is_current=True).count() == 5
    assert_report_is_the_answers(round_)

    # The supervisor links the unclear one: still counted once.
    pending = ReferralMatch.objects.get(state=MatchState.PENDING, reason=PlanReason.ENUMERATOR)
    match_link(pending, "V-ASH-0102", personas.supervisor)
    assert VillageAssessment.objects.get(root_instance_id="uuid:typed-unclear").village.code == "V-ASH-0102"
    assert_report_is_the_answers(round_)

    # A village that refers three villages, then an edit that drops one and reorders the others.
    receive(
        "b2_2026112202.xml",
        {
            ORIGINAL_ID: "uuid:referrer",
            LISTED: "<village>V-PAN-0001</village>",
            "<province>TJ-SU</province><district>TJ-SU-ASH</district>": "<province>TJ-KT</province>"
            "<district>TJ-KT-PAN</district>",
            FIXTURE_REFERRAL: referral("TJ-KT-PAN", name="Gulshan")
            + referral("TJ-SU-ASH", "V-ASH-0003")
            + referral("TJ-SU-ASH", name="Sarvoda"),
        },
    )
    gulshan = Settlement.objects.get(name_en="Gulshan")
    assert VisitPlanEntry.objects.get(village=gulshan).referral_count == 1
    # The Oshoba fixture referred Yangiobod; "Sarvoda" is the typed-in village created above.
    sarvoda = Settlement.objects.get(name_en="Sarvoda")
    assert VisitPlanEntry.objects.get(village__code="V-ASH-0003").referral_count == 1
    assert VisitPlanEntry.objects.get(village=sarvoda).referral_count == 1
    edit = (
        "<meta><deprecatedID>uuid:referrer</deprecatedID><instanceID>uuid:referrer-edit</instanceID>"
        "<instanceName>edit</instanceName></meta>"
    )
    receive(
        "b2_2026112202.xml",
        {
            ORIGINAL_ID: "uuid:referrer-edit",
            LISTED: "<village>V-PAN-0001</village>",
            "<province>TJ-SU</province><district>TJ-SU-ASH</district>": "<province>TJ-KT</province>"
            "<district>TJ-KT-PAN</district>",
            FIXTURE_REFERRAL: referral("TJ-SU-ASH", name="sarvoda ") + referral("TJ-SU-ASH", "V-ASH-0003"),
            "<imw_total>12": "<imw_total>60",
            "<meta><instanceID>uuid:referrer-edit</instanceID><instanceName>B2 TJ-SU-ASH V-ASH-0001</instanceName>"
            "</meta>": edit,
        },
    )
    referrer = VillageAssessment.objects.get(root_instance_id="uuid:referrer")
    assert referrer.review_state == ReviewState.EDITED
    matches = ReferralMatch.objects.filter(village_assessment=referrer, reason=PlanReason.REFERRAL)
    assert sorted(m.village.name_en for m in matches) == ["Buston", "Sarvoda"]
    assert not VisitPlanEntry.objects.filter(village=gulshan).exists()  # nobody refers it any more
    assert VisitPlanEntry.objects.get(village__code="V-ASH-0003").referral_count == 1
    assert VisitPlanEntry.objects.get(village=sarvoda).referral_count == 1
    assert VisitPlanEntry.objects.get(village=sarvoda).status == PlanStatus.ASSESSED
    assert_report_is_the_answers(round_)

    # A replay of the whole round changes nothing: links, counts, and the report byte for byte.
    before = report_json(client, personas)
    plan_before = sorted(VisitPlanEntry.objects.values_list("village__code", "referral_count", "status"))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reprocess_submissions", "--round", str(round_.number))
    assert not Submission.objects.exclude(state="processed").exists()
    assert VillageAssessment.objects.get(root_instance_id="uuid:typed-unclear").village.code == "V-ASH-0102"
    assert VillageAssessment.objects.get(root_instance_id="uuid:typed-matched").village.code == "V-ASH-0003"
    assert sorted(VisitPlanEntry.objects.values_list("village__code", "referral_count", "status")) == plan_before
    assert report_json(client, personas) == before
    assert_report_is_the_answers(round_)


def test_a_typed_in_village_linked_to_a_village_already_visited_counts_once(receive, personas):
    receive("b2_2026112202.xml", {"<visit_date>2026-11-22": "<visit_date>2026-11-20"})  # Oshoba, listed
    receive("b2_2026112202.xml", {ORIGINAL_ID: "uuid:typed-oshoba", LISTED: typed("Ошоба")})
    current = VillageAssessment.objects.filter(is_current=True)
    assert [(a.root_instance_id, a.village.code) for a in current] == [("uuid:typed-oshoba", "V-ASH-0001")]
    assert VillageAssessment.objects.count() == 2  # the older visit is kept, not counted


def test_renaming_a_typed_in_village_in_an_edit_matches_the_new_name(receive, personas):
    receive("b2_2026112202.xml", {LISTED: typed("Sarvoda")})
    edit_meta = (
        f"<meta><deprecatedID>{ORIGINAL_ID}</deprecatedID><instanceID>uuid:renamed</instanceID>"
        "<instanceName>edit</instanceName></meta>"
    )
    receive(
        "b2_2026112202.xml",
        {
            LISTED: typed("Buston"),
            f"<meta><instanceID>{ORIGINAL_ID}</instanceID><instanceName>B2 TJ-SU-ASH V-ASH-0001</instanceName>"
            "</meta>": edit_meta,
        },
    )
    assessment = VillageAssessment.objects.get()
    assert (assessment.village.code, assessment.is_current) == ("V-ASH-0003", True)
    typed_matches = ReferralMatch.objects.filter(reason=PlanReason.ENUMERATOR)
    assert [m.name for m in typed_matches] == ["Buston"]
