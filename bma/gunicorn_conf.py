"""gunicorn's settings for every way the project starts it (Dockerfile, docker-compose.yml, README):
``gunicorn --config python:bma.gunicorn_conf bma.wsgi:application ...``.

Device tokens travel in URL paths; this logger class keeps them out of gunicorn's access log (off by
default: the proxy logs requests; --access-logfile - turns it on) and its error log.
"""

logger_class = "bma.core.gunicorn_logging.TokenRedactingLogger"
