"""Page titles that Russian and Tajik can decline. Django builds "Change %s" and "Select %s to change"
from the model's name in the nominative, which reads "Изменить оценка села"; each desk model gets its
titles as whole sentences instead, translated with the right case ("Изменить оценку села")."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# "app_label.model_name": (the list's title, the page's title to change it, to view it only).
TITLES = {
    "assessments.villageassessment": (
        _("Select village assessment to change"),
        _("Change village assessment"),
        _("View village assessment"),
    ),
    "assessments.districtassessment": (
        _("Select district assessment to change"),
        _("Change district assessment"),
        _("View district assessment"),
    ),
    "assessments.spotcheckvisit": (
        _("Select spot check visit to change"),
        _("Change spot check visit"),
        _("View spot check visit"),
    ),
    "validation.qualityissue": (
        _("Select quality issue to change"),
        _("Change quality issue"),
        _("View quality issue"),
    ),
    "validation.entityproblem": (
        _("Entities refused by the server"),
        _("View entity problem"),
        _("View entity problem"),
    ),
    "submissions.submission": (
        _("Select submission to view"),
        _("View submission"),
        _("View submission"),
    ),
}


class DeclinedTitlesMixin:
    """A ModelAdmin mixin: the list's and the page's titles from TITLES when the model has them."""

    def _titles(self):
        return TITLES.get(self.model._meta.label_lower)

    def changelist_view(self, request, extra_context=None):
        titles = self._titles()
        if titles:
            extra_context = {"title": titles[0], **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        titles = self._titles()
        if titles and not add:
            context["title"] = titles[1] if self.has_change_permission(request, obj) else titles[2]
        return super().render_change_form(request, context, add, change, form_url, obj)
