"""Unclear referrals waiting on the queue, and the supervisor whose area they are in."""

from decimal import Decimal

import pytest

from bma.core.roles import Role
from bma.geo.models import Settlement
from bma.referrals.models import MatchState, PlanReason, ReferralMatch
from tests import factories


@pytest.fixture
def unclear(receive, personas):
    """'Yangiobod', referred from Oshoba (Asht) to Panj, where two villages bear that name: one 11 km from
    Oshoba by the gazetteer's coordinates, the other with no coordinates; and Navobod, 56 km away."""
    panj = personas.geo.panj
    Settlement.objects.filter(code="V-ASH-0001").update(latitude=Decimal("37.5"), longitude=Decimal("69.5"))
    factories.make_village("V-PAN-0101", panj, "Yangiobod", name_ru="Янгиабад", latitude=37.6, longitude=69.5)
    factories.make_village("V-PAN-0102", panj, "Yangiobod", name_ru="Янгиобод")
    factories.make_village("V-PAN-0103", panj, "Navobod", name_ru="Навобод", latitude=38.0, longitude=69.5)
    receive("b2_2026112202.xml")
    match = ReferralMatch.objects.get(reason=PlanReason.REFERRAL)
    assert match.state == MatchState.PENDING
    return match


@pytest.fixture
def khatlon_supervisor(personas):
    user = factories.make_user("supervisor-kt", Role.SUPERVISOR)
    factories.assign(user, personas.geo.khatlon, personas.round, "supervisor")
    return user
