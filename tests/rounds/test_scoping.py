import pytest

from bma.geo.models import AdminArea, Settlement
from bma.rounds.scoping import area_scope_q, scoped_areas, user_may_act_in

pytestmark = pytest.mark.django_db


def codes_seen(user):
    return set(scoped_areas(user).values_list("code", flat=True))


def test_supervisor_of_a_province_sees_it_and_everything_below_it_only(personas):
    seen = codes_seen(personas.supervisor)
    assert {"TJ-SU", "TJ-SU-ASH", "TJ-SU-KHU", "TJ-SU-ASH-OSH"} <= seen
    assert "TJ-KT" not in seen and "TJ-KT-PAN" not in seen and "TJ" not in seen


def test_enumerator_sees_only_the_district_assigned(personas):
    assert codes_seen(personas.enumerator) == {"TJ-SU-ASH", "TJ-SU-ASH-OSH"}


@pytest.mark.parametrize("persona", ["coordinator", "administrator"])
def test_coordinator_and_administrator_see_every_area(personas, persona):
    assert codes_seen(getattr(personas, persona)) == set(AdminArea.objects.values_list("code", flat=True))


def test_outsider_sees_nothing(personas):
    assert codes_seen(personas.outsider) == set()


def test_settlements_filter_through_their_district(personas):
    villages = Settlement.objects.filter(area_scope_q(personas.supervisor, "district"))
    assert set(villages.values_list("name_en", flat=True)) == {"Oshoba", "Shaydon", "Buston"}


def test_code_prefix_does_not_leak_into_a_sibling_with_a_longer_code(personas):
    from tests.factories import make_area

    make_area("TJ-SUX", "province", "Not Sughd", personas.geo.tj)
    assert "TJ-SUX" not in codes_seen(personas.supervisor)


def test_user_may_act_in_follows_the_assignment_and_round(personas):
    from tests.factories import make_round

    assert user_may_act_in(personas.supervisor, personas.geo.asht, round=personas.round)
    assert not user_may_act_in(personas.supervisor, personas.geo.panj, round=personas.round)
    other_round = make_round(number=3)
    assert not user_may_act_in(personas.supervisor, personas.geo.asht, round=other_round)
