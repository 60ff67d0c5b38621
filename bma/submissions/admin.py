"""The raw store in the admin: read-only (the typed review desk lives with the assessments)."""

from django.contrib import admin

from bma.submissions.models import CollectToken, KoboSource, RejectedAttempt, Submission, SubmissionAttachment
from bma.submissions.payload_view import payload_for_reader


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # lossless: raw submissions are never deleted from the admin


class AttachmentInline(admin.TabularInline):
    model = SubmissionAttachment
    fields = ("filename", "content_type", "size", "sha256")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ("instance_name", "instance_id", "form", "submitted_by", "state", "is_current", "created_at")
    list_filter = ("state", "form", "source", "is_current", "round")
    search_fields = ("instance_id", "root_instance_id", "instance_name", "submitted_by__username")
    exclude = ("payload",)
    readonly_fields = ("payload_text",)
    inlines = [AttachmentInline]

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
