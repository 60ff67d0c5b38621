"""Demo accounts for each role and an open demo round, so a newcomer can log in at once.

Refuses to run unless DEBUG is on: these passwords are printed on the screen.
"""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from bma.core.roles import Role, role_assign, roles_sync
from bma.geo.models import AdminArea
from bma.rounds.models import Assignment, AssignmentRole, Round, RoundState

DEMO_ACCOUNTS = [
    # username, role, area code the account is assigned to in the demo round
    ("admin", Role.ADMINISTRATOR, None),
    ("coordinator", Role.COORDINATOR, None),
    ("supervisor", Role.SUPERVISOR, "TJ-SU"),
    ("enumerator", Role.ENUMERATOR, "TJ-SU-ASH"),
]
DEMO_PASSWORD = "demo-pass-2026"


class Command(BaseCommand):
    help = "Create demo users for every role and an open demo round (DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo_users prints passwords and is for demos only: run it with DEBUG=1.")
        roles_sync()
        demo_round, _ = Round.objects.get_or_create(
            number=1,
            defaults=dict(
                name="Demo round",
                collection_start=dt.date(2026, 11, 1),
                collection_end=dt.date(2026, 12, 31),
                reference_start=dt.date(2022, 1, 1),
                reference_end=dt.date(2025, 12, 31),
                state=RoundState.OPEN,
            ),
        )
        User = get_user_model()
        for username, role, area_code in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(username=username)
            user.is_staff = role != Role.ENUMERATOR
            user.is_superuser = role == Role.ADMINISTRATOR
            # The role before the password: the enumerator's Digest credential (ODK Collect) is
            # written only when the password is set on an account that collects.
            role_assign(user, role)
            user.set_password(DEMO_PASSWORD)
            user.save()
            area = AdminArea.objects.filter(code=area_code).first() if area_code else None
            if area is not None:
                Assignment.objects.get_or_create(
                    round=demo_round, user=user, area=area, role=AssignmentRole(role.value)
                )
        self.stdout.write("")
        self.stdout.write("BMA demo is ready at http://127.0.0.1:8000/")
        self.stdout.write("  Admin (review desk):   http://127.0.0.1:8000/admin/")
        self.stdout.write("  ODK Collect server URL: http://127.0.0.1:8000/collect/")
        self.stdout.write("  API and its docs:       http://127.0.0.1:8000/api/  http://127.0.0.1:8000/api/docs/")
        self.stdout.write(f"  Logins (password {DEMO_PASSWORD!r} for each):")
        for username, role, area_code in DEMO_ACCOUNTS:
            where = f" assigned to {area_code}" if area_code else ""
            self.stdout.write(f"    {username:<12} {role.label}{where}")
