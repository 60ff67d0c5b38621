"""The raw store in the admin: read-only (the typed review desk lives with the assessments)."""

from django.contrib import admin, messages

from bma.core.admin import ReadOnlyAdmin
from bma.submissions.models import (
    CollectToken,
    KoboSource,
    ProcessingState,
    RejectedAttempt,
    Submission,
    SubmissionAttachment,
)
from bma.submissions.payload_view import payload_for_reader
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
