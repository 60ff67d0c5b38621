from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class XformsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "bma.xforms"
    label = "xforms"
    verbose_name = _("Forms")
