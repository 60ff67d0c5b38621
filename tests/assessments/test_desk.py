"""The assessment page as a review desk: decisions with a comment, on to the next assessment of the
list, quality issues resolved or waived inline, the spot-check table, the referrals' states, and a bulk
approval that first says what it covers. Driven through the admin as each persona."""

import ast
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from bma.assessments import models as m
from bma.validation.models import IssueState, QualityIssue
from tests import factories

pytestmark = pytest.mark.django_db
LIST = "admin:assessments_villageassessment_changelist"
OSHOBA_ID = "uuid:342071ed-911c-4e50-9659-3f73b09c383c"


def change_url(assessment, list_query=""):
    url = reverse("admin:assessments_villageassessment_change", args=[assessment.pk])
    return f"{url}?_changelist_filters={list_query}" if list_query else url


def review_url(assessment):
    return reverse("admin:assessments_villageassessment_review", args=[assessment.pk])


@pytest.fixture
def three_villages(receive):
    """Oshoba, Shaydon and Buston in Asht, all received; the list shows the newest first."""
    receive("b2_2026112202.xml")
    for uuid, code in (("uuid:shaydon", "V-ASH-0002"), ("uuid:buston", "V-ASH-0003")):
        receive("b2_2026112202.xml", {OSHOBA_ID: uuid, "<village>V-ASH-0001</village>": f"<village>{code}</village>"})
    return list(m.VillageAssessment.objects.order_by("-pk"))  # the list's order (same visit date)


@pytest.fixture
def khatlon_supervisor(personas):
    user = factories.make_user("khatlon-sup", "supervisor")
    factories.assign(user, personas.geo.khatlon, personas.round, "supervisor")
    return user


def test_approve_from_the_page_goes_on_to_the_next_of_the_filtered_list(client, three_villages, personas):
    first, second, _third = three_villages
    client.force_login(personas.supervisor)
    list_query = "review_state__exact%3Dreceived"
    page = client.get(change_url(first, list_query))
    assert page.context["next_url"] == change_url(second, list_query) and page.context["previous_url"] == ""
    response = client.post(
        review_url(first), {"decision": "approve", "comment": "", "_changelist_filters": "review_state__exact=received"}
    )
    first.refresh_from_db()
    assert first.review_state == m.ReviewState.APPROVED
    # The next one of the list as it was: the approved one has left the "received" filter.
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.path == reverse("admin:assessments_villageassessment_change", args=[second.pk])
    assert parse_qs(target.query) == {"_changelist_filters": ["review_state__exact=received"]}
    event = first.review_events.get()
    assert (event.from_state, event.to_state, event.actor) == ("received", "approved", personas.supervisor)


def test_flag_and_reject_need_a_comment_and_a_refusal_keeps_what_was_typed(client, three_villages, personas):
    first, *_ = three_villages
    client.force_login(personas.supervisor)
    for decision in ("flag", "reject"):
        refused = client.post(review_url(first), {"decision": decision, "comment": "  "})
        assert refused.status_code == 400
        assert "a comment is required" in refused.context["decision_error"]
        assert 'id="decision-error"' in refused.content.decode()
    # No decision button (Enter in the box): refused, and the comment is still in the box.
    refused = client.post(review_url(first), {"comment": "Totals of returnees look doubled"})
    assert refused.status_code == 400
    assert ">Totals of returnees look doubled</textarea>" in refused.content.decode()
    first.refresh_from_db()
    assert first.review_state == m.ReviewState.RECEIVED and not first.review_events.exists()

    done = client.post(review_url(first), {"decision": "flag", "comment": "Totals of returnees look doubled"})
    assert done.status_code == 302
    first.refresh_from_db()
    assert first.review_state == m.ReviewState.HAS_ISSUES
    assert first.review_events.get().comment == "Totals of returnees look doubled"


def test_the_last_of_the_list_goes_back_to_the_list_with_its_filters(client, three_villages, personas):
    *_, last = three_villages
    client.force_login(personas.supervisor)
    page = client.get(change_url(last, "district__id__exact%3D" + str(last.district_id)))
    assert page.context["next_url"] == "" and page.context["previous_url"]
    response = client.post(
        review_url(last),
        {"decision": "approve", "_changelist_filters": f"district__id__exact={last.district_id}"},
    )
    target = urlsplit(response["Location"])  # the list itself, filtered as it was
    assert target.path == reverse(LIST) and parse_qs(target.query) == {"district__id__exact": [str(last.district_id)]}


@pytest.mark.parametrize(
    "persona, status, decided",
    [
        ("supervisor", 302, True),  # Sughd: the village is theirs
        ("coordinator", 302, True),  # every area
        ("khatlon", 404, False),  # another province: the assessment does not exist for them
        ("enumerator", 302, False),  # no admin: sent to the login page
        ("outsider", 302, False),
    ],
)
def test_who_may_decide_from_the_page(client, three_villages, personas, khatlon_supervisor, persona, status, decided):
    first, *_ = three_villages
    user = khatlon_supervisor if persona == "khatlon" else getattr(personas, persona)
    client.force_login(user)
    response = client.post(review_url(first), {"decision": "reject", "comment": "Not this village"})
    assert response.status_code == status
    if status == 302 and not decided:
        assert response["Location"].startswith(reverse("admin:login"))
    first.refresh_from_db()
    assert (first.review_state == m.ReviewState.REJECTED) is decided


def test_a_decision_is_only_taken_by_post(client, three_villages, personas):
    client.force_login(personas.supervisor)
    assert client.get(review_url(three_villages[0])).status_code == 405


def test_the_page_has_decision_buttons_with_access_keys_and_no_save(client, three_villages, personas):
    client.force_login(personas.supervisor)
    page = client.get(change_url(three_villages[1])).content.decode()
    for value, key in (("approve", "a"), ("flag", "h"), ("reject", "x")):
        assert f'value="{value}" id="decide-{value}" accesskey="{key}"' in page
    assert 'accesskey="n"' in page and 'accesskey="p"' in page and 'accesskey="c"' in page
    assert 'name="_save"' not in page


# --- Quality issues inline -------------------------------------------------------------------------


def decide_url(issue):
    return reverse("admin:validation_qualityissue_decide", args=[issue.pk])


def test_resolve_and_waive_inline_in_one_click_with_an_optional_note(client, three_villages, personas):
    first, second, _third = three_villages
    client.force_login(personas.supervisor)
    page = client.get(change_url(first, "q%3DOshoba"))
    (issues,) = [s for s in page.context["desk_sections"] if s.key == "issues"]
    open_ids = [issue.pk for issue, url in issues.context["open_issues"]]
    assert open_ids and set(open_ids) == set(
        QualityIssue.objects.filter(village_assessment=first, state=IssueState.OPEN).values_list("pk", flat=True)
    )
    issue = QualityIssue.objects.get(pk=open_ids[0])
    here = change_url(first, "q%3DOshoba")
    response = client.post(decide_url(issue), {"decision": "resolve", "note": "", "next": here})
    assert response.status_code == 302 and response["Location"] == here
    issue.refresh_from_db()
    assert issue.state == IssueState.RESOLVED and issue.decided_by == personas.supervisor
    assert issue.decision_note  # the record says no note was given
    page = client.get(here)
    assert "Resolved on the assessment page" in page.content.decode()
    assert "Quality issues (0 open)" in page.content.decode()
    # Waiving, with a note, the issue of another assessment.
    other = QualityIssue.objects.get(village_assessment=second, state=IssueState.OPEN)
    client.post(decide_url(other), {"decision": "waive", "note": "Asked by phone", "next": here})
    other.refresh_from_db()
    assert other.state == IssueState.WAIVED and other.decision_note == "Asked by phone"


def test_issue_decisions_are_scoped_and_post_only(client, three_villages, personas, khatlon_supervisor):
    issue = QualityIssue.objects.filter(village_assessment=three_villages[0]).first()
    client.force_login(khatlon_supervisor)
    assert client.post(decide_url(issue), {"decision": "resolve"}).status_code == 404
    client.force_login(personas.enumerator)
    assert client.post(decide_url(issue), {"decision": "resolve"}).status_code == 302
    client.force_login(personas.supervisor)
    assert client.get(decide_url(issue)).status_code == 405
    # Somewhere else to go back to: only this site.
    response = client.post(decide_url(issue), {"decision": "waive", "next": "https://example.org/"})
    assert response["Location"] == reverse("admin:validation_qualityissue_changelist")
    issue.refresh_from_db()
    assert issue.state == IssueState.WAIVED


# --- Spot check and referrals ----------------------------------------------------------------------


def test_the_spot_check_comparison_is_a_table_with_tolerances_and_services(client, receive, personas):
    from bma.validation.services import spot_check_sample_draw

    receive("b2_2026112202.xml")
    spot_check_sample_draw(personas.round, share=1.0, min_per_district=1, seed=1)
    receive(
        "spot_check_2026112202.xml",
        {
            "<sc_ret_count>150</sc_ret_count>": "<sc_ret_count>600</sc_ret_count>",
            "<sc_svc_market>yes": "<sc_svc_market>no",
        },
    )
    client.force_login(personas.supervisor)
    page = client.get(change_url(m.VillageAssessment.objects.get()))
    (section,) = [s for s in page.context["desk_sections"] if s.key == "spot-check"]
    ((_check, rows),) = section.context["checks"]
    by_field = {row["field"]: row for row in rows}
    ret = by_field["Return migrants total"]
    assert (ret["assessed"], ret["observed"], ret["tolerance"], ret["outcome"]) == (
        "140",
        "600",
        "± 35",  # 25 % of 140, more than the absolute 10
        "Major discrepancy",
    )
    market = by_field["Service: Market"]
    assert (market["assessed"], market["observed"], market["outcome"]) == ("yes", "no", "Minor discrepancy")
    assert by_field["Return migrants present"]["tolerance"] == "must agree"
    html = page.content.decode()
    assert '<table class="spot-check-comparison">' in html and "<th>Tolerance</th>" in html


def test_the_referrals_of_the_assessment_are_said_in_plain_words(client, receive, personas):
    receive("b2_2026112202.xml")  # names Yangiobod in Panj, which the gazetteer does not have
    client.force_login(personas.coordinator)
    page = client.get(change_url(m.VillageAssessment.objects.get()))
    (section,) = [s for s in page.context["desk_sections"] if s.key == "referrals"]
    (row,) = section.context["referral_rows"]
    assert row["name"] == "Yangiobod" and row["district"] == "Panj"
    assert row["state"] == "Added to the gazetteer as a new village, Yangiobod; to be visited this round."
    assert row["state"] in page.content.decode()


# --- Bulk approval ---------------------------------------------------------------------------------


def test_bulk_approve_says_how_many_and_where_before_doing_it(client, three_villages, personas):
    client.force_login(personas.supervisor)
    ids = [a.pk for a in three_villages]
    asked = client.post(
        reverse(LIST) + "?review_state__exact=received",
        {"action": "approve", "_selected_action": ids[:1], "select_across": "1", "comment": "Phoned the jamoat"},
    )
    html = asked.content.decode()
    assert "You are about to approve 3 assessments in:" in html
    assert "<strong>Sughd</strong>: Asht" in html and "Phoned the jamoat" in html
    assert not m.VillageAssessment.objects.filter(review_state=m.ReviewState.APPROVED).exists()
    client.post(
        reverse(LIST) + "?review_state__exact=received",
        {"action": "approve", "_selected_action": ids[:1], "select_across": "1", "comment": "Phoned", "post": "yes"},
    )
    assert m.VillageAssessment.objects.filter(review_state=m.ReviewState.APPROVED).count() == 3


def test_a_coordinator_sees_every_province_the_bulk_approval_covers(client, three_villages, personas, receive):
    receive(
        "b2_2026112202.xml",
        {
            OSHOBA_ID: "uuid:panj",
            "<province>TJ-SU</province>": "<province>TJ-KT</province>",
            "<district>TJ-SU-ASH</district>": "<district>TJ-KT-PAN</district>",
            "<village>V-ASH-0001</village>": "<village>V-PAN-0001</village>",
        },
    )
    client.force_login(personas.coordinator)
    asked = client.post(
        reverse(LIST), {"action": "approve", "_selected_action": [three_villages[0].pk], "select_across": "1"}
    )
    summary = asked.context["summary"]
    assert (summary["count"], summary["areas"]) == (4, [("Khatlon", ["Panj"]), ("Sughd", ["Asht"])])
    assert not m.VillageAssessment.objects.filter(review_state=m.ReviewState.APPROVED).exists()


def test_a_comparison_stored_without_its_tolerance_gets_the_rounds(receive, personas):
    """Spot checks compared before the tolerance was kept with each row still show one."""
    from bma.validation.models import SpotCheckAssignment
    from bma.validation.services import spot_check_rows, spot_check_sample_draw

    receive("b2_2026112202.xml")
    spot_check_sample_draw(personas.round, share=1.0, min_per_district=1, seed=1)
    assignment = SpotCheckAssignment.objects.get()
    assignment.comparisons = [
        {"field": "ret_total", "assessed": 140, "observed": 150, "outcome": "confirmed", "difference": 10},
        {"field": "emi_present", "assessed": False, "observed": None, "outcome": "confirmed", "difference": None},
    ]
    rows = spot_check_rows(assignment)
    assert [(r["field"], r["assessed"], r["observed"], r["tolerance"], r["outcome"]) for r in rows] == [
        ("Return migrants total", "140", "150", "± 35", "Confirmed"),
        ("Emigrants present", "no", "not checked", "must agree", "Confirmed"),
    ]


def test_a_comparisons_totals_read_grouped_in_russian_and_the_round_stays_as_typed(receive, personas):
    from django.utils import translation

    from bma.validation.models import SpotCheckAssignment
    from bma.validation.services import spot_check_rows, spot_check_sample_draw

    receive("b2_2026112202.xml")
    spot_check_sample_draw(personas.round, share=1.0, min_per_district=1, seed=1)
    assignment = SpotCheckAssignment.objects.get()
    assignment.comparisons = [
        {"field": "ret_total", "assessed": 12000, "observed": 12345, "outcome": "confirmed", "allowed": 3000},
        {"field": "round", "assessed": 2026, "observed": 2026, "outcome": "confirmed"},
    ]
    with translation.override("ru"):
        total, round_ = spot_check_rows(assignment)
    assert (total["assessed"], total["observed"], total["tolerance"]) == ("12\xa0000", "12\xa0345", "± 3\xa0000")
    assert (round_["assessed"], round_["observed"]) == ("2026", "2026")


def test_spot_check_and_open_issue_filters_still_work(client, three_villages, personas):
    client.force_login(personas.supervisor)
    assert client.get(reverse(LIST), {"spot_check": "major_discrepancy"}).context["cl"].result_count == 0
    assert client.get(reverse(LIST), {"open_issues": "yes"}).context["cl"].result_count == 3


# --- Layers ----------------------------------------------------------------------------------------


def test_assessments_does_not_import_the_layers_above_it():
    """validation and referrals sit above assessments: their parts of the desk come through settings."""
    root = Path(__file__).resolve().parents[2] / "bma" / "assessments"
    found = []
    for source in root.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            found += [f"{source.name}: {n}" for n in names if n.startswith(("bma.validation", "bma.referrals"))]
    assert found == []
