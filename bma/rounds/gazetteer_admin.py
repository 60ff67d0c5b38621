"""The gazetteer's admin: areas and villages, with the gazetteer file import.

Here in rounds, not in geo: the lists are scoped by the reader's round assignments (rounds/scoping.py),
which sit above the gazetteer. Registered when bma/rounds/admin.py imports this module."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from bma.core.errors import BmaError
from bma.geo.gazetteer_file import AREA_COLUMNS, VILLAGE_COLUMNS
from bma.geo.models import AdminArea, AreaAlias, AreaLevel, Settlement, SettlementAlias
from bma.geo.resources import SettlementResource
from bma.geo.services import area_upsert, district_of, gazetteer_import
from bma.rounds.scoping import AreaScopedAdminMixin


class AreaAliasInline(admin.TabularInline):
    model = AreaAlias
    extra = 0


class SettlementAliasInline(admin.TabularInline):
    model = SettlementAlias
    extra = 0


class GazetteerUploadForm(forms.Form):
    file = forms.FileField(help_text=_("A .csv (UTF-8) or .xlsx file with an areas or a villages header."))


@admin.register(AdminArea)
class AdminAreaAdmin(AreaScopedAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name_en", "name_tg", "name_ru", "kind", "parent")
    list_filter = ("level", "kind")
    search_fields = ("code", "name_en", "name_tg", "name_ru", "aliases__name")
    readonly_fields = ("path", "level")
    autocomplete_fields = ("parent",)
    inlines = [AreaAliasInline]
    change_list_template = "admin/geo/adminarea_change_list.html"

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="geo_gazetteer_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """Upload an areas or villages file; all or nothing, with every bad row listed."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        form = GazetteerUploadForm(request.POST or None, request.FILES or None)
        errors = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = gazetteer_import(upload.name, upload.read())
            except BmaError as exc:
                errors = exc.extra.get("errors", [])
                self.message_user(
                    request,
                    exc.message
                    if not errors
                    else _("%(file)s was not imported; nothing was changed. Fix the rows below and upload it again.")
                    % {"file": upload.name},
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    _("%(file)s imported: %(report)s.") % {"file": upload.name, "report": report},
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:geo_adminarea_changelist"))
        context = dict(
            self.admin_site.each_context(request),
            title=_("Import gazetteer file"),
            form=form,
            row_errors=errors,
            area_columns=", ".join(AREA_COLUMNS),
            village_columns=", ".join(VILLAGE_COLUMNS),
            opts=self.model._meta,
        )
        return TemplateResponse(request, "admin/geo/gazetteer_import.html", context)

    def save_model(self, request, obj, form, change):
        area, _ = area_upsert(
            code=obj.code,
            kind=obj.kind,
            name_en=obj.name_en,
            parent=obj.parent,
            name_tg=obj.name_tg,
            name_ru=obj.name_ru,
            pcode=obj.pcode,
            valid_from=obj.valid_from,
            valid_to=obj.valid_to,
        )
        obj.pk, obj.path, obj.level = area.pk, area.path, area.level


class SettlementAdminForm(forms.ModelForm):
    class Meta:
        model = Settlement
        fields = (
            "code",
            "area",
            "name_en",
            "name_tg",
            "name_ru",
            "latitude",
            "longitude",
            "status",
            "source",
            "source_note",
        )

    def clean_area(self):
        area = self.cleaned_data["area"]
        if area.level < AreaLevel.DISTRICT:
            raise forms.ValidationError(_("Pick a district, city, jamoat or town: villages sit below province level."))
        return area


@admin.register(Settlement)
class SettlementAdmin(AreaScopedAdminMixin, ImportExportModelAdmin):
    """Villages; also importable and exportable as CSV/XLSX (django-import-export) for coordinators."""

    resource_classes = [SettlementResource]
    scope_field = "district"
    list_display = ("code", "name_en", "name_tg", "name_ru", "district", "area", "status", "source")
    list_filter = ("status", "source", ("district", admin.RelatedOnlyFieldListFilter))
    search_fields = ("code", "name_en", "name_tg", "name_ru", "aliases__name")
    autocomplete_fields = ("area",)
    readonly_fields = ("district",)
    inlines = [SettlementAliasInline]

    form = SettlementAdminForm

    def save_model(self, request, obj, form, change):
        obj.district = district_of(obj.area)
        super().save_model(request, obj, form, change)
