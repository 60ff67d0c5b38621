"""Keep device tokens out of the logs: the one place that says what a token in a log line looks like.

ODK Collect's QR-code devices and Kobo's webhook carry their token in the URL path
(/collect/key/<token>/..., /kobo/<token>/), and every log that writes a path would write it: Django's
"Not Found: /collect/key/..." lines, runserver's request lines, gunicorn's access and error logs, our
own warnings. A token in a log file is a password in a log file, so each of those runs this redaction:
the filter below on every handler settings.LOGGING configures, the gunicorn logger class
(bma/core/gunicorn_logging.py, set by bma/gunicorn_conf.py) on gunicorn's two loggers. The proxy's
nginx cannot call Python: docker/proxy/entrypoint.sh repeats this pattern in nginx's syntax (a map on
$request_uri), and tests/core/test_log_redaction.py checks the two agree.
"""

from __future__ import annotations

import logging
import re

_TOKEN_IN_PATH = re.compile(r"(/collect/key/|/kobo/)[^/\s?\"']+")
TOKEN_MASK = "[token]"


def redact_tokens(text: str) -> str:
    return _TOKEN_IN_PATH.sub(r"\1" + TOKEN_MASK, text)


class TokenRedactingFilter(logging.Filter):
    """Blanks tokens out of a record's message and of its traceback (an exception may quote a URL)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_tokens(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        if record.exc_info and not record.exc_text:
            # The formatter would write the traceback from exc_info; written now, it can be redacted
            # (formatters use exc_text when it is set).
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_tokens(record.exc_text)
        return True
