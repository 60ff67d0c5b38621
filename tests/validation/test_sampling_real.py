"""The spot-check draw against real PostgreSQL, Redis and two Celery workers: delivered twice, drawn once."""

import time
from pathlib import Path

import pytest

from bma.assessments import models as am
from bma.validation.models import SpotCheckAssignment, SpotCheckSample
from bma.validation.services import spot_check_sample_create
from bma.validation.tasks import spot_check_sample_fill
from bma.xforms.models import ListFile

FIXTURE = Path(__file__).parent.parent / "assessments" / "fixtures" / "b2_2026112202.xml"
ROOT_ID = "uuid:342071ed-911c-4e50-9659-3f73b09c383c"


def _wait_for(condition, seconds=120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        time.sleep(0.2)


@pytest.mark.django_db(transaction=True)
def test_a_draw_delivered_twice_to_two_workers_draws_the_sample_once(personas, published_forms, two_celery_workers):
    """acks_late redelivers a draw whose worker died after drawing; here the same draw reaches two
    workers at once. One draws; the other finds the sample drawn and leaves it and the devices' list."""
    from bma.submissions.services import submission_receive

    for number, code in enumerate(("V-ASH-0001", "V-ASH-0002", "V-ASH-0003")):
        payload = FIXTURE.read_text(encoding="utf-8").replace(ROOT_ID, f"uuid:real-{number}")
        payload = payload.replace("<village>V-ASH-0001</village>", f"<village>{code}</village>")
        submission_receive(payload=payload.encode(), files=[], user=personas.enumerator)
    _wait_for(lambda: am.VillageAssessment.objects.filter(is_current=True).count() == 3)
    assert am.VillageAssessment.objects.filter(is_current=True).count() == 3
    sample = spot_check_sample_create(personas.round, share=0.1, min_per_district=1)  # a random seed
    deliveries = [spot_check_sample_fill.delay(sample.pk) for _ in range(2)]
    assert [d.get(timeout=120) for d in deliveries] == [sample.pk, sample.pk]
    assert SpotCheckSample.objects.count() == 1
    (drawn,) = SpotCheckAssignment.objects.filter(sample=sample).values_list("village__code", flat=True)
    held = bytes(ListFile.objects.get(round=personas.round, filename="spot_check_villages.csv").content).decode()
    assert drawn in held and sum(code in held for code in ("V-ASH-0001", "V-ASH-0002", "V-ASH-0003")) == 1
