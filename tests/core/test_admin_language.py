"""The admin header carries the language switcher; the choice is kept on the account."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_admin_header_offers_the_languages_and_a_supervisor_switches_to_tajik(client, personas):
    client.force_login(personas.supervisor)
    index = reverse("admin:index")
    page = client.get(index).content.decode()
    assert 'class="noprint language-switch"' in page and "BMA review desk" in page
    response = client.post(reverse("language-choose"), {"language": "tg", "next": index})
    assert response.status_code == 302 and response["Location"] == index
    page = client.get(index).content.decode()
    assert 'lang="tg"' in page and "BMA review desk" not in page
    # Kept on the account: a new session (another laptop) opens in Tajik too.
    client.logout()
    client.force_login(personas.supervisor)
    assert 'lang="tg"' in client.get(index).content.decode()
