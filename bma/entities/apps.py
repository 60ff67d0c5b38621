from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EntitiesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "bma.entities"
    label = "entities"
    verbose_name = _("Entity lists")

    def ready(self) -> None:
        from bma.entities import signals  # noqa: F401 - connects the gazetteer's saves to the entities
