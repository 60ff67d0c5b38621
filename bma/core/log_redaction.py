"""Keep device tokens out of the logs.

ODK Collect's QR-code devices and Kobo's webhook carry their token in the URL path
(/collect/key/<token>/..., /kobo/<token>/), and Django logs the path of every 4xx/5xx answer
("Not Found: /collect/key/..."), as do our own warnings. A token in a log file is a password in a log
file, so the handler blanks it out of every record, whoever logged it.
"""

from __future__ import annotations

import logging
import re

_TOKEN_IN_PATH = re.compile(r"(/collect/key/|/kobo/)[^/\s?\"']+")


def redact_tokens(text: str) -> str:
    return _TOKEN_IN_PATH.sub(r"\1[token]", text)


class TokenRedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_tokens(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
