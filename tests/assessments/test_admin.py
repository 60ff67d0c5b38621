"""The review desk, driven through the admin as each persona."""

import pytest
from django.urls import reverse

from bma.assessments import models as m
from tests import factories

pytestmark = pytest.mark.django_db
LIST = "admin:assessments_villageassessment_changelist"


@pytest.fixture
def assessed(receive, personas):
    receive("b2_2026112202.xml")
    return m.VillageAssessment.objects.get()


@pytest.fixture
def khatlon_supervisor(personas):
    user = factories.make_user("khatlon-sup", "supervisor")
    factories.assign(user, personas.geo.khatlon, personas.round, "supervisor")
    return user


def test_each_persona_sees_what_it_should(client, assessed, personas, khatlon_supervisor):
    change = reverse("admin:assessments_villageassessment_change", args=[assessed.pk])
    for user, listed, page in (
        (personas.supervisor, 1, 200),
        (personas.coordinator, 1, 200),
        (personas.administrator, 1, 200),
        (khatlon_supervisor, 0, 302),  # not theirs: the admin sends them back to the index
    ):
        client.force_login(user)
        assert client.get(reverse(LIST)).context["cl"].result_count == listed, user
        assert client.get(change).status_code == page, user
    for user in (personas.enumerator, personas.outsider):
        client.force_login(user)
        assert client.get(reverse(LIST)).status_code == 302
        assert client.get(change).status_code == 302


def test_bulk_approve_and_reject_needs_a_comment_and_history_is_kept(client, assessed, personas):
    client.force_login(personas.supervisor)
    client.post(reverse(LIST), {"action": "reject", "_selected_action": [assessed.pk], "comment": ""}, follow=True)
    assessed.refresh_from_db()
    assert assessed.review_state == m.ReviewState.RECEIVED
    client.post(
        reverse(LIST), {"action": "mark_has_issues", "_selected_action": [assessed.pk], "comment": "Totals unclear"}
    )
    approve = {"action": "approve", "_selected_action": [assessed.pk], "comment": ""}
    asked = client.post(reverse(LIST), approve)
    assessed.refresh_from_db()
    assert assessed.review_state == m.ReviewState.HAS_ISSUES  # asked first, not done
    assert asked.context["summary"] == {"count": 1, "changing": 1, "unchanged": 0, "areas": [("Sughd", ["Asht"])]}
    client.post(reverse(LIST), {**approve, "post": "yes"})
    assessed.refresh_from_db()
    assert assessed.review_state == m.ReviewState.APPROVED
    history = list(assessed.review_events.order_by("pk").values_list("from_state", "to_state", "comment", "actor"))
    assert history == [
        ("received", "has_issues", "Totals unclear", personas.supervisor.pk),
        ("has_issues", "approved", "", personas.supervisor.pk),
    ]
    page = client.get(reverse("admin:assessments_villageassessment_change", args=[assessed.pk])).content.decode()
    assert "Totals unclear" in page


def test_khatlon_supervisor_cannot_act_on_sughd_assessments(client, assessed, khatlon_supervisor):
    client.force_login(khatlon_supervisor)
    client.post(reverse(LIST), {"action": "approve", "_selected_action": [assessed.pk], "post": "yes"})
    assessed.refresh_from_db()
    assert assessed.review_state == m.ReviewState.RECEIVED


def test_an_edit_sets_the_state_to_edited_with_a_system_event(receive, assessed):
    receive(
        "b2_2026112202.xml",
        {
            "uuid:342071ed-911c-4e50-9659-3f73b09c383c</instanceID>": "uuid:e2</instanceID>"
            "<deprecatedID>uuid:342071ed-911c-4e50-9659-3f73b09c383c</deprecatedID>",
        },
    )
    assessed.refresh_from_db()
    assert assessed.review_state == m.ReviewState.EDITED
    assert assessed.review_events.get().actor is None


def test_assessment_page_reads_like_the_interview(client, assessed, personas):
    client.force_login(personas.supervisor)
    response = client.get(reverse("admin:assessments_villageassessment_change", args=[assessed.pk]))
    page = response.content.decode()
    assert "International migrant workers" in page and "Internal out-migrants (left)" in page
    assert "Afghanistan 9" in page and "Expiration or high cost of work permits" in page
    assert "Hospital" in page and "11-15 km" in page
    # The quality issue as the rule words it: what was wrong, and the figure that shows it.
    assert "The form was filled in 0.0 minutes; an interview with several informants takes at least 5." in page
    assert "&lt;instanceID&gt;uuid:342071ed" in page  # the raw submission, escaped


def test_search_finds_a_village_by_its_tajik_or_russian_name(client, assessed, personas):
    client.force_login(personas.supervisor)
    for query in ("Ошоба", "Oshoba", "V-ASH-0001"):
        assert client.get(reverse(LIST), {"q": query}).context["cl"].result_count == 1, query


def test_filter_by_open_issues_and_state_counts(client, assessed, personas):
    client.force_login(personas.supervisor)
    response = client.get(reverse(LIST), {"open_issues": "yes"})
    assert response.context["cl"].result_count == 1
    assert ("Received", 1) in response.context["state_counts"]
    assert client.get(reverse(LIST), {"open_issues": "no"}).context["cl"].result_count == 0


@pytest.mark.parametrize(
    "declared, filename, inline",
    [
        ("image/jpeg", "p.jpg", True),
        ("audio/amr", "voice.amr", True),
        ("text/html", "p.html", False),
        ("image/svg+xml", "p.svg", False),
        ("", 'evil"\r\nSet-Cookie: x=1.jpg', False),
    ],
)
def test_attachments_cannot_run_in_the_reviewers_session(client, personas, receive, declared, filename, inline):
    from bma.submissions.models import Submission, SubmissionAttachment

    receive("b2_2026112202.xml")
    body = b"<html><script>alert(document.cookie)</script></html>"
    attachment = SubmissionAttachment.objects.create(
        submission=Submission.objects.get(), filename=filename, content_type=declared, content=body, size=1, sha256="x"
    )
    client.force_login(personas.supervisor)
    response = client.get(reverse("admin:assessments_attachment", args=[attachment.pk]))
    assert response.status_code == 200 and response.content == body  # nothing lost
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert response["Content-Disposition"].startswith("inline" if inline else "attachment")
    assert response["Content-Type"] == (declared if inline else "application/octet-stream")
    assert "Set-Cookie" not in response.headers and "\n" not in response["Content-Disposition"]


def test_photos_are_shown_only_to_who_may_see_the_assessment(client, personas, receive, khatlon_supervisor):
    from bma.submissions.models import Submission, SubmissionAttachment

    receive("b2_2026112202.xml")
    submission = Submission.objects.get()
    photo = SubmissionAttachment.objects.create(
        submission=submission, filename="p.jpg", content_type="image/jpeg", content=b"\xff\xd8jpeg", size=6, sha256="x"
    )
    url = reverse("admin:assessments_attachment", args=[photo.pk])
    client.force_login(personas.supervisor)
    response = client.get(url)
    assert response.status_code == 200 and response.content == b"\xff\xd8jpeg"
    client.force_login(khatlon_supervisor)
    assert client.get(url).status_code == 403


def test_decision_columns_come_first_and_a_received_on_filter_is_offered(client, assessed, personas):
    client.force_login(personas.supervisor)
    response = client.get(reverse(LIST) + "?submission__created_at__gte=2000-01-01+00:00:00%2B00:00")
    assert response.context["cl"].list_display[1:3] == ["review_state", "open_issues"]
    assert response.context["cl"].result_count == 1
    assert "received on" in response.content.decode()
    future = client.get(reverse(LIST) + "?submission__created_at__gte=2999-01-01+00:00:00%2B00:00")
    assert future.context["cl"].result_count == 0


def test_select_all_approve_counts_records_and_reports_only_what_changed(client, receive, personas):
    """929 selected, 10 pending: the message, the confirmation and the review log say 10, not 929."""
    receive("b2_2026112202.xml")
    for uuid, code in (("uuid:shaydon", "V-ASH-0002"), ("uuid:buston", "V-ASH-0003")):
        receive(
            "b2_2026112202.xml",
            {
                "uuid:342071ed-911c-4e50-9659-3f73b09c383c": uuid,
                "<village>V-ASH-0001</village>": f"<village>{code}</village>",
            },
        )
    pending, *approved = m.VillageAssessment.objects.order_by("pk")
    client.force_login(personas.supervisor)
    for a in approved:
        client.post(reverse(LIST), {"action": "approve", "_selected_action": [a.pk], "post": "yes"})
    assert m.ReviewEvent.objects.count() == 2
    select_all = {"action": "approve", "_selected_action": [pending.pk], "select_across": "1", "comment": ""}
    asked = client.post(reverse(LIST), select_all)
    summary = asked.context["summary"]
    assert (summary["count"], summary["changing"], summary["unchanged"]) == (3, 1, 2)
    assert "2 of them are approved already" in asked.content.decode()
    done = client.post(reverse(LIST), {**select_all, "post": "yes"}, follow=True)
    said = [str(message) for message in done.context["messages"]]
    assert said == [
        "1 assessment approved.",
        "2 selected assessments were already 'Approved': left as they were.",
    ]
    assert m.ReviewEvent.objects.count() == 3
    assert list(pending.review_events.values_list("from_state", "to_state")) == [("received", "approved")]
    assert not m.VillageAssessment.objects.exclude(review_state=m.ReviewState.APPROVED).exists()
    # Again: nothing changes, nothing is recorded, and the message says so.
    again = client.post(reverse(LIST), {**select_all, "post": "yes"}, follow=True)
    assert [str(message) for message in again.context["messages"]] == [
        "3 selected assessments were already 'Approved': left as they were."
    ]
    assert m.ReviewEvent.objects.count() == 3
