from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "bma.referrals"
    label = "referrals"
    verbose_name = _("Referrals and visit plan")

    def ready(self) -> None:
        # The villages entity list (a lower layer) says whether each village is in the round's plan.
        from bma.entities.lists import planned_villages_source
        from bma.referrals.plan import plan_fingerprint, plan_village_ids

        planned_villages_source(plan_fingerprint, plan_village_ids)
