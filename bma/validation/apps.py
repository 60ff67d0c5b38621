from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class ValidationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "bma.validation"
    label = "validation"
    verbose_name = _("Quality and spot checks")

    def ready(self):
        checks.register(quality_thresholds_check)


def quality_thresholds_check(app_configs=None, **kwargs):
    """BMA_QUALITY_THRESHOLDS with a typo would fail every round's processing: refuse it at start-up."""
    from django.conf import settings

    from bma.validation.rules import Thresholds

    try:
        Thresholds.from_mapping(getattr(settings, "BMA_QUALITY_THRESHOLDS", {}))
    except ValueError as exc:
        return [checks.Error(f"BMA_QUALITY_THRESHOLDS: {exc}", id="bma.validation.E001")]
    return []
