from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportMixin

from bma.core.admin import run_service_action
from bma.core.roles import user_sees_everything
from bma.geo.models import AdminArea
from bma.rounds import gazetteer_admin  # noqa: F401  (registers the gazetteer's admin: areas, villages)
from bma.rounds.enumerators import enumerator_row_check, enumerator_row_save
from bma.rounds.models import Assignment, Enumerator, Round
from bma.rounds.resources import EnumeratorResource
from bma.rounds.scoping import AreaScopedAdminMixin, area_scope_q
from bma.rounds.services import round_close, round_open


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    autocomplete_fields = ("user", "area")


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "state", "collection_start", "collection_end", "opened_at", "closed_at")
    list_filter = ("state",)
    readonly_fields = ("state", "opened_at", "closed_at")
    inlines = [AssignmentInline]
    actions = ["open_rounds", "close_rounds"]

    @admin.action(description=_("Open the selected rounds for data collection"), permissions=["change"])
    def open_rounds(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda r: round_open(round=r),
            ngettext_lazy("%(count)d round opened.", "%(count)d rounds opened.", "count"),
        )

    @admin.action(description=_("Close the selected rounds (devices stop submitting)"), permissions=["change"])
    def close_rounds(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda r: round_close(round=r),
            ngettext_lazy("%(count)d round closed.", "%(count)d rounds closed.", "count"),
        )


@admin.register(Assignment)
class AssignmentAdmin(AreaScopedAdminMixin, admin.ModelAdmin):
    scope_field = "area"
    list_display = ("user", "role", "area", "round")
    list_filter = ("round", "role")
    search_fields = ("user__username", "area__name_en", "area__code")
    autocomplete_fields = ("user", "area")


class EnumeratorAddForm(forms.ModelForm):
    """One enumerator by hand: the import's row, typed in. The checks and the saving are the import's
    own services (bma/rounds/enumerators.py); this form only maps their errors onto its fields."""

    # The import's columns -> this form's fields, for the errors the row check names by column.
    # (Not "password": the model form would check the user's password hash field by that name.)
    FIELD_OF_COLUMN = {"area_codes": "areas", "password": "login_password"}

    username = forms.CharField(label=_("username"), max_length=150)
    full_name = forms.CharField(label=_("full name"), max_length=150, required=False)
    language = forms.ChoiceField(
        label=_("language"),
        choices=[("", "---------"), *settings.LANGUAGES],
        required=False,
        help_text=_("The language of the enumerator's pages and of ODK Collect (Tajik gets Russian in Collect)."),
    )
    login_password = forms.CharField(
        label=_("password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Leave empty for a device token only: the account gets no password, and the tablet is set up "
            "by scanning the set-up sheet's QR code."
        ),
    )
    round = forms.ModelChoiceField(label=_("round"), queryset=Round.objects.all())
    areas = forms.ModelMultipleChoiceField(
        label=_("areas"),
        queryset=AdminArea.objects.all(),
        help_text=_("Where the enumerator collects in that round: provinces, districts or jamoats."),
    )

    class Meta:
        model = Enumerator
        fields = []

    actor = None  # the person adding, set by EnumeratorAdmin.get_form

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        # The model form then checks the instance as a user; the account itself is the service's.
        self.instance.username = cleaned["username"]
        row = {
            "username": cleaned["username"],
            "full_name": cleaned.get("full_name", ""),
            "language": cleaned.get("language", ""),
            "round": str(cleaned["round"].number),
            "area_codes": "; ".join(area.code for area in cleaned["areas"]),
            "password": cleaned.get("login_password", ""),
        }
        try:
            self.checked = enumerator_row_check(row, actor=self.actor, new_only=True)
        except ValidationError as exc:
            for column, problems in exc.message_dict.items():
                self.add_error(self.FIELD_OF_COLUMN.get(column, column), problems)
        return cleaned


@admin.register(Enumerator)
class EnumeratorAdmin(ImportMixin, admin.ModelAdmin):
    """Enumerators: imported in bulk with their assignments (Import) or added one at a time (Add
    enumerator), each with a printable set-up sheet.

    Accounts are never deleted here (their submissions keep pointing at them); deactivate one instead.
    Coordinators and administrators see this list; the roles give supervisors no access. Someone who
    sees only some areas and is given the enumerator permissions (rounds.add_enumerator) adds people
    only within those areas and lists only the enumerators assigned there; the bulk import stays with
    those who see every area.
    """

    resource_classes = [EnumeratorResource]
    list_display = ("username", "full_name", "language", "areas", "is_active", "setup_sheet")
    list_filter = ("is_active", "assignments__round")
    search_fields = ("username", "first_name", "last_name", "assignments__area__code")
    fields = ("username", "first_name", "last_name", "is_active")
    readonly_fields = ("username",)

    def process_result(self, result, request):
        # The sheet is read again on confirm; a row that went bad since the preview (a round deleted)
        # rolls the whole file back (EnumeratorResource.import_data), and must not be reported as done.
        if result.has_errors() or result.has_validation_errors():
            problems = [
                f"{row.number}: {'; '.join(m for messages_ in row.error_dict.values() for m in messages_)}"
                for row in result.invalid_rows
            ] + [str(error.error) for row in result.row_errors() for error in row[1]]
            self.message_user(
                request,
                gettext("Nothing was imported. Fix these rows and import the file again: %(problems)s")
                % {"problems": " | ".join(problems)},
                messages.ERROR,
            )
            return redirect(reverse("admin:rounds_enumerator_import"))
        return super().process_result(result, request)

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .select_related("language_choice")
            .prefetch_related("assignments__area", "assignments__round")
        )
        if not user_sees_everything(request.user):
            assigned = Assignment.objects.filter(area_scope_q(request.user, "area")).values("user_id")
            queryset = queryset.filter(pk__in=assigned)
        return queryset

    def has_import_permission(self, request):
        # The import updates existing accounts by username, wherever they collect: only for those who
        # see every area.
        return super().has_import_permission(request) and user_sees_everything(request.user)

    # --- Add enumerator: one person with their assignments, then on to their set-up sheet.

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            return super().get_form(request, obj, change=change, **kwargs)
        widget = AutocompleteSelectMultiple(Assignment._meta.get_field("area"), self.admin_site)
        areas = forms.ModelMultipleChoiceField(
            label=EnumeratorAddForm.base_fields["areas"].label,
            queryset=AdminArea.objects.all(),
            widget=widget,
            help_text=EnumeratorAddForm.base_fields["areas"].help_text,
        )
        return type("EnumeratorAddForm", (EnumeratorAddForm,), {"actor": request.user, "areas": areas})

    def get_fieldsets(self, request, obj=None):
        if obj is not None:
            return super().get_fieldsets(request, obj)
        return [
            (None, {"fields": ("username", "full_name", "language", "login_password")}),
            (_("Assignment"), {"fields": ("round", "areas")}),
        ]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        user, _created = enumerator_row_save(form.checked)
        obj.pk, obj.username = user.pk, user.username
        return None

    def response_add(self, request, obj, post_url_continue=None):
        # The set-up sheet belongs to the submissions app (above this one): its URL name and its
        # permissions (giving a tablet its code) are named, not imported.
        self.message_user(
            request, gettext("Enumerator %(username)s added.") % {"username": obj.username}, messages.SUCCESS
        )
        may_set_up = request.user.has_perms(["submissions.add_collecttoken", "submissions.change_collecttoken"])
        try:
            if may_set_up:
                return redirect(reverse("admin:submissions_collecttoken_setup", args=[obj.pk]))
        except NoReverseMatch:
            pass
        return redirect(reverse("admin:rounds_enumerator_changelist"))

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("full name"))
    def full_name(self, obj):
        return obj.get_full_name()

    @admin.display(description=_("language"))
    def language(self, obj):
        choice = getattr(obj, "language_choice", None)
        return choice.get_language_display() if choice else ""

    @admin.display(description=_("assigned areas"))
    def areas(self, obj):
        return ", ".join(f"{a.area.code} (R{a.round.number})" for a in obj.assignments.all())

    @admin.display(description=_("ODK Collect"))
    def setup_sheet(self, obj):
        # The set-up sheet belongs to the submissions app (device tokens live there), above this one:
        # reached by its URL name, not an import.
        try:
            url = reverse("admin:submissions_collecttoken_setup", args=[obj.pk])
        except NoReverseMatch:
            return ""
        return format_html('<a href="{}">{}</a>', url, _("Set-up sheet (QR code)"))
