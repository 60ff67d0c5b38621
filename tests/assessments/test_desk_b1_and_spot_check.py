"""The B1 and spot-check visit pages are review desks like the B2 page: the decision form (approve, flag
or reject with a comment, then the next of the list), what a supervisor checks on each (a B1's estimates,
informants, nominations and their matching, quality issues; a visit's comparison with the B2, its notes
and photos), and who may decide. Driven through the admin as each persona."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from bma.assessments import models as m
from bma.validation.models import IssueState, QualityIssue
from tests import factories

pytestmark = pytest.mark.django_db
B1_ID = "uuid:ed614d1d-edf4-40cc-8ab3-a5689f2615c6"
VISIT_ID = "uuid:5c1a2b3d-0000-4000-8000-000000000001"
INFORMANT_PHONE = "+992 92 555 1234"


def change_url(obj, list_query=""):
    url = reverse(f"admin:assessments_{obj._meta.model_name}_change", args=[obj.pk])
    return f"{url}?_changelist_filters={list_query}" if list_query else url


def review_url(obj):
    return reverse(f"admin:assessments_{obj._meta.model_name}_review", args=[obj.pk])


@pytest.fixture
def two_b1s(receive):
    """Two B1s of Asht, both received; the list shows the newest first."""
    receive("b1_2026112202.xml")
    receive("b1_2026112202.xml", {B1_ID: "uuid:second-b1"})
    return list(m.DistrictAssessment.objects.order_by("-pk"))


@pytest.fixture
def checked_visit(receive, personas):
    """Oshoba's B2, drawn for a spot check, and the visit that checks it (returnees counted 600, not 140)."""
    from bma.validation.services import spot_check_sample_draw

    receive("b2_2026112202.xml")
    spot_check_sample_draw(personas.round, share=1.0, min_per_district=1, seed=1)
    receive("spot_check_2026112202.xml", {"<sc_ret_count>150</sc_ret_count>": "<sc_ret_count>600</sc_ret_count>"})
    return m.SpotCheckVisit.objects.get()


@pytest.fixture
def khatlon_supervisor(personas):
    user = factories.make_user("khatlon-sup", "supervisor")
    factories.assign(user, personas.geo.khatlon, personas.round, "supervisor")
    return user


# --- Decisions -------------------------------------------------------------------------------------


def test_approving_a_b1_opens_the_next_b1_of_the_filtered_list(client, two_b1s, personas):
    first, second = two_b1s
    client.force_login(personas.supervisor)
    page = client.get(change_url(first, "review_state__exact%3Dreceived"))
    assert page.context["next_url"] == change_url(second, "review_state__exact%3Dreceived")
    response = client.post(
        review_url(first), {"decision": "approve", "comment": "", "_changelist_filters": "review_state__exact=received"}
    )
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.path == reverse("admin:assessments_districtassessment_change", args=[second.pk])
    assert parse_qs(target.query) == {"_changelist_filters": ["review_state__exact=received"]}
    first.refresh_from_db()
    assert first.review_state == m.ReviewState.APPROVED
    assert first.review_events.get().actor == personas.supervisor


def test_flagging_a_b1_without_a_comment_is_refused_on_the_page_with_the_comment_kept(client, two_b1s, personas):
    first, _second = two_b1s
    client.force_login(personas.supervisor)
    refused = client.post(review_url(first), {"decision": "flag", "comment": " "})
    assert refused.status_code == 400
    assert "a comment is required" in refused.context["decision_error"]
    assert 'id="decision-error"' in refused.content.decode()
    refused = client.post(review_url(first), {"comment": "Emigrant estimate looks too high"})  # no button
    assert refused.status_code == 400 and ">Emigrant estimate looks too high</textarea>" in refused.content.decode()
    first.refresh_from_db()
    assert first.review_state == m.ReviewState.RECEIVED and not first.review_events.exists()
    flagged = client.post(review_url(first), {"decision": "flag", "comment": "Emigrant estimate looks too high"})
    assert flagged.status_code == 302
    first.refresh_from_db()
    assert first.review_state == m.ReviewState.HAS_ISSUES
    assert "Emigrant estimate looks too high" in client.get(change_url(first)).content.decode()  # the history


def test_a_spot_check_visit_is_approved_or_flagged_from_its_page(client, checked_visit, personas):
    client.force_login(personas.supervisor)
    refused = client.post(review_url(checked_visit), {"decision": "reject", "comment": ""})
    assert refused.status_code == 400 and "a comment is required" in refused.context["decision_error"]
    response = client.post(review_url(checked_visit), {"decision": "approve"})
    # The only visit of the list: back to the list.
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("admin:assessments_spotcheckvisit_changelist")
    checked_visit.refresh_from_db()
    assert checked_visit.review_state == m.ReviewState.APPROVED


@pytest.mark.parametrize("page", ["b1", "visit"])
def test_b1_and_visit_pages_have_the_decision_buttons_and_no_save_or_delete(
    client, two_b1s, checked_visit, personas, page
):
    client.force_login(personas.supervisor)
    obj = two_b1s[0] if page == "b1" else checked_visit
    html = client.get(change_url(obj)).content.decode()
    for value, key in (("approve", "a"), ("flag", "h"), ("reject", "x")):
        assert f'value="{value}" id="decide-{value}" accesskey="{key}"' in html
    assert f'action="{review_url(obj)}"' in html and 'id="desk-list"' in html
    assert 'name="_save"' not in html and "/delete/" not in html


@pytest.mark.parametrize(
    "persona, status, decided",
    [
        ("supervisor", 302, True),  # Sughd: Asht is theirs
        ("coordinator", 302, True),
        ("khatlon", 404, False),  # another province: it does not exist for them
        ("enumerator", 302, False),  # no admin: sent to the login page
        ("outsider", 302, False),
    ],
)
@pytest.mark.parametrize("page", ["b1", "visit"])
def test_who_may_decide_on_a_b1_or_a_visit(
    client, two_b1s, checked_visit, personas, khatlon_supervisor, persona, status, decided, page
):
    obj = two_b1s[0] if page == "b1" else checked_visit
    client.force_login(khatlon_supervisor if persona == "khatlon" else getattr(personas, persona))
    response = client.post(review_url(obj), {"decision": "reject", "comment": "Not this place"})
    assert response.status_code == status
    if status == 302 and not decided:
        assert response["Location"].startswith(reverse("admin:login"))
    obj.refresh_from_db()
    assert (obj.review_state == m.ReviewState.REJECTED) is decided


def test_a_decision_on_a_b1_is_only_taken_by_post(client, two_b1s, personas):
    client.force_login(personas.supervisor)
    assert client.get(review_url(two_b1s[0])).status_code == 405


# --- The B1 page -----------------------------------------------------------------------------------


def test_the_b1_page_shows_estimates_informants_and_nominations_with_their_matching(client, two_b1s, personas):
    client.force_login(personas.supervisor)
    page = client.get(change_url(two_b1s[0]))
    html = page.content.decode()
    assert ("Emigrants", 5000) in page.context["estimates"] and ("Return migrants", 900) in page.context["estimates"]
    assert "Imam of the mosque" in html  # the informant's type, as typed
    nominated = [(flow, village, estimates) for _n, flow, village, estimates in page.context["nominations"]]
    assert nominated[0][1] == "Shaydon" and "Emigrants 700" in nominated[0][2]
    assert nominated[1][1] == "Yangiobod"
    (section,) = [s for s in page.context["desk_sections"] if s.key == "referrals"]
    states = {row["name"]: row["state"] for row in section.context["referral_rows"]}
    # the village picked from the list reads by its name, not the code the form stored
    assert states["Shaydon"].startswith("Linked to Shaydon") and set(states) == {"Shaydon", "Yangiobod"}
    assert 'id="referral-states"' in html and 'id="raw"' in html and 'id="history"' in html


def test_the_b1_page_shows_no_informant_phone_without_the_personal_data_permission(client, two_b1s, personas):
    client.force_login(personas.supervisor)
    assert INFORMANT_PHONE not in client.get(change_url(two_b1s[0])).content.decode()
    personas.supervisor.user_permissions.add(Permission.objects.get(codename="view_personal_data"))
    personas.supervisor.refresh_from_db()
    client.force_login(personas.supervisor)
    assert INFORMANT_PHONE in client.get(change_url(two_b1s[0])).content.decode()  # the raw answers, whole


def test_a_b1s_quality_issues_are_resolved_inline_from_its_page(client, two_b1s, personas):
    first, _second = two_b1s
    # The B1's estimates against its villages' sums raise issues on the B1 itself.
    issue = QualityIssue.objects.filter(district_assessment=first, state=IssueState.OPEN).first()
    assert issue is not None
    client.force_login(personas.supervisor)
    page = client.get(change_url(first))
    (section,) = [s for s in page.context["desk_sections"] if s.key == "issues"]
    assert issue in [i for i, _url in section.context["open_issues"]]
    decide = reverse("admin:validation_qualityissue_decide", args=[issue.pk])
    assert f'action="{decide}"' in page.content.decode()
    response = client.post(decide, {"decision": "waive", "note": "Known labour migration", "next": change_url(first)})
    assert response.status_code == 302 and response["Location"] == change_url(first)
    issue.refresh_from_db()
    assert issue.state == IssueState.WAIVED


# --- The spot-check visit page ---------------------------------------------------------------------


def test_the_visit_page_compares_with_the_b2_and_links_to_it(client, checked_visit, personas):
    client.force_login(personas.supervisor)
    page = client.get(change_url(checked_visit))
    (section,) = [s for s in page.context["desk_sections"] if s.key == "spot-check"]
    ((check, rows),) = section.context["checks"]
    by_field = {row["field"]: row for row in rows}
    ret = by_field["Return migrants total"]
    assert (ret["assessed"], ret["observed"], ret["tolerance"], ret["outcome"]) == (
        "140",
        "600",
        "± 35",
        "Major discrepancy",
    )
    assert "Service: Market" in by_field
    html = page.content.decode()
    assert '<table class="spot-check-comparison">' in html and "<th>Tolerance</th>" in html
    assert f'href="{change_url(check.assessment)}"' in html
    assert "Market closed on Sundays." in html  # the visit's notes
    assert not [s for s in page.context["desk_sections"] if s.key in ("issues", "referrals")]


def test_a_visit_matched_to_no_sampled_village_says_so(client, receive, personas):
    receive("spot_check_2026112202.xml")  # no sample drawn: nothing to compare with
    client.force_login(personas.supervisor)
    html = client.get(change_url(m.SpotCheckVisit.objects.get())).content.decode()
    assert "This visit is not matched to a sampled village yet" in html
    assert 'id="decide-approve"' in html


def test_the_visit_page_shows_its_photo_to_who_may_see_the_visit(client, checked_visit, personas, khatlon_supervisor):
    from bma.submissions.models import SubmissionAttachment

    photo = SubmissionAttachment.objects.create(
        submission=checked_visit.submission,
        filename="1700000000000.jpg",
        content_type="image/jpeg",
        content=b"\xff\xd8jpeg",
        size=6,
        sha256="x",
    )
    url = reverse("admin:assessments_attachment", args=[photo.pk])
    client.force_login(personas.supervisor)
    assert f'<img src="{url}" alt="1700000000000.jpg">' in client.get(change_url(checked_visit)).content.decode()
    assert client.get(url).content == b"\xff\xd8jpeg"
    client.force_login(khatlon_supervisor)
    assert client.get(url).status_code == 403
