"""The raw store in the admin: read-only (the typed review desk lives with the assessments)."""

from django.contrib import admin, messages

from bma.core.admin import ReadOnlyAdmin
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
from bma.submissions.pulling import pull_sources_restart, pull_sources_sync_start
from bma.submissions.services import submission_scope_q, submissions_requeue


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

    title = "needs attention"
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [("failed", "Failed"), ("waiting", "Waiting or being processed"), ("both", "Failed or waiting")]

    def queryset(self, request, queryset):
        waiting = [ProcessingState.RECEIVED, ProcessingState.PROCESSING]
        states = {"failed": [ProcessingState.FAILED], "waiting": waiting, "both": [ProcessingState.FAILED, *waiting]}
        if self.value() in states:
            return queryset.filter(state__in=states[self.value()])
        return queryset


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    """Supervisors see the submissions of their areas (failed and waiting ones with the reason) and
    can have them processed again; coordinators see all."""

    list_display = (
        "instance_name",
        "instance_id",
        "form",
        "district_code",
        "submitted_by",
        "state",
        "reason",
        "attempts",
        "retry_at",
        "created_at",
    )
    list_filter = (NeedsAttentionFilter, "state", "form", "source", "is_current", "round")
    search_fields = ("instance_id", "root_instance_id", "instance_name", "submitted_by__username", "district_code")
    exclude = ("payload",)
    readonly_fields = ("payload_text",)
    inlines = [AttachmentInline]
    actions = ["process_again"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(submission_scope_q(request.user))

    @admin.display(description="Reason")
    def reason(self, obj):
        if obj.state == ProcessingState.PROCESSED:
            return ""
        return obj.last_error or ("Waiting for the worker" if obj.state == ProcessingState.RECEIVED else "")

    def has_reprocess_permission(self, request):
        return request.user.has_perm("submissions.reprocess_submission")

    @admin.action(description="Process the selected submissions again", permissions=["reprocess"])
    def process_again(self, request, queryset):
        count = submissions_requeue(queryset)
        self.message_user(
            request,
            f"{count} submissions queued for processing; their state here changes when the worker is done.",
            messages.SUCCESS,
        )

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            # payload_text is called without the request: the object carries what its reader may see.
            obj.shown_payload = payload_for_reader(obj, request.user)
        return obj

    @admin.display(description="Payload as received")
    def payload_text(self, obj):
        shown = getattr(obj, "shown_payload", None)
        if shown is None:
            return ""
        return f"{shown.note}\n\n{shown.text}".strip() if shown.note else shown.text


@admin.register(RejectedAttempt)
class RejectedAttemptAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "status", "code", "user", "form_id", "instance_id", "message")
    list_filter = ("status", "code", "source")
    search_fields = ("instance_id", "form_id", "user__username", "device_id")


@admin.register(KoboSource)
class KoboSourceAdmin(admin.ModelAdmin):
    list_display = ("name", "form", "active", "token")
    readonly_fields = ("token",)


@admin.register(CollectToken)
class CollectTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "label", "created_at", "revoked_at")
    readonly_fields = ("token",)
    autocomplete_fields = ("user",)


@admin.register(PullSource)
class PullSourceAdmin(admin.ModelAdmin):
    """Servers this one pulls from. Sync runs in the worker; its progress and last error show here."""

    list_display = ("name", "kind", "round", "active", "last_finished_at", "stored_total", "last_counts", "last_error")
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
                    "last_error",
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
        "last_error",
    )

    @admin.action(description="Sync now", permissions=["change"])
    def sync_now(self, request, queryset):
        started = pull_sources_sync_start(queryset)
        self.message_user(request, f"Asked the worker to sync {started} source(s); reload to see their progress.")

    @admin.action(description="Pause (the beat job skips them)", permissions=["change"])
    def pause(self, request, queryset):
        self.message_user(request, f"{queryset.update(active=False)} source(s) paused.")

    @admin.action(description="Resume", permissions=["change"])
    def resume(self, request, queryset):
        self.message_user(request, f"{queryset.update(active=True)} source(s) resumed.")

    @admin.action(
        description="Pull everything again (what is stored is kept; edits come across)", permissions=["change"]
    )
    def pull_everything_again(self, request, queryset):
        count = pull_sources_restart(queryset)
        self.message_user(request, f"{count} source(s) will pull from the start on their next sync.")
