"""django-import-export: enumerators and their assignments from a coordinator's CSV/XLSX sheet.

One row is one person: username, full_name, language, round, area_codes (one or more, separated by
";" or ","), and an optional password. The checks and the saving are the services in enumerators.py;
this class fits them into django-import-export's preview (a dry run) and confirm steps.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, resources

from bma.core.languages import user_language
from bma.core.spreadsheet_text import SpreadsheetSafeResource
from bma.rounds.enumerators import COLUMNS, enumerator_row_check, enumerator_row_save
from bma.rounds.models import Enumerator


class _PreviewDiff(resources.Diff):
    """The preview's columns through the dehydrate_* methods below (the stock diff reads attributes,
    and most columns here are not attributes of the account)."""

    def __init__(self, resource, instance, new):
        super().__init__(resource, instance, new)
        self.left = self._values(resource, instance)

    def compare_with(self, resource, instance):
        self.right = self._values(resource, instance)

    @staticmethod
    def _values(resource, instance):
        if instance is None:
            return []
        return [resource.export_field(field, instance) for field in resource.get_import_fields()]


class EnumeratorResource(SpreadsheetSafeResource, resources.ModelResource):
    username = fields.Field(attribute="username", column_name="username")
    full_name = fields.Field(column_name="full_name")
    language = fields.Field(column_name="language")
    round = fields.Field(column_name="round")
    area_codes = fields.Field(column_name="area_codes")
    password = fields.Field(column_name="password")

    class Meta:
        model = Enumerator
        import_id_fields = ("username",)
        fields = COLUMNS
        import_order = COLUMNS
        use_transactions = True  # all or nothing: a file with one bad row stores no row
        skip_unchanged = False
        clean_model_instances = False  # enumerator_row_check is the check

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._seen_usernames: set[str] = set()

    def get_diff_class(self):
        return _PreviewDiff

    def get_queryset(self):
        # Every account, not only enumerators: a username already taken by a coordinator must be
        # found here (and refused by the check), not collide on save.
        return Enumerator._base_manager.all()

    def import_data(self, dataset, **kwargs):
        # Roll back on a bad row too, not only on an exception: a file is stored whole or not at all,
        # whoever calls this (the admin's confirm step passes no such flag).
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, **kwargs)

    def import_instance(self, instance, row, **kwargs):
        checked = enumerator_row_check(row)
        if checked.username in self._seen_usernames:
            raise ValidationError(
                {
                    "username": _("The username '%(username)s' is on more than one row of this file.")
                    % {"username": checked.username}
                }
            )
        self._seen_usernames.add(checked.username)
        instance.username = checked.username
        instance.checked_row = checked

    def save_instance(self, instance, is_create, row, **kwargs):
        # In the preview this runs too, inside a transaction that is rolled back: what the preview
        # shows is what confirming stores.
        user, _created = enumerator_row_save(instance.checked_row)
        instance.pk = user.pk

    # What the preview shows per row. Passwords never: only whether one is set.
    def dehydrate_full_name(self, obj):
        checked = getattr(obj, "checked_row", None)
        return checked.full_name if checked else obj.get_full_name()

    def dehydrate_language(self, obj):
        checked = getattr(obj, "checked_row", None)
        return checked.language if checked else (user_language(obj) if obj.pk else "") or ""

    def dehydrate_round(self, obj):
        checked = getattr(obj, "checked_row", None)
        return checked.round.number if checked else ""

    def dehydrate_area_codes(self, obj):
        checked = getattr(obj, "checked_row", None)
        return "; ".join(area.code for area in checked.areas) if checked else ""

    def dehydrate_password(self, obj):
        checked = getattr(obj, "checked_row", None)
        return _("(set)") if checked and checked.password else ""
