from django.apps import AppConfig


class CoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "bma.core"
    label = "core"

    def ready(self) -> None:
        from bma.core.db import register_checked_integers

        register_checked_integers()
