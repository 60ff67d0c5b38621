from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "bma.submissions"
    label = "submissions"

    def ready(self):
        from bma.submissions import signals  # noqa: F401  (connects the Digest credential receiver)
