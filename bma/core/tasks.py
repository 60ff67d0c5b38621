from celery import shared_task


@shared_task(name="bma.core.tasks.heartbeat")
def heartbeat() -> str:
    """Sent by beat, run by a worker: its time in the database proves beat, the broker and a worker
    alive together (the readiness check and the metrics read it, bma/core/heartbeats.py)."""
    from bma.core.heartbeats import BEAT, heartbeat_record

    heartbeat_record(BEAT)
    return "ok"


@shared_task(name="bma.core.tasks.add", ignore_result=False)
def add(a: int, b: int) -> int:
    return a + b
