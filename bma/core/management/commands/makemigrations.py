"""``makemigrations`` without labels in the migrations it writes or compares (see bma/core/autodetector.py)."""

from django.core.management.commands import makemigrations

from bma.core.autodetector import LabelFreeAutodetector


class Command(makemigrations.Command):
    autodetector = LabelFreeAutodetector
