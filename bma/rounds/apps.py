from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoundsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "bma.rounds"
    label = "rounds"
    verbose_name = _("Rounds and teams")
