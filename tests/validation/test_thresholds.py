"""A typo in a round's quality thresholds is refused where it is typed, naming the wrong key or value,
instead of stopping the round's processing later."""

import pytest

from bma.core.errors import BmaError
from bma.validation.apps import quality_thresholds_check
from bma.validation.comparison import tolerances_from_mapping
from bma.validation.models import RoundQualitySettings
from bma.validation.rules import ThresholdError, Thresholds
from bma.validation.services import round_quality_settings_save


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"min_informant": 3}, "'min_informant' is not a quality threshold (did you mean 'min_informants'?)"),
        ({"min_informants": "3"}, "'min_informants' must be a whole number (the default is 2), not \"3\""),
        ({"min_informants": 2.5}, "'min_informants' must be a whole number"),
        ({"gps_max_distance_km": True}, "'gps_max_distance_km' must be a number"),
        ({"gps_max_distance_km": -1}, "'gps_max_distance_km' must not be negative"),
        ([3], "Quality thresholds must be a JSON object"),
    ],
)
def test_wrong_thresholds_are_refused_with_the_key_and_value_named(values, message):
    with pytest.raises(ThresholdError) as refused:
        Thresholds.from_mapping(values)
    assert message in str(refused.value)


def test_good_thresholds_are_taken_whole_numbers_included_for_decimals():
    t = Thresholds.from_mapping({"min_informants": 3, "gps_max_distance_km": 7})
    assert (t.min_informants, t.gps_max_distance_km) == (3, 7)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"totals": {"absolute": 5}}, "'totals' is not a compared figure"),
        ({"total": {"absolut": 5}}, "'total': 'absolut' is not a tolerance"),
        ({"total": {"relative": "0.2"}}, "'total': 'relative' must be a number"),
        ({"total": 5}, "'total' must be an object"),
    ],
)
def test_wrong_tolerances_are_refused_with_the_key_named(values, message):
    with pytest.raises(ValueError) as refused:
        tolerances_from_mapping(values)
    assert message in str(refused.value)


@pytest.mark.django_db
def test_the_service_refuses_a_typo_and_stores_nothing(open_round):
    with pytest.raises(BmaError) as refused:
        round_quality_settings_save(open_round, thresholds={"min_informant": 3}, tolerances={})
    assert "'min_informant' is not a quality threshold" in refused.value.message
    assert not RoundQualitySettings.objects.exists()
    saved = round_quality_settings_save(open_round, thresholds={"min_informants": 3}, tolerances={})
    assert saved.thresholds == {"min_informants": 3}


@pytest.mark.django_db
def test_the_admin_form_refuses_a_typo_with_the_message(client, personas):
    client.force_login(personas.coordinator)
    url = "/admin/validation/roundqualitysettings/add/"
    data = {"round": personas.round.pk, "thresholds": '{"min_informant": 3}', "tolerances": "{}"}
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with the error
    assert "is not a quality threshold (did you mean" in response.content.decode()
    assert not RoundQualitySettings.objects.exists()

    response = client.post(url, {**data, "thresholds": '{"min_informants": 3}'})
    assert response.status_code == 302
    assert RoundQualitySettings.objects.get().thresholds == {"min_informants": 3}


def test_a_typo_in_the_setting_is_refused_at_start_up(settings):
    settings.BMA_QUALITY_THRESHOLDS = {"min_informnts": 3}
    errors = quality_thresholds_check()
    assert [e.id for e in errors] == ["bma.validation.E001"]
    assert "'min_informnts' is not a quality threshold" in errors[0].msg
    settings.BMA_QUALITY_THRESHOLDS = {"min_informants": 3}
    assert quality_thresholds_check() == []


@pytest.mark.django_db
def test_thresholds_stored_wrong_before_the_check_fail_processing_with_the_reason(receive, personas):
    """Rows saved before this check existed (or by hand) fail with words a supervisor can act on."""
    from bma.submissions.models import ProcessingState

    RoundQualitySettings.objects.create(round=personas.round, thresholds={"min_informant": 3})
    submission = receive("b2_2026112202.xml")
    assert submission.state == ProcessingState.FAILED
    assert "quality thresholds of this round are not valid" in submission.last_error
    assert "'min_informant' is not a quality threshold" in submission.last_error
    assert "Round quality settings" in submission.last_error
