"""``/readyz`` and ``/metrics``: what monitoring asks, answered before the Host header is checked.

Probes call the server by its address (web:8000, 127.0.0.1), not by the public name in ALLOWED_HOSTS,
so ProbeMiddleware answers these two paths before CommonMiddleware would refuse the host, as
bma.core.middleware.HealthCheckMiddleware does for /healthz (it lives here, above submissions, because
the answer reads the outbox).

``/readyz`` is open: it shows counts and ages only (bma/pipeline/health.py). ``/metrics`` names the
pull sources and is off unless BMA_METRICS_TOKEN is set (then the scraper sends
``Authorization: Bearer <token>``) or BMA_METRICS_ALLOWED_IPS lists the scraper's address. The
address is the TCP peer (REMOTE_ADDR), never X-Forwarded-For: behind the shipped proxy every request
comes from the proxy, so an allow-list fits a scraper on the compose network talking to web:8000,
and the token fits one coming through the proxy.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpResponse, JsonResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from bma.pipeline.health import pull_lags, readiness

log = logging.getLogger(__name__)

DATABASE_DOWN = {"ready": False, "reasons": ["the database cannot be reached"]}


def readyz(request) -> HttpResponse:
    try:
        state = readiness()
    except DatabaseError:
        log.exception("readiness: the database cannot be reached")
        response = JsonResponse(DATABASE_DOWN, status=503)
    else:
        body = state.as_json()
        response = JsonResponse(body, status=200 if body["ready"] else 503)
    response["Cache-Control"] = "no-store"
    return response


# --- Prometheus --------------------------------------------------------------------------------------


def _gauge(name: str, documentation: str, value: float | None) -> GaugeMetricFamily:
    # A gauge with no sample says "unknown" (never seen) rather than a misleading zero.
    family = GaugeMetricFamily(name, documentation)
    if value is not None:
        family.add_metric([], value)
    return family


class BmaCollector:
    """The project's own gauges, read from the database at each scrape: every web process then
    reports the same figures, with no counters to share between gunicorn's workers."""

    def collect(self):
        state = readiness()
        yield _gauge(
            "bma_outbox_age_seconds",
            "Seconds the oldest submission due for processing has waited (0 when none waits).",
            state.outbox_age or 0.0,
        )
        yield _gauge("bma_submissions_waiting", "Submissions waiting for processing.", state.waiting)
        yield _gauge(
            "bma_submissions_retrying",
            "Waiting submissions whose retry after a transient error is not due.",
            state.retrying,
        )
        yield _gauge("bma_submissions_processing", "Submissions a worker is processing now.", state.processing)
        yield _gauge("bma_submissions_failed", "Submissions whose processing failed.", state.failed)
        yield _gauge(
            "bma_submissions_processed_per_minute",
            "Submissions processed per minute, averaged over the last five minutes.",
            state.processed_per_minute,
        )
        yield _gauge("bma_beat_heartbeat_age_seconds", "Seconds since the beat heartbeat ran.", state.beat_age)
        yield _gauge("bma_sweep_age_seconds", "Seconds since the outbox sweeper last ran.", state.sweep_age)
        yield _gauge(
            "bma_broker_up",
            "1 when the broker answers a ping, 0 when it does not (no sample: tasks run in-process).",
            None if state.broker_reachable is None else float(state.broker_reachable),
        )
        yield _gauge("bma_ready", "1 when /readyz answers ready.", float(state.ready_for()))
        lag = GaugeMetricFamily(
            "bma_pull_lag_seconds",
            "Seconds since each active pull source (ODK Central, KoboToolbox) last finished a pull.",
            labels=["source", "kind", "name"],
        )
        for source, seconds in pull_lags():
            lag.add_metric([str(source.pk), source.kind, source.name], seconds)
        yield lag


def _metrics_allowed(request) -> bool:
    token = settings.BMA_METRICS_TOKEN
    if token:
        sent = request.headers.get("Authorization", "")
        if hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            return True
    allowed = settings.BMA_METRICS_ALLOWED_IPS
    if allowed:
        try:
            peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            return False
        return any(peer in ipaddress.ip_network(entry, strict=False) for entry in allowed)
    return False


def metrics(request) -> HttpResponse:
    if not settings.BMA_METRICS_TOKEN and not settings.BMA_METRICS_ALLOWED_IPS:
        return HttpResponse("metrics are off: set BMA_METRICS_TOKEN", content_type="text/plain", status=404)
    if not _metrics_allowed(request):
        response = HttpResponse("a metrics token is needed", content_type="text/plain", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    registry = CollectorRegistry(auto_describe=False)
    registry.register(BmaCollector())
    try:
        body = generate_latest(registry)
    except DatabaseError:
        log.exception("metrics: the database cannot be reached")
        return HttpResponse("database unavailable", content_type="text/plain", status=503)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)


PROBES = {"/readyz": readyz, "/metrics": metrics}


class ProbeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = PROBES.get(request.path_info)
        if probe is not None and request.method in ("GET", "HEAD"):
            return probe(request)
        return self.get_response(request)
