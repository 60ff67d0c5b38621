"""Referred, nominated and typed-in villages grow the round's visit plan and the tablets' village list."""

import pytest
from django.urls import reverse

from bma.assessments.models import VillageAssessment
from bma.geo.models import Settlement, SettlementStatus
from bma.pipeline.services import submission_process
from bma.referrals.models import MatchOutcome, MatchState, PlanReason, PlanStatus, ReferralMatch, VisitPlanEntry
from bma.referrals.services import match_link
from bma.submissions.models import ProcessingState, Submission
from bma.xforms.models import ListFile
from tests import factories

pytestmark = pytest.mark.django_db
ORIGINAL_ID = "uuid:342071ed-911c-4e50-9659-3f73b09c383c"


def villages_csv(round_):
    return bytes(ListFile.objects.get(round=round_, filename="villages.csv").content).decode()


def test_an_unknown_referred_village_becomes_provisional_planned_and_listed(receive, personas):
    receive("b2_2026112202.xml")  # refers "Yangiobod" in Panj
    match = ReferralMatch.objects.get(reason=PlanReason.REFERRAL)
    assert (match.outcome, match.state) == (MatchOutcome.NEW, MatchState.LINKED)
    village = match.village
    assert (village.district.code, village.status, village.name_en) == (
        "TJ-KT-PAN",
        SettlementStatus.PROVISIONAL,
        "Yangiobod",
    )
    entry = VisitPlanEntry.objects.get(village=village)
    assert (entry.reason, entry.status, entry.referral_count) == (PlanReason.REFERRAL, PlanStatus.PLANNED, 1)
    assert village.code in villages_csv(personas.round)
    # The assessed village itself is in the plan as assessed.
    assert VisitPlanEntry.objects.get(village__code="V-ASH-0001").status == PlanStatus.ASSESSED


def test_several_referrals_of_one_new_village_become_one_village(receive, personas):
    receive("b2_2026112202.xml")
    receive(
        "b2_2026112202.xml",
        {
            ORIGINAL_ID: "uuid:second",
            "<village>V-ASH-0001</village>": "<village>V-ASH-0002</village>",
            "<ref_village_other>Yangiobod</ref_village_other>": "<ref_village_other>деҳаи Янгиобод</ref_village_other>",
        },
    )
    assert Settlement.objects.filter(name_en="Yangiobod").count() == 1
    second = ReferralMatch.objects.get(village_assessment__root_instance_id="uuid:second")
    assert second.outcome == MatchOutcome.EXACT
    assert VisitPlanEntry.objects.get(village=second.village).referral_count == 2


def test_b1_nominations_link_picked_villages_and_never_across_districts(receive, personas):
    receive("b2_2026112202.xml")  # creates Yangiobod in Panj
    receive("b1_2026112202.xml")  # nominates V-ASH-0002 (picked) and "Yangiobod" typed, in Asht
    picked = ReferralMatch.objects.get(reason=PlanReason.B1_NOMINATION, outcome=MatchOutcome.PICKED)
    assert (picked.outcome, picked.village.code) == (MatchOutcome.PICKED, "V-ASH-0002")
    assert VisitPlanEntry.objects.get(village__code="V-ASH-0002").reason == PlanReason.B1_NOMINATION
    typed = ReferralMatch.objects.get(reason=PlanReason.B1_NOMINATION, name="Yangiobod")
    assert typed.outcome == MatchOutcome.NEW and typed.village.district.code == "TJ-SU-ASH"
    assert Settlement.objects.filter(name_en="Yangiobod").count() == 2  # one per district


def test_an_unclear_name_waits_for_a_supervisor_who_links_it(client, receive, personas):
    panj = personas.geo.panj
    factories.make_village("V-PAN-0101", panj, "Yangiobod")
    factories.make_village("V-PAN-0102", panj, "Yangiobod")
    receive("b2_2026112202.xml")
    match = ReferralMatch.objects.get(reason=PlanReason.REFERRAL)
    assert (match.state, [c for c, _ in match.candidates]) == (MatchState.PENDING, ["V-PAN-0101", "V-PAN-0102"])
    assert not VisitPlanEntry.objects.filter(village__code__in=["V-PAN-0101", "V-PAN-0102"]).exists()
    client.force_login(personas.coordinator)
    queue = client.get(reverse("admin:referrals_referralmatch_changelist"))
    assert queue.context["cl"].result_count == 1
    client.post(
        reverse("admin:referrals_referralmatch_changelist") + "?state__exact=pending",
        {"action": "link", "_selected_action": [match.pk], "village_code": "V-PAN-0102"},
    )
    match.refresh_from_db()
    assert (match.state, match.village.code, match.decided_by) == (
        MatchState.LINKED,
        "V-PAN-0102",
        personas.coordinator,
    )
    assert VisitPlanEntry.objects.get(village__code="V-PAN-0102").reason == PlanReason.REFERRAL


def test_linking_to_a_village_of_another_district_is_refused(receive, personas):
    panj = personas.geo.panj
    factories.make_village("V-PAN-0101", panj, "Yangiobod")
    factories.make_village("V-PAN-0102", panj, "Yangiobod")
    receive("b2_2026112202.xml")
    match = ReferralMatch.objects.get(reason=PlanReason.REFERRAL)
    from bma.core.errors import BmaError

    with pytest.raises(BmaError, match="No village with the code 'V-ASH-0001'"):
        match_link(match, "V-ASH-0001", personas.supervisor)


def test_a_typed_in_village_is_added_and_the_assessment_points_at_it(receive, personas):
    receive(
        "b2_2026112202.xml",
        {"<village>V-ASH-0001</village>": "<village>other</village><village_other>Qamishqo'rg'on</village_other>"},
    )
    assessment = VillageAssessment.objects.get()
    assert assessment.village is not None and assessment.village.status == SettlementStatus.PROVISIONAL
    assert VisitPlanEntry.objects.get(village=assessment.village).status == PlanStatus.ASSESSED


def test_reprocessing_adds_no_second_match_or_village(receive, personas):
    submission = receive("b2_2026112202.xml")
    Submission.objects.filter(pk=submission.pk).update(state=ProcessingState.RECEIVED)
    submission_process(submission.pk)
    assert ReferralMatch.objects.count() == 1 and Settlement.objects.filter(name_en="Yangiobod").count() == 1


def test_major_spot_check_discrepancy_puts_the_village_back_in_the_plan(receive, personas):
    from bma.validation.services import spot_check_sample_draw

    receive("b2_2026112202.xml")
    spot_check_sample_draw(personas.round, share=1.0, min_per_district=1, seed=3)
    receive("spot_check_2026112202.xml", {"<sc_ret_count>150</sc_ret_count>": "<sc_ret_count>900</sc_ret_count>"})
    entry = VisitPlanEntry.objects.get(village__code="V-ASH-0001")
    assert (entry.status, entry.reason) == (PlanStatus.PLANNED, PlanReason.REASSESSMENT)


def test_supervisor_sees_plan_coverage_for_their_districts(client, receive, personas):
    receive("b2_2026112202.xml")
    client.force_login(personas.supervisor)
    response = client.get(reverse("admin:referrals_visitplanentry_changelist"))
    coverage = {row["code"]: row for row in response.context["coverage"]}
    assert coverage["TJ-SU-ASH"]["assessed"] == 1 and "TJ-KT-PAN" not in coverage


def test_unvisited_villages_carry_over_to_the_next_round(receive, personas):
    from bma.referrals.services import plan_carry_over

    receive("b2_2026112202.xml")  # plans the new Yangiobod in Panj, not yet visited
    next_round = factories.make_round(number=3)
    assert plan_carry_over(next_round) == 1
    entry = VisitPlanEntry.objects.get(round=next_round)
    assert (entry.village.name_en, entry.reason) == ("Yangiobod", PlanReason.CARRIED_OVER)
    assert plan_carry_over(next_round) == 0


def test_referrals_processed_in_one_batch_count_every_naming(personas, published_forms):
    from bma.submissions.services import submission_receive
    from tests.conftest import SUBMISSION_FIXTURES

    template = (SUBMISSION_FIXTURES / "b2_2026112202.xml").read_text(encoding="utf-8")
    stored = []
    for number, village in enumerate(["V-ASH-0001", "V-ASH-0002", "V-ASH-0001"]):
        payload = template.replace(ORIGINAL_ID, f"uuid:batch-{number}").replace(
            "<village>V-ASH-0001</village>", f"<village>{village}</village>"
        )
        # Stored without running the on-commit processing: the three wait, then go in one batch.
        stored.append(submission_receive(payload=payload.encode(), files=[], user=personas.enumerator).submission)
    assert submission_process(stored[0].pk)
    assert Submission.objects.filter(state=ProcessingState.PROCESSED).count() == 3
    entry = VisitPlanEntry.objects.get(village__name_en="Yangiobod")
    assert (entry.reason, entry.referral_count) == (PlanReason.REFERRAL, 3)
    assert ReferralMatch.objects.filter(village=entry.village).count() == 3


def test_the_queue_names_candidates_in_the_readers_language_and_decided_ones_read_as_decided(client, receive, personas):
    panj = personas.geo.panj
    factories.make_village("V-PAN-0101", panj, "Yangiobod", name_ru="Янгиабад")
    factories.make_village("V-PAN-0102", panj, "Yangiobod")
    receive("b2_2026112202.xml")
    match = ReferralMatch.objects.get(reason=PlanReason.REFERRAL)
    from bma.referrals.services import match_candidate_names, match_outcome_now

    assert match_candidate_names(match, "ru") == ["Янгиабад (V-PAN-0101, 100)", "Yangiobod (V-PAN-0102, 100)"]
    assert match_outcome_now(match) == "Unclear: waiting for a supervisor"
    match_link(match, "V-PAN-0101", personas.coordinator)
    assert match_outcome_now(match) == "Unclear name, linked to a village by coordinator"
    client.force_login(personas.coordinator)
    page = client.get(reverse("admin:referrals_referralmatch_changelist") + "?q=Yangiobod").content.decode()
    assert "Unclear name, linked to a village by coordinator" in page
