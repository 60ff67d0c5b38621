from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubmissionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "bma.submissions"
    label = "submissions"
    verbose_name = _("Submissions")

    def ready(self):
        from bma.submissions import signals  # noqa: F401  (connects the Digest credential receiver)
