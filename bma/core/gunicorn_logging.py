"""gunicorn's logger with device tokens blanked out of its access and error lines.

gunicorn writes the request line ("GET /collect/key/<token>/formList HTTP/1.1") to its access log and
the path to its error log ("Error handling request /kobo/<token>/"); both go through the two loggers
this class sets up, so the shared redaction (log_redaction) sits on those loggers, before any handler
(a file, stderr, syslog, or a log config's own). bma/gunicorn_conf.py names this class.
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from bma.core.log_redaction import TokenRedactingFilter


class TokenRedactingLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            # gunicorn makes a new Logger on each reload; the loggers underneath are the same ones.
            if not any(isinstance(f, TokenRedactingFilter) for f in log.filters):
                log.addFilter(TokenRedactingFilter())
