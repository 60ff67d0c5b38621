from django.apps import AppConfig


class XformsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "bma.xforms"
    label = "xforms"
