"""Matches were keyed by position (root#ref3); they are now keyed by what was named
(bma.assessments.source_keys), so an edit that reorders referrals keeps their matches."""

import re

from django.db import migrations, models

from bma.assessments.source_keys import named_village_keys, typed_village_key

POSITIONAL = re.compile(r"^(?P<root>.*)#(?P<kind>ref|hv)(?P<position>\d+)$")


def rekey(apps, schema_editor):
    ReferralMatch = apps.get_model("referrals", "ReferralMatch")
    ReferredVillage = apps.get_model("assessments", "ReferredVillage")
    NominatedVillage = apps.get_model("assessments", "NominatedVillage")
    for match in ReferralMatch.objects.select_related("village_assessment", "district_assessment__district"):
        if match.source_key.endswith("#village") and match.village_assessment is not None:
            new_key = typed_village_key(match.village_assessment.root_instance_id, match.name)
        elif found := POSITIONAL.match(match.source_key):
            root, kind = found["root"], found["kind"]
            if kind == "ref" and match.village_assessment is not None:
                rows = ReferredVillage.objects.filter(assessment=match.village_assessment).order_by("position")
                names = [(r.district_code, r.village_code, r.name_typed) for r in rows]
            elif kind == "hv" and match.district_assessment is not None:
                district = match.district_assessment.district.code if match.district_assessment.district else ""
                rows = NominatedVillage.objects.filter(assessment=match.district_assessment).order_by("position")
                names = [(district, r.village_code, r.name_typed) for r in rows]
            else:
                continue
            positions = [r.position for r in rows]
            if int(found["position"]) not in positions:
                continue  # the naming is gone already: the matcher drops the match on the next run
            new_key = named_village_keys(root, kind, names)[positions.index(int(found["position"]))]
        else:
            continue
        ReferralMatch.objects.filter(pk=match.pk).update(source_key=new_key)


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0001_initial"),
        ("assessments", "0003_figure_details_carry_assessment"),
    ]

    operations = [
        migrations.AlterField(
            model_name="referralmatch",
            name="source_key",
            field=models.CharField(
                help_text="root instance + what was named (bma.assessments.source_keys): stable across reprocessing and reordering",
                max_length=300,
                unique=True,
            ),
        ),
        migrations.RunPython(rekey, migrations.RunPython.noop),
    ]
