"""The ADMINS error mail (when no SENTRY_DSN is set) without personal data: see bma/core/error_reports.py."""

from __future__ import annotations

import re

from django.utils.log import AdminEmailHandler as DjangoAdminEmailHandler
from django.views.debug import SafeExceptionReporterFilter

from bma.core.error_reports import scrub_text
from bma.core.log_redaction import redact_tokens


class PersonalDataReporterFilter(SafeExceptionReporterFilter):
    """The error mail's traceback without local variables or POST data (payloads, informants' names) and
    with tokens and Authorization headers hidden, while DEBUG is off; the debug page keeps them."""

    hidden_settings = re.compile("API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|DSN", flags=re.IGNORECASE)

    def get_post_parameters(self, request):
        if not self.is_active(request) or request is None:
            return super().get_post_parameters(request)
        return dict.fromkeys(request.POST, self.cleansed_substitute)

    def get_traceback_frame_variables(self, request, tb_frame):
        if not self.is_active(request):
            return super().get_traceback_frame_variables(request, tb_frame)
        return []

    def get_safe_request_meta(self, request):
        meta = super().get_safe_request_meta(request)
        return {key: redact_tokens(value) if isinstance(value, str) else value for key, value in meta.items()}


class AdminEmailHandler(DjangoAdminEmailHandler):
    """Django's error mail, its subject and body scrubbed as a Sentry event is."""

    def send_mail(self, subject, message, *args, **kwargs):
        html = kwargs.get("html_message")
        if html:
            kwargs["html_message"] = scrub_text(html)
        super().send_mail(scrub_text(subject), scrub_text(message), *args, **kwargs)
