from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from bma.core.errors import BmaError
from bma.xforms.models import Form, FormVersion, ListFile
from bma.xforms.services import xlsform_publish


class XlsFormUploadForm(forms.Form):
    xlsform = forms.FileField(
        label="XLSForm", help_text=_("An .xlsx or .xls XLSForm. It is checked with ODK Validate.")
    )


class FormVersionInline(admin.TabularInline):
    model = FormVersion
    fields = ("version", "published_at", "published_by", "xml_md5", "media_filenames")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Form)
class FormAdmin(admin.ModelAdmin):
    list_display = ("xml_form_id", "title", "kind", "state")
    list_filter = ("kind", "state")
    readonly_fields = ("xml_form_id", "kind")
    fields = ("xml_form_id", "title", "kind", "state")
    inlines = [FormVersionInline]
    change_list_template = "admin/xforms/form_change_list.html"

    def has_add_permission(self, request):
        return False  # forms arrive by upload, which builds and validates them

    def get_urls(self):
        return [
            path("upload/", self.admin_site.admin_view(self.upload_view), name="xforms_form_upload"),
            *super().get_urls(),
        ]

    def upload_view(self, request):
        """Coordinators publish any XLSForm; problems are shown in plain words and nothing is published."""
        if not request.user.has_perm("xforms.add_formversion"):
            raise PermissionDenied
        form = XlsFormUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["xlsform"]
            try:
                version, created = xlsform_publish(upload.read(), upload.name, request.user)
            except BmaError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                said = (
                    _("%(form)s version %(version)s published.")
                    if created
                    else _("%(form)s version %(version)s was already published; nothing changed.")
                )
                self.message_user(
                    request, said % {"form": version.form.xml_form_id, "version": version.version}, messages.SUCCESS
                )
                return redirect(reverse("admin:xforms_form_changelist"))
        context = dict(
            self.admin_site.each_context(request), title=_("Upload an XLSForm"), form=form, opts=self.model._meta
        )
        return TemplateResponse(request, "admin/xforms/upload.html", context)


@admin.register(FormVersion)
class FormVersionAdmin(admin.ModelAdmin):
    list_display = ("form", "version", "published_at", "published_by")
    list_filter = ("form",)
    exclude = ("xlsform",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # a published version never changes


@admin.register(ListFile)
class ListFileAdmin(admin.ModelAdmin):
    list_display = ("filename", "round", "row_count", "md5", "updated_at")
    list_filter = ("round", "filename")
    exclude = ("content",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
