"""Rounds shaped for the report tests of this folder."""

import pytest

from bma.assessments import models as am
from tests import factories

FIXTURE = "b2_round_20261207002.xml"
UUID = "uuid:5b0d3c1e-8f7a-4d2b-9a61-0c4e2f7d1a20"


@pytest.fixture
def departures(receive, personas):
    """The round's own B2 in four villages: Oshoba and Shaydon (Asht, approved), Buston (Asht, not yet
    approved) and Panj (Khatlon, approved)."""
    from bma.xforms.services import b2_publish_for_round

    b2_publish_for_round(personas.round, entity_list=False)  # the fixture's version
    factories.assign(personas.enumerator, personas.geo.panj, personas.round, "enumerator")
    sent = [
        # Oshoba as the fixture: 2021 none, 2022 14 abroad, 2023 31 to another district; 48 empty, 30 looked after.
        receive(FIXTURE),
        # Shaydon: 2021 3 with no destination given (a path the form does not bind), 2022 5 abroad, 2023 20
        # to somewhere the informants do not know; 10 empty, 4 looked after; elderly do not stay alone.
        receive(
            FIXTURE,
            {
                UUID: "uuid:shaydon",
                "<village>V-ASH-0001</village>": "<village>V-ASH-0002</village>",
                "<hh_left_y2021>0</hh_left_y2021>": "<hh_left_y2021>3</hh_left_y2021>",
                "<hh_left_y2022>14</hh_left_y2022>": "<hh_left_y2022>5</hh_left_y2022>",
                "<hh_left_y2023>31</hh_left_y2023>": "<hh_left_y2023>20</hh_left_y2023>",
                "<hh_left_y2023_where>another_district</hh_left_y2023_where>": "<hh_left_y2023_where>unknown"
                "</hh_left_y2023_where>",
                "<houses_empty>48</houses_empty>": "<houses_empty>10</houses_empty>",
                "<houses_looked_after>30</houses_looked_after>": "<houses_looked_after>4</houses_looked_after>",
                "<elderly_alone>yes</elderly_alone>": "<elderly_alone>no</elderly_alone>",
            },
        ),
        # Buston: as Oshoba, left for review (counted only when asked for unapproved assessments).
        receive(FIXTURE, {UUID: "uuid:buston", "<village>V-ASH-0001</village>": "<village>V-ASH-0003</village>"}),
        # Panj, in Khatlon: 2022 7 abroad, 2023 none; 3 empty, none looked after.
        receive(
            FIXTURE,
            {
                UUID: "uuid:panj",
                "<province>TJ-SU</province>": "<province>TJ-KT</province>",
                "<district>TJ-SU-ASH</district>": "<district>TJ-KT-PAN</district>",
                "<village>V-ASH-0001</village>": "<village>V-PAN-0001</village>",
                "<hh_left_y2022>14</hh_left_y2022>": "<hh_left_y2022>7</hh_left_y2022>",
                "<hh_left_y2023>31</hh_left_y2023>": "<hh_left_y2023>0</hh_left_y2023>",
                "<houses_empty>48</houses_empty>": "<houses_empty>3</houses_empty>",
                "<houses_looked_after>30</houses_looked_after>": "<houses_looked_after>0</houses_looked_after>",
            },
        ),
    ]
    for submission in sent:
        assert submission.state == "processed", submission.error
    am.VillageAssessment.objects.exclude(village__code="V-ASH-0003").update(review_state=am.ReviewState.APPROVED)
    return personas.round
