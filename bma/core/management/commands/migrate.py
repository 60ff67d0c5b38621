"""``migrate``, whose warning about changes without a migration ignores labels, as makemigrations does
(see bma/core/autodetector.py; Django's check commands.E001 wants both commands to agree)."""

from django.core.management.commands import migrate

from bma.core.autodetector import LabelFreeAutodetector


class Command(migrate.Command):
    autodetector = LabelFreeAutodetector
