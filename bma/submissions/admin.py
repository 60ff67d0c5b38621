"""The raw store in the admin: read-only (the typed review desk lives with the assessments)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from bma.core.admin import ReadOnlyAdmin
from bma.core.admin_titles import DeclinedTitlesMixin
from bma.core.languages import user_language
from bma.rounds.admin import EnumeratorAdmin
from bma.rounds.models import Enumerator
from bma.submissions.auth import collect_token_for_setup, collect_tokens_revoke
from bma.submissions.collect_login import collect_login_annotate, collect_login_check
from bma.submissions.collect_setup import (
    collect_menu_names,
    collect_qr_svg,
    collect_server_url,
    collect_settings,
    collect_settings_encode,
    unreachable_address_warning,
)
from bma.submissions.models import (
    CollectToken,
    KoboSource,
    ProcessingState,
    PullSource,
    RejectedAttempt,
    Submission,
    SubmissionAttachment,
)
from bma.submissions.payload_view import payload_for_reader
from bma.submissions.pulling import pull_source_error, pull_sources_restart
from bma.submissions.refusal_names import refusal_name
from bma.submissions.services import submission_scope_q, submissions_requeue
from bma.submissions.tasks import pull_sources_sync_start
from bma.xforms.form_names import form_name
from bma.xforms.models import Form


class AttachmentInline(admin.TabularInline):
    model = SubmissionAttachment
    fields = ("filename", "content_type", "size", "sha256")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class NeedsAttentionFilter(admin.SimpleListFilter):
    """What a supervisor looks for: submissions that failed, and those still waiting (with why)."""

    title = _("needs attention")
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [
            ("failed", _("Failed")),
            ("waiting", _("Waiting or being processed")),
            ("both", _("Failed or waiting")),
        ]

    def queryset(self, request, queryset):
        waiting = [ProcessingState.RECEIVED, ProcessingState.PROCESSING]
        states = {"failed": [ProcessingState.FAILED], "waiting": waiting, "both": [ProcessingState.FAILED, *waiting]}
        if self.value() in states:
            return queryset.filter(state__in=states[self.value()])
        return queryset


class FormNameFilter(admin.SimpleListFilter):
    """The form by its name in the reader's language ("B2 village form"), not its title and code."""

    title = _("form")
    parameter_name = "form__id__exact"  # the address a list filtered by the form field had

    def lookups(self, request, model_admin):
        return sorted(((f.pk, form_name(f)) for f in Form.objects.all()), key=lambda choice: str(choice[1]))

    def queryset(self, request, queryset):
        return queryset.filter(form_id=self.value()) if self.value() else queryset


@admin.register(Submission)
class SubmissionAdmin(DeclinedTitlesMixin, ReadOnlyAdmin):
    """Supervisors see the submissions of their areas (failed and waiting ones with the reason) and
    can have them processed again; coordinators see all."""

    list_display = (
        "instance_name",
        "instance_id",
        "form_shown",
        "district_code",
        "submitted_by",
        "state",
        "reason",
        "attempts",
        "retry_at",
        "created_at",
    )
    list_select_related = ("form", "submitted_by")
    list_filter = (NeedsAttentionFilter, "state", FormNameFilter, "source", "is_current", "round")
    search_fields = ("instance_id", "root_instance_id", "instance_name", "submitted_by__username", "district_code")
    exclude = ("payload",)
    readonly_fields = ("payload_text",)
    inlines = [AttachmentInline]
    actions = ["process_again"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(submission_scope_q(request.user))

    @admin.display(description=_("form"), ordering="form__xml_form_id")
    def form_shown(self, obj):
        return form_name(obj.form)

    @admin.display(description=_("Reason"))
    def reason(self, obj):
        if obj.state == ProcessingState.PROCESSED:
            return ""
        return obj.last_error or (gettext("Waiting for the worker") if obj.state == ProcessingState.RECEIVED else "")

    def has_reprocess_permission(self, request):
        return request.user.has_perm("submissions.reprocess_submission")

    @admin.action(description=_("Process the selected submissions again"), permissions=["reprocess"])
    def process_again(self, request, queryset):
        count = submissions_requeue(queryset)
        self.message_user(
            request,
            _("%(count)s submissions queued for processing; their state here changes when the worker is done.")
            % {"count": count},
            messages.SUCCESS,
        )

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            # payload_text is called without the request: the object carries what its reader may see.
            obj.shown_payload = payload_for_reader(obj, request.user)
        return obj

    @admin.display(description=_("Payload as received"))
    def payload_text(self, obj):
        shown = getattr(obj, "shown_payload", None)
        if shown is None:
            return ""
        return f"{shown.note}\n\n{shown.text}".strip() if shown.note else shown.text


class RefusalFilter(admin.SimpleListFilter):
    """Why attempts were refused, by name in the reader's language (``?code=`` as before)."""

    title = _("reason")
    parameter_name = "code"

    def lookups(self, request, model_admin):
        codes = model_admin.get_queryset(request).order_by().values_list("code", flat=True).distinct()
        return sorted(((code, refusal_name(code)) for code in codes), key=lambda choice: str(choice[1]))

    def queryset(self, request, queryset):
        return queryset.filter(code=self.value()) if self.value() else queryset


@admin.register(RejectedAttempt)
class RejectedAttemptAdmin(ReadOnlyAdmin):
    # Why, in the reader's words (the code stays on the attempt's page and in the logs).
    list_display = ("created_at", "status", "refusal", "user", "form_id", "instance_id", "message")
    list_filter = ("status", RefusalFilter, "source")

    @admin.display(description=_("reason"), ordering="code")
    def refusal(self, obj):
        return refusal_name(obj.code)

    search_fields = ("instance_id", "form_id", "user__username", "device_id")


@admin.register(KoboSource)
class KoboSourceAdmin(admin.ModelAdmin):
    list_display = ("name", "form", "active", "token")
    readonly_fields = ("token",)


@admin.register(CollectToken)
class CollectTokenAdmin(admin.ModelAdmin):
    """Device tokens (QR-code set-up). Each enumerator's printable set-up sheet lives here too, because
    opening it makes or reuses their token; revoking one cuts that tablet off at its next request."""

    list_display = ("user", "label", "created_at", "revoked_at", "setup_sheet", "revoke_button")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("user__username", "label")
    readonly_fields = ("token", "revoked_at")
    autocomplete_fields = ("user",)
    actions = ["revoke_selected"]

    def get_urls(self):
        return [
            path(
                "setup/<int:user_id>/",
                self.admin_site.admin_view(self.setup_view),
                name="submissions_collecttoken_setup",
            ),
            path(
                "<int:token_id>/revoke/",
                self.admin_site.admin_view(self.revoke_view),
                name="submissions_collecttoken_revoke",
            ),
            *super().get_urls(),
        ]

    def has_manage_devices_permission(self, request) -> bool:
        # Who may give a tablet its code and take it back: coordinators and administrators.
        return self.has_add_permission(request) and self.has_change_permission(request)

    @admin.display(description=_("set-up sheet"))
    def setup_sheet(self, obj):
        if obj.revoked_at:
            return ""
        url = reverse("admin:submissions_collecttoken_setup", args=[obj.user_id])
        return format_html('<a href="{}">{}</a>', url, _("Print"))

    @admin.display(description=_("revoke"))
    def revoke_button(self, obj):
        if obj.revoked_at:
            return _("revoked")
        # A button of the changelist's own form (which carries the CSRF token), sent to the revoke URL:
        # one click, no nested form.
        url = reverse("admin:submissions_collecttoken_revoke", args=[obj.pk])
        return format_html(
            '<button type="submit" class="button" formaction="{}" formmethod="post">{}</button>',
            url,
            _("Revoke device"),
        )

    @admin.action(description=_("Revoke the selected devices"), permissions=["change"])
    def revoke_selected(self, request, queryset):
        count = collect_tokens_revoke(queryset)
        self.message_user(
            request,
            ngettext("%(count)d device revoked.", "%(count)d devices revoked.", count) % {"count": count},
            messages.SUCCESS,
        )

    def setup_view(self, request, user_id):
        if not self.has_manage_devices_permission(request):
            raise PermissionDenied
        enumerator = get_object_or_404(Enumerator.objects.filter(is_active=True), pk=user_id)
        token = collect_token_for_setup(enumerator)
        # The device token is in this URL and in the QR code; it is never logged or put in a message.
        token_path = reverse("openrosa-token-root", args=[token.token])
        server_url = collect_server_url(token_path, request.build_absolute_uri(token_path))
        language = user_language(enumerator) or ""
        name = enumerator.get_full_name() or enumerator.get_username()
        payload = collect_settings_encode(
            collect_settings(
                server_url=server_url,
                project_name=gettext("BMA: %(name)s") % {"name": name},
                language=language,
                username=enumerator.get_username(),
            )
        )
        assignments = enumerator.assignments.select_related("round", "area").order_by("-round__number", "area__code")
        context = dict(
            self.admin_site.each_context(request),
            title=gettext("ODK Collect set-up: %(name)s") % {"name": name},
            opts=self.model._meta,
            enumerator=enumerator,
            enumerator_name=name,
            language=dict(settings.LANGUAGES).get(language, ""),
            assignments=assignments,
            token=token,
            collect_login=collect_login_html(enumerator),
            # The server's address without the token (the token stays inside the code).
            server_address="{0.scheme}://{0.netloc}".format(urlsplit(server_url)),
            address_warning=unreachable_address_warning(server_url),
            collect_menu=collect_menu_names(language or get_language()),
            qr_text=payload,  # for the tests' decoder; the page shows only the code
            qr_svg=mark_safe(collect_qr_svg(payload)),  # noqa: S308 - segno's own SVG of our payload
            back_url=reverse("admin:rounds_enumerator_changelist"),
        )
        response = TemplateResponse(request, "admin/submissions/collect_setup.html", context)
        add_never_cache_headers(response)  # the page is a credential: no-store, private, no copy in a cache
        return response

    def revoke_view(self, request, token_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        token = get_object_or_404(CollectToken, pk=token_id)
        if collect_tokens_revoke([token]):
            self.log_change(request, token, gettext("Revoked"))
            self.message_user(
                request,
                gettext(
                    "The device of %(user)s is revoked: ODK Collect with that code is refused from now on. "
                    "Open the set-up sheet again to print a new code."
                )
                % {"user": token.user},
                messages.SUCCESS,
            )
        else:
            self.message_user(request, gettext("That device was already revoked."), messages.WARNING)
        after = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(after, allowed_hosts={request.get_host()}):
            after = reverse("admin:submissions_collecttoken_changelist")
        return redirect(after)


def collect_login_html(user):
    """Whether ODK Collect can log in as ``user`` and, if something needs doing, why and what."""
    status = collect_login_check(user)
    return format_html(
        '<span class="collect-login" data-can-log-in="{}"><strong>{}</strong>{}</span>',
        "yes" if status.can_log_in else "no",
        status.summary,
        format_html_join("", " {}", ((note,) for note in status.notes)),
    )


class EnumeratorCollectAdmin(EnumeratorAdmin):
    """The enumerator list, with whether ODK Collect can log in as each one. Device codes and Digest
    credentials live in this app, above rounds, so this app's admin extends the rounds app's list."""

    list_display = (*EnumeratorAdmin.list_display, "collect_login")

    def get_queryset(self, request):
        return collect_login_annotate(super().get_queryset(request))

    @admin.display(description=_("can ODK Collect log in"))
    def collect_login(self, obj):
        return collect_login_html(obj)


admin.site.unregister(Enumerator)
admin.site.register(Enumerator, EnumeratorCollectAdmin)


@admin.register(PullSource)
class PullSourceAdmin(admin.ModelAdmin):
    """Servers this one pulls from. Sync runs in the worker; its progress and last error show here."""

    list_display = (
        "name",
        "kind",
        "round",
        "active",
        "last_finished_at",
        "stored_total",
        "last_counts",
        "last_error_shown",
    )
    list_filter = ("kind", "active", "round")
    actions = ["sync_now", "pause", "resume", "pull_everything_again"]
    fieldsets = [
        (None, {"fields": ("name", "kind", "base_url", "project_id", "remote_form_id")}),
        (
            "Credentials (kept in the server's environment, never in the database)",
            {"fields": ("username", "secret_env")},
        ),
        (
            "Where the data goes",
            {"fields": ("form", "form_version", "round", "past_round_import", "submitted_as", "active")},
        ),
        (
            "Progress",
            {
                "fields": (
                    "cursor",
                    "resume_url",
                    "last_started_at",
                    "last_finished_at",
                    "last_counts",
                    "stored_total",
                    "last_error_shown",
                )
            },
        ),
    ]
    readonly_fields = (
        "cursor",
        "resume_url",
        "last_started_at",
        "last_finished_at",
        "last_counts",
        "stored_total",
        "last_error_shown",
    )

    @admin.display(description=_("last error"))
    def last_error_shown(self, obj) -> str:
        return pull_source_error(obj)

    @admin.action(description=_("Sync now"), permissions=["change"])
    def sync_now(self, request, queryset):
        started = pull_sources_sync_start(queryset)
        self.message_user(
            request,
            _("Asked the worker to sync %(count)s source(s); reload to see their progress.") % {"count": started},
        )

    @admin.action(description=_("Pause (the beat job skips them)"), permissions=["change"])
    def pause(self, request, queryset):
        self.message_user(request, _("%(count)s source(s) paused.") % {"count": queryset.update(active=False)})

    @admin.action(description=_("Resume"), permissions=["change"])
    def resume(self, request, queryset):
        self.message_user(request, _("%(count)s source(s) resumed.") % {"count": queryset.update(active=True)})

    @admin.action(
        description=_("Pull everything again (what is stored is kept; edits come across)"), permissions=["change"]
    )
    def pull_everything_again(self, request, queryset):
        count = pull_sources_restart(queryset)
        self.message_user(
            request, _("%(count)s source(s) will pull from the start on their next sync.") % {"count": count}
        )
