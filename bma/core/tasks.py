from celery import shared_task


@shared_task(name="bma.core.tasks.heartbeat")
def heartbeat() -> str:
    """A no-op that proves the worker and beat are alive (and the worker integration test uses it)."""
    return "ok"


@shared_task(name="bma.core.tasks.add", ignore_result=False)
def add(a: int, b: int) -> int:
    return a + b
