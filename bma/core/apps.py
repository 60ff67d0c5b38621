from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "bma.core"
    label = "core"
    verbose_name = _("Settings and languages")

    def ready(self) -> None:
        from bma.core.db import register_checked_integers

        register_checked_integers()
