"""One JSON object per log line (BMA_LOG_JSON=1), for log collectors that read fields rather than text.

Fields: time (UTC, ISO 8601), level, logger, message, request_id (bma/core/request_id.py; null outside
a request) and, for an error, exception (the traceback). The message and traceback are the ones the
token filter already redacted (bma/core/log_redaction.py): this formatter only shapes them.
"""

from __future__ import annotations

import datetime as dt
import json
import logging


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)
