"""Matches stored with positional keys (root#ref1) get the keys of what was named."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from bma.assessments.source_keys import named_village_keys, typed_village_key

BEFORE = [("referrals", "0001_initial")]
AFTER = [("referrals", "0002_content_source_keys")]
ORIGINAL_ID = "uuid:342071ed-911c-4e50-9659-3f73b09c383c"


@pytest.mark.django_db(transaction=True)
def test_positional_match_keys_become_keys_of_the_named_village(receive):
    from bma.referrals.models import PlanReason, ReferralMatch

    receive(
        "b2_2026112202.xml",
        {"<village>V-ASH-0001</village>": "<village>other</village><village_other>Sarvoda</village_other>"},
    )
    receive("b1_2026112202.xml")
    expected = dict(ReferralMatch.objects.values_list("pk", "source_key"))
    old_keys = {
        PlanReason.ENUMERATOR: lambda m, n: f"{ORIGINAL_ID}#village",
        PlanReason.REFERRAL: lambda m, n: f"{ORIGINAL_ID}#ref{n}",
    }
    for position, match in enumerate(ReferralMatch.objects.filter(reason=PlanReason.B1_NOMINATION).order_by("pk"), 1):
        ReferralMatch.objects.filter(pk=match.pk).update(
            source_key=f"{match.district_assessment.root_instance_id}#hv{position}"
        )
    for match in ReferralMatch.objects.exclude(reason=PlanReason.B1_NOMINATION):
        ReferralMatch.objects.filter(pk=match.pk).update(source_key=old_keys[match.reason](match, 1))
    assert typed_village_key(ORIGINAL_ID, "Sarvoda") in expected.values()
    assert named_village_keys(ORIGINAL_ID, "ref", [("TJ-KT-PAN", "", "Yangiobod")])[0] in expected.values()
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    try:
        assert dict(ReferralMatch.objects.values_list("pk", "source_key")) == expected
    finally:
        # Back to the latest schema: later migrations (0004 adds a column) must not stay unapplied for the
        # tests after this one in the same process.
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
