"""Great-circle distances used to tell twin villages apart on the referral queue."""

import pytest

from bma.geo.distance import haversine_km


def test_one_degree_of_latitude_is_about_111_km():
    assert haversine_km(38, 69, 39, 69) == pytest.approx(111.19, abs=0.01)


def test_a_point_is_no_distance_from_itself_and_order_does_not_matter():
    assert haversine_km(40.78, 70.79, 40.78, 70.79) == 0
    assert haversine_km(40.78, 70.79, 37.23, 69.1) == pytest.approx(haversine_km(37.23, 69.1, 40.78, 70.79))


def test_decimal_degrees_from_the_gazetteer_are_accepted():
    from decimal import Decimal

    assert haversine_km(Decimal("38.000000"), Decimal("69.0"), 38, 70) == pytest.approx(87.62, abs=0.05)
