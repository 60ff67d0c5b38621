from django.apps import AppConfig


class ReviewConfig(AppConfig):
    """The supervisors' review desk: the assessment admin, composing assessments, validation and referrals."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "bma.review"
    label = "review"
