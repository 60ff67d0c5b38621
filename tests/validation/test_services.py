"""Quality issues on processed assessments, supervisors' decisions, spot-check sampling and comparison."""

import pytest
from django.urls import reverse

from bma.assessments import models as am
from bma.core.errors import BmaError
from bma.validation.models import CheckOutcome, IssueState, QualityIssue, SpotCheckAssignment
from bma.validation.services import (
    issue_resolve,
    issue_waive,
    quality_check_round,
    spot_check_sample_draw,
    spot_check_summary,
)
from bma.xforms.models import ListFile

pytestmark = pytest.mark.django_db


def codes_of(assessment):
    return sorted(assessment.issues.values_list("code", flat=True))


def test_processing_runs_the_rules_and_stores_issues(receive):
    receive("b2_2026112202.xml")
    assessment = am.VillageAssessment.objects.get()
    # The engine filled the form in under a second: too fast for a real interview.
    assert "filled_too_fast" in codes_of(assessment)
    issue = assessment.issues.get(code="filled_too_fast")
    assert issue.district.code == "TJ-SU-ASH" and issue.state == IssueState.OPEN
    # Filled in about half a second (started and ended in the fixture): the message gives both figures.
    assert issue.message == (
        "The form was filled in 0.0 minutes; an interview with several informants takes at least 5."
    )


def test_rerunning_the_rules_keeps_decisions_and_adds_no_duplicates(receive, personas):
    receive("b2_2026112202.xml")
    issue = QualityIssue.objects.get(code="filled_too_fast")
    issue_waive(issue, personas.supervisor, "Interview was done by phone beforehand.")
    quality_check_round(personas.round)
    quality_check_round(personas.round)
    again = QualityIssue.objects.filter(code="filled_too_fast")
    assert again.count() == 1 and again.get().state == IssueState.WAIVED


def test_an_issue_that_no_longer_applies_is_removed_when_open(receive):
    receive("b2_2026112202.xml", {"<households>420</households>": "<households>1</households>"})
    assert "implausible_for_households" in codes_of(am.VillageAssessment.objects.get())
    receive(
        "b2_2026112202.xml",
        {
            "uuid:342071ed-911c-4e50-9659-3f73b09c383c</instanceID>": "uuid:fix</instanceID>"
            "<deprecatedID>uuid:342071ed-911c-4e50-9659-3f73b09c383c</deprecatedID>",
        },
    )
    assert "implausible_for_households" not in codes_of(am.VillageAssessment.objects.get())


def test_decisions_need_a_note_and_happen_once(receive, personas):
    receive("b2_2026112202.xml")
    issue = QualityIssue.objects.get(code="filled_too_fast")
    with pytest.raises(BmaError, match="a note is required"):
        issue_resolve(issue, personas.supervisor, "  ")
    issue_resolve(issue, personas.supervisor, "Checked with the enumerator.")
    with pytest.raises(BmaError, match="already resolved"):
        issue_waive(issue, personas.supervisor, "again")


def test_b1_far_from_the_sum_of_b2_totals_is_flagged(receive):
    receive("b2_2026112202.xml")
    receive("b1_2026112202.xml")
    b1 = am.DistrictAssessment.objects.get()
    issue = b1.issues.get(code="b2_far_from_b1", population="ret")
    assert issue.details == {"b1": 900, "b2": 140}


def test_the_stored_message_names_the_district_in_english_whatever_language_the_rules_ran_in(receive):
    """The message is the exported record: a re-check run from a Tajik desk must not write Tajik into it."""
    from django.utils import translation

    from bma.validation.services import quality_check

    receive("b2_2026112202.xml")
    receive("b1_2026112202.xml")
    b1 = am.DistrictAssessment.objects.get()
    b1.issues.all().delete()
    with translation.override("tg"):
        quality_check([b1])
    issue = b1.issues.get(code="b2_far_from_b1", population="ret")
    assert issue.message.startswith("Asht (TJ-SU-ASH), "), issue.message


def test_a_tajik_reader_reads_the_issues_places_by_their_tajik_names_and_the_record_stays_english(receive):
    from django.utils import translation

    receive("b2_2026112202.xml")
    receive("b2_2026112202.xml", {"uuid:342071ed-911c-4e50-9659-3f73b09c383c": "uuid:twin"})
    receive("b1_2026112202.xml")
    twin = QualityIssue.objects.filter(code="assessed_twice_in_round").first()
    far = QualityIssue.objects.get(code="b2_far_from_b1", population="ret")
    assert twin is not None and twin.message.startswith("Oshoba has 1 other assessment(s)")
    with translation.override("tg"):
        assert "Деҳаи Ошоба " in twin.text and "Oshoba" not in twin.text
        assert far.text.startswith("Ноҳияи Ашт (TJ-SU-ASH), ")
    with translation.override("ru"):
        assert far.text.startswith("Аштский район (TJ-SU-ASH), ")
    assert far.message.startswith("Asht (TJ-SU-ASH), ")


def test_a_b1_whose_typed_round_differs_is_kept_in_its_round_and_flagged(receive, personas):
    receive("b1_2026112202.xml", {"<round>2</round>": "<round>7</round>"})
    b1 = am.DistrictAssessment.objects.get()
    assert (b1.round, b1.round_answered) == (personas.round, 7)
    issue = b1.issues.get(code="b1_round_answer_differs")
    assert issue.message.startswith("The enumerator typed round 7, but the submission was received for round 2.")


def test_supervisor_resolves_issues_in_the_admin_with_a_note(client, receive, personas):
    receive("b2_2026112202.xml")
    issue = QualityIssue.objects.get(code="filled_too_fast")
    client.force_login(personas.supervisor)
    url = reverse("admin:validation_qualityissue_changelist")
    client.post(url, {"action": "resolve", "_selected_action": [issue.pk], "note": ""}, follow=True)
    issue.refresh_from_db()
    assert issue.state == IssueState.OPEN
    client.post(url, {"action": "resolve", "_selected_action": [issue.pk], "note": "Phone interview."}, follow=True)
    issue.refresh_from_db()
    assert (issue.state, issue.decided_by, issue.decision_note) == (
        IssueState.RESOLVED,
        personas.supervisor,
        "Phone interview.",
    )


def test_supervisor_of_another_province_sees_no_issues_here(client, receive, personas):
    from tests import factories

    receive("b2_2026112202.xml")
    khatlon_supervisor = factories.make_user("khatlon-sup", "supervisor")
    factories.assign(khatlon_supervisor, personas.geo.khatlon, personas.round, "supervisor")
    client.force_login(khatlon_supervisor)
    response = client.get(reverse("admin:validation_qualityissue_changelist"))
    assert response.context["cl"].result_count == 0


def _assess_many(receive, villages):
    for index, code in enumerate(villages):
        receive(
            "b2_2026112202.xml",
            {
                "uuid:342071ed-911c-4e50-9659-3f73b09c383c": f"uuid:v{index}",
                "<village>V-ASH-0001</village>": f"<village>{code}</village>",
            },
        )


def test_sample_is_stratified_reproducible_and_feeds_the_spot_check_list(receive, personas):
    _assess_many(receive, ["V-ASH-0001", "V-ASH-0002", "V-ASH-0003"])
    first = spot_check_sample_draw(personas.round, share=0.1, min_per_district=2, seed=42)
    again = spot_check_sample_draw(personas.round, share=0.1, min_per_district=2, seed=42)
    villages = lambda s: sorted(s.assignments.values_list("village__code", flat=True))  # noqa: E731
    assert len(villages(first)) == 2  # 10% of 3 is below the district minimum of 2
    assert villages(first) == villages(again)
    csv = bytes(ListFile.objects.get(round=personas.round, filename="spot_check_villages.csv").content).decode()
    assert all(code in csv for code in villages(first))


def test_spot_check_visit_confirms_and_endorses_or_flags_a_major_discrepancy(receive, personas):
    receive("b2_2026112202.xml")
    spot_check_sample_draw(personas.round, share=1.0, min_per_district=1, seed=1)
    receive("spot_check_2026112202.xml")
    assignment = SpotCheckAssignment.objects.get()
    assert assignment.outcome == CheckOutcome.CONFIRMED and assignment.endorsed_at is not None
    receive(
        "spot_check_2026112202.xml",
        {
            "<sc_ret_count>150</sc_ret_count>": "<sc_ret_count>600</sc_ret_count>",
            "uuid:5c1a2b3d-0000-4000-8000-000000000001": "uuid:second-check",
        },
    )
    assignment.refresh_from_db()
    assert assignment.outcome == CheckOutcome.MAJOR and assignment.endorsed_at is None
    ret = next(c for c in assignment.comparisons if c["field"] == "ret_total")
    assert (ret["assessed"], ret["observed"]) == (140, 600)
    (row,) = spot_check_summary(personas.round)
    assert (row["assessed"], row["checked"], row["confirmed"], row["share_checked"]) == (1, 1, 0, 1.0)


def test_a_spot_check_whose_typed_round_differs_is_a_minor_discrepancy_not_endorsed(receive, personas):
    receive("b2_2026112202.xml")
    spot_check_sample_draw(personas.round, share=1.0, min_per_district=1, seed=1)
    receive("spot_check_2026112202.xml", {"<round>2</round>": "<round>1</round>"})
    assignment = SpotCheckAssignment.objects.get()
    assert assignment.outcome == CheckOutcome.MINOR and assignment.endorsed_at is None
    typed = next(c for c in assignment.comparisons if c["field"] == "round")
    assert (typed["assessed"], typed["observed"]) == (2, 1)


def test_coordinator_starts_sampling_from_the_admin_and_sees_the_summary(
    client, receive, personas, tasks_in_process, django_capture_on_commit_callbacks
):
    from bma.validation.models import SpotCheckSample

    receive("b2_2026112202.xml")
    client.force_login(personas.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:validation_spotchecksample_add"),
            {"round": personas.round.pk, "share": "0.5", "min_per_district": "1", "seed": "9"},
            follow=True,
        )
    assert response.status_code == 200
    assert "adminform" not in response.context, response.context["adminform"].form.errors
    sample = SpotCheckSample.objects.get()
    assert (sample.seed, sample.assignments.count(), sample.drawn_by) == (9, 1, personas.coordinator)
    summary = {row["district"]: row for row in response.context["summary"]}
    assert summary["Asht"]["assessed"] == 1


def test_sampling_refuses_a_round_without_assessments(client, personas):
    client.force_login(personas.coordinator)
    response = client.post(
        reverse("admin:validation_spotchecksample_add"),
        {"round": personas.round.pk, "share": "0.1", "min_per_district": "2"},
    )
    assert "has no assessed villages to sample yet" in response.content.decode()


def test_a_supervisor_sees_only_the_drawn_villages_and_summary_rows_of_their_areas(client, receive, personas):
    receive("b2_2026112202.xml")  # Oshoba, Asht (Sughd)
    receive(
        "b2_2026112202.xml",
        {
            "uuid:342071ed-911c-4e50-9659-3f73b09c383c": "uuid:panj",
            "<province>TJ-SU</province><district>TJ-SU-ASH</district>": "<province>TJ-KT</province>"
            "<district>TJ-KT-PAN</district>",
            "<village>V-ASH-0001</village>": "<village>V-PAN-0001</village>",
        },
    )
    sample = spot_check_sample_draw(personas.round, share=1.0, min_per_district=1, seed=5)
    assert sample.assignments.count() == 2
    client.force_login(personas.supervisor)  # Sughd
    page = client.get(reverse("admin:validation_spotchecksample_change", args=[sample.pk]))
    assert page.status_code == 200
    inline = page.context["inline_admin_formsets"][0].formset
    assert [form.instance.village.code for form in inline.forms] == ["V-ASH-0001"]
    listing = client.get(reverse("admin:validation_spotchecksample_changelist"))
    assert [row["district"] for row in listing.context["summary"]] == ["Asht"]
    assert "Panj" not in page.content.decode() and "Panj" not in listing.content.decode()


def test_a_submission_outside_the_enumerators_assignment_is_kept_flagged_and_resolvable(receive, personas):
    # The enumerator is assigned to Asht only; this B2 is for Panj (Khatlon).
    receive(
        "b2_2026112202.xml",
        {
            "<province>TJ-SU</province>": "<province>TJ-KT</province>",
            "<district>TJ-SU-ASH</district>": "<district>TJ-KT-PAN</district>",
            "<village>V-ASH-0001</village>": "<village>V-PAN-0001</village>",
        },
    )
    assessment = am.VillageAssessment.objects.get()
    assert assessment.district.code == "TJ-KT-PAN" and assessment.households == 420  # kept, figures intact
    issue = assessment.issues.get(code="outside_assignment")
    assert issue.state == IssueState.OPEN and "TJ-KT-PAN" in issue.message and "outside" in issue.message
    issue_resolve(issue, personas.coordinator, "Sent to Panj on purpose for this round.")
    issue.refresh_from_db()
    assert issue.state == IssueState.RESOLVED


def test_a_submission_inside_the_assignment_raises_no_outside_issue(receive, personas):
    receive("b2_2026112202.xml")
    assert not am.VillageAssessment.objects.get().issues.filter(code="outside_assignment").exists()


def test_a_redelivered_draw_task_leaves_the_sample_and_the_devices_list_as_drawn(
    client, receive, personas, tasks_in_process, django_capture_on_commit_callbacks
):
    """acks_late: a worker that dies after drawing gets the task again. The enumerators hold the list
    of the first draw; a second draw (a new random seed) must not replace it."""
    from bma.validation.models import SpotCheckSample
    from bma.validation.tasks import spot_check_sample_fill

    _assess_many(receive, ["V-ASH-0001", "V-ASH-0002", "V-ASH-0003"])
    client.force_login(personas.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:validation_spotchecksample_add"),
            {"round": personas.round.pk, "share": "0.1", "min_per_district": "1"},  # no seed: a random one
        )
    sample = SpotCheckSample.objects.get()
    assert sample.drawn_at is not None and sample.drawn_by == personas.coordinator
    drawn = list(sample.assignments.order_by("pk").values_list("pk", "village__code"))
    held = ListFile.objects.get(round=personas.round, filename="spot_check_villages.csv")
    for _ in range(3):  # the same message, delivered again
        spot_check_sample_fill.apply(args=[sample.pk]).get()
    assert SpotCheckSample.objects.count() == 1
    assert list(sample.assignments.order_by("pk").values_list("pk", "village__code")) == drawn
    now = ListFile.objects.get(round=personas.round, filename="spot_check_villages.csv")
    assert (bytes(now.content), now.updated_at) == (bytes(held.content), held.updated_at)


def test_a_replayed_spot_check_visit_compares_with_the_new_visit_and_does_not_replan(receive, personas):
    from bma.referrals.models import PlanReason, PlanStatus, VisitPlanEntry
    from bma.submissions.models import ProcessingState, Submission

    receive("b2_2026112202.xml")  # returnees: 140
    spot_check_sample_draw(personas.round, share=1.0, min_per_district=1, seed=1)
    spot = receive(
        "spot_check_2026112202.xml", {"<sc_ret_count>150</sc_ret_count>": "<sc_ret_count>600</sc_ret_count>"}
    )
    entry = VisitPlanEntry.objects.get(round=personas.round, village__code="V-ASH-0001")
    assert (entry.reason, entry.status) == (PlanReason.REASSESSMENT, PlanStatus.PLANNED)
    # The village is assessed again: 600 returnees, as the spot check saw.
    receive(
        "b2_2026112202.xml",
        {
            "uuid:342071ed-911c-4e50-9659-3f73b09c383c": "uuid:reassessed",
            "<ret_total>140</ret_total>": "<ret_total>600</ret_total>",
            "<ret_country_count>140</ret_country_count>": "<ret_country_count>600</ret_country_count>",
        },
    )
    entry.refresh_from_db()
    assert entry.status == PlanStatus.ASSESSED
    # The spot-check visit is processed again (a replay, "Process again"): the village stays assessed,
    # and the visit is compared with the assessment that counts now.
    Submission.objects.filter(pk=spot.pk).update(state=ProcessingState.RECEIVED)
    from bma.pipeline.services import submission_process

    assert submission_process(spot.pk)
    entry.refresh_from_db()
    assert entry.status == PlanStatus.ASSESSED
    assignment = SpotCheckAssignment.objects.get()
    ret = next(c for c in assignment.comparisons if c["field"] == "ret_total")
    assert (ret["assessed"], ret["observed"]) == (600, 600)
    assert assignment.assessment.root_instance_id == "uuid:reassessed"


def test_a_replay_of_a_major_discrepancy_does_not_put_the_village_back_in_the_plan(receive, personas):
    from bma.pipeline.services import submission_process
    from bma.referrals.models import PlanStatus, VisitPlanEntry
    from bma.referrals.services import plan_mark_assessed
    from bma.submissions.models import ProcessingState, Submission

    receive("b2_2026112202.xml")
    spot_check_sample_draw(personas.round, share=1.0, min_per_district=1, seed=1)
    spot = receive(
        "spot_check_2026112202.xml", {"<sc_ret_count>150</sc_ret_count>": "<sc_ret_count>600</sc_ret_count>"}
    )
    entry = VisitPlanEntry.objects.get(round=personas.round, village__code="V-ASH-0001")
    assert entry.status == PlanStatus.PLANNED
    # Visited again (the coordinator marks it assessed), then the same spot check replayed.
    plan_mark_assessed(personas.round.pk, entry.village)
    Submission.objects.filter(pk=spot.pk).update(state=ProcessingState.RECEIVED)
    assert submission_process(spot.pk)
    entry.refresh_from_db()
    assert entry.status == PlanStatus.ASSESSED
    assert SpotCheckAssignment.objects.get().outcome == CheckOutcome.MAJOR
