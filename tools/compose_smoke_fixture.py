"""Set up what tools/compose_smoke.sh needs inside the running stack, and print one B2 to send.

Run in the web container: `python manage.py shell < tools/compose_smoke_fixture.py`, with SMOKE_PASSWORD
in the environment. Makes (or reuses) an open round, an enumerator assigned to Asht with that password
(Digest, as ODK Collect logs in), a coordinator with an API token, and a village, then prints one line:
SMOKE-FIXTURE {"token": ..., "round": ..., "village": ..., "xml": ...}. Nothing is sent from here: the
B2 goes over HTTPS through the proxy, as a device's would.
"""

import datetime as dt
import json
import os
import random

from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from bma.core.roles import Role, role_assign
from bma.geo.models import AdminArea, SettlementSource
from bma.geo.services import settlement_upsert
from bma.pipeline.demo import DemoVillage, b2_xml
from bma.rounds.models import Assignment, AssignmentRole, Round, RoundState
from bma.xforms.services import round_forms_publish

password = os.environ["SMOKE_PASSWORD"]
today = dt.date.today()
round_, _ = Round.objects.get_or_create(
    number=901,
    defaults=dict(
        name="Compose smoke test",
        collection_start=today - dt.timedelta(days=7),
        collection_end=today + dt.timedelta(days=30),
        reference_start=dt.date(2022, 1, 1),
        reference_end=dt.date(2025, 12, 31),
        state=RoundState.OPEN,
    ),
)
district = AdminArea.objects.get(code="TJ-SU-ASH")
village, _ = settlement_upsert(
    code="SMOKE-ASH-0001",
    area=district,
    name_en="Smoke Village",
    latitude=40.7,
    longitude=70.85,
    source=SettlementSource.IMPORT,
    source_note="tools/compose_smoke.sh",
)

User = get_user_model()
enumerator, _ = User.objects.get_or_create(username="smoke-enumerator")
# The role before the password: the Digest credential is written only for an account that collects.
role_assign(enumerator, Role.ENUMERATOR)
enumerator.set_password(password)
enumerator.save()
Assignment.objects.get_or_create(round=round_, user=enumerator, area=district, role=AssignmentRole.ENUMERATOR)

coordinator, _ = User.objects.get_or_create(username="smoke-coordinator", defaults={"is_staff": True})
role_assign(coordinator, Role.COORDINATOR)
coordinator.set_unusable_password()
coordinator.save()
token, _ = Token.objects.get_or_create(user=coordinator)

version, _ = round_forms_publish(round_)
xml = b2_xml(
    random.Random(901),
    DemoVillage(village.code, district.code, district.parent.code, 40.7, 70.85),
    version.version,
    tuple(round_.reference_years),
    today.isoformat(),
)
print(
    "SMOKE-FIXTURE "
    + json.dumps({"token": token.key, "round": round_.number, "village": village.code, "xml": xml.decode()})
)
