"""The supervisor of another province, for the referral queue's tests (the unclear referrals are in
tests/conftest.py: the language browser test uses them too)."""

import pytest

from bma.core.roles import Role
from tests import factories


@pytest.fixture
def khatlon_supervisor(personas):
    user = factories.make_user("supervisor-kt", Role.SUPERVISOR)
    factories.assign(user, personas.geo.khatlon, personas.round, "supervisor")
    return user
