"""gunicorn's settings for every way the project starts it (Dockerfile, docker-compose.yml, README):
``gunicorn --config python:bma.gunicorn_conf bma.wsgi:application ...``.

Device tokens travel in URL paths; this logger class keeps them out of gunicorn's access log (off by
default: the proxy logs requests; --access-logfile - turns it on) and its error log.

gunicorn trusts no forwarded header. By default it believes ``X-Forwarded-Proto: https`` from any client
on 127.0.0.1 and then tells Django the request came over HTTPS, so a plain-HTTP request through a
host-local proxy that passes the client's header on (or from any local process) would be offered and
accept Basic auth whatever BMA_BEHIND_TLS_PROXY says. Whether a request came over HTTPS has one owner:
Django's SECURE_PROXY_SSL_HEADER, set only when BMA_BEHIND_TLS_PROXY says the proxy in front sets the
header itself (bma/settings.py); gunicorn's own view stays plain HTTP, the truth of its socket.
"""

logger_class = "bma.core.gunicorn_logging.TokenRedactingLogger"

forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}
