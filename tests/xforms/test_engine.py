"""The built forms filled in ODK's own form engine (@getodk/xforms-engine under Node), as on a device."""

import json
import shutil
import subprocess

import pytest
from django.db.models import Q

from bma.entities.lists import entity_list_csv
from bma.entities.services import ENTITIES_VERSION
from bma.xforms import codelists as cl
from bma.xforms.distribution import list_file_for
from bma.xforms.services import b2_publish_for_round, list_files_refresh
from tests.conftest import REPO_ROOT
from tests.support import require

pytestmark = [pytest.mark.node, pytest.mark.django_db]
ENGINE = REPO_ROOT / "tools" / "odk_engine" / "fill.mjs"


@pytest.fixture
def engine(tmp_path, built_forms, open_round, geo):
    require(shutil.which("node") is not None, "Node 20 is needed for ODK's form engine")
    require((REPO_ROOT / "node_modules" / "@getodk" / "xforms-engine").exists(), "run `make node` (npm ci)")
    list_files_refresh(open_round)
    from bma.xforms.models import ListFile

    # The round's own files and the shared ones (round__in=[..., None] would miss the NULL round).
    for list_file in ListFile.objects.filter(Q(round=open_round) | Q(round__isnull=True)):
        (tmp_path / list_file.filename).write_bytes(bytes(list_file.content))

    def fill(form_file: str, steps: list, xml: str | None = None) -> dict:
        form = tmp_path / "form.xml"
        xml = xml or built_forms[form_file].xml
        form.write_text(xml, encoding="utf-8")
        if ENTITIES_VERSION.search(xml):
            # A form reading the villages entity list gets it as a device does (name = entity UUID), and a
            # village is answered as a device answers it: by its entity, "other" by leaving it unpicked.
            (tmp_path / "villages.csv").write_bytes(entity_list_csv())
            steps = entity_answers(steps)
        else:
            (tmp_path / "villages.csv").write_bytes(bytes(list_file_for(open_round, "villages.csv").content))
        answers = tmp_path / "answers.json"
        answers.write_text(json.dumps(steps), encoding="utf-8")
        done = subprocess.run(
            ["node", str(ENGINE), str(form), str(tmp_path), str(answers)],
            capture_output=True,
            text=True,
            cwd=REPO_ROOT,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout)

    return fill


def entity_answers(steps: list) -> list:
    """Steps written with gazetteer codes, as the same answers in a form reading the entity list."""
    from bma.entities.models import Entity

    uuids = {e.settlement.code: str(e.uuid) for e in Entity.objects.filter(settlement__isnull=False, deleted_at=None)}
    out = []
    for step in steps:
        if isinstance(step[0], str) and step[0].endswith("village") and isinstance(step[1], str):
            if step[1] == cl.OTHER_VILLAGE:
                continue
            step = [step[0], uuids.get(step[1], step[1])]
        out.append(step)
    return out


def location(village="V-ASH-0001"):
    steps = [["/data/round", 2], ["/data/province", "TJ-SU"], ["/data/district", "TJ-SU-ASH"]]
    if village:
        steps.append(["/data/village", village])
    return steps + [["/data/gps", "40.78 70.79 900 5"]]


def informants():
    return [
        ["/data/ki[1]/ki_sex", "female"],
        ["/data/ki[1]/ki_type", "local_authority"],
        ["/data/ki[1]/ki_contact/ki_phone", "+992 92 555 1234"],
        ["add", "/data/ki"],
        ["/data/ki[2]/ki_sex", "male"],
        ["/data/ki[2]/ki_type", "other"],
        ["/data/ki[2]/ki_type_other", "Imam of the mosque"],
    ]


def b2_answers(village="V-ASH-0001", households=420):
    steps = [*location(village), *informants(), ["/data/households", households]]
    steps += [
        ["/data/imw/imw_present", "yes"],
        ["/data/imw/imw_total", 12],
        ["/data/imw/imw_y2022", 8],
        ["/data/imw/imw_y2023", 12],
        ["/data/imw/imw_countries[1]/imw_country", "AF"],
        ["/data/imw/imw_countries[1]/imw_country_count", 9],
        ["add", "/data/imw/imw_countries"],
        ["/data/imw/imw_countries[2]/imw_country", "CN"],
        ["/data/imw/imw_countries[2]/imw_country_count", 3],
        ["/data/imw/imw_reasons", ["employment", "family"]],
        ["/data/imw/imw_migration_type", "long_term"],
        ["/data/ret/ret_present", "yes"],
        ["/data/ret/ret_total", 140],
        ["/data/ret/ret_countries[1]/ret_country", "RU"],
        ["/data/ret/ret_countries[1]/ret_country_count", 140],
        ["/data/ret/ret_reasons", ["work_permit", "deportation"]],
        ["/data/emi/emi_present", "no"],
        ["/data/imi/imi_present", "no"],
        ["/data/ioi/ioi_present", "yes"],
        ["/data/ioi/ioi_total", 30],
        ["/data/ioi/ioi_districts[1]/ioi_district", "TJ-SU-KHU"],
        ["/data/ioi/ioi_districts[1]/ioi_district_count", 30],
        ["/data/ioi/ioi_reasons", ["economic"]],
    ]
    for service in cl.SERVICES:
        steps.append([f"/data/services/svc_{service}", "yes" if service != "hospital" else "no"])
    steps += [["/data/services/svc_hospital_distance", "11_15"], ["/data/services/svc_hospital_households", 420]]
    steps += [
        ["/data/ref[1]/ref_district", "TJ-KT-PAN"],
        ["/data/ref[1]/ref_village", "other"],
        ["/data/ref[1]/ref_village_other", "Yangiobod"],
        ["/data/ref[1]/ref_populations", ["ret"]],
        ["/data/ref[1]/ref_estimate", 50],
    ]
    return steps


def test_b2_filled_with_repeats_cascades_and_a_referral_is_ready_to_send(engine):
    result = engine("b2_village.xlsx", b2_answers())
    assert result["status"] == "ready", result["violations"]
    xml = result["xml"]
    assert "<instanceID>uuid:" in xml and 'id="bma_b2"' in xml
    assert "<imw_country>CN</imw_country>" in xml and "<ref_village_other>Yangiobod</ref_village_other>" in xml
    assert "<svc_hospital_distance>11_15</svc_hospital_distance>" in xml


def test_cascading_select_offers_only_the_districts_villages(engine):
    result = engine("b2_village.xlsx", location(village=None))
    assert set(result["labels"]["/data/village"]) == {"V-ASH-0001", "V-ASH-0002", "V-ASH-0003", "other"}
    assert "TJ-KT-PAN" not in result["labels"]["/data/district"]


def test_typed_in_village_is_kept(engine):
    steps = b2_answers(village="other")
    steps.insert(4, ["/data/village_other", "Kamishqurghon"])
    result = engine("b2_village.xlsx", steps)
    assert result["status"] == "ready", result["violations"]
    assert "<village_other>Kamishqurghon</village_other>" in result["xml"]


def test_constraint_violations_block_the_submission_with_the_message(engine):
    steps = b2_answers(households=-5)
    steps.append(["/data/imi/imi_present", "yes"])
    steps += [["/data/imi/imi_total", 3], ["/data/imi/imi_reasons", ["unknown", "housing"]]]
    steps += [
        ["/data/imi/imi_districts[1]/imi_district", "TJ-KT-PAN"],
        ["/data/imi/imi_districts[1]/imi_district_count", 3],
    ]
    result = engine("b2_village.xlsx", steps)
    assert result["status"] != "ready" and result["xml"] is None
    problems = {v["reference"]: v for v in result["violations"]}
    assert problems["/data/households"]["message"] == "Enter a whole number from 0 to 100000."
    assert problems["/data/imi/imi_reasons"]["condition"] == "constraint"


def test_messages_come_in_russian_and_tajik(engine):
    result = engine("b2_village.xlsx", [["language", "Russian (ru)"], *b2_answers(households=-1)])
    assert {v["message"] for v in result["violations"]} == {"Введите целое число от 0 до 100000."}
    result = engine("b2_village.xlsx", [["language", "Tajik (tg)"], *b2_answers(households=-1)])
    assert {v["message"] for v in result["violations"]} == {"Адади бутунро аз 0 то 100000 ворид кунед."}


def test_b1_district_form_with_high_flow_villages(engine):
    steps = [*location(village=None), *informants()]
    steps += [
        [f"/data/district_estimates/d_{pop}_total", n]
        for pop, n in zip(cl.POPULATION_CODES, (40, 900, 5000, 20, 60), strict=True)
    ]
    steps += [
        ["/data/hv[1]/hv_flow", "outflow"],
        ["/data/hv[1]/hv_village", "V-ASH-0002"],
        ["/data/hv[1]/hv_emi", 700],
        ["add", "/data/hv"],
        ["/data/hv[2]/hv_flow", "inflow"],
        ["/data/hv[2]/hv_village", "other"],
        ["/data/hv[2]/hv_village_other", "Yangiobod"],
        ["/data/hv[2]/hv_ret", 80],
    ]
    result = engine("b1_district.xlsx", steps)
    assert result["status"] == "ready", result["violations"]
    assert "<hv_village_other>Yangiobod</hv_village_other>" in result["xml"]


def test_a_round_of_2022_to_2025_publishes_a_b2_that_asks_and_maps_those_years(engine, open_round):
    import datetime as dt

    from bma.assessments.instance_tree import xml_tree
    from bma.assessments.mappers import MAPPERS, mapper_for
    from bma.assessments.services import version_years
    from tests import factories

    later = factories.make_round(number=3, reference_start=dt.date(2022, 1, 1), reference_end=dt.date(2025, 12, 31))
    version, created = b2_publish_for_round(later)
    assert created and version.version > "2026112202" and version.version != b2_publish_for_round(open_round)[0].version
    assert version_years(version) == (2022, 2023, 2024, 2025)
    assert "<round" not in version.xml  # the version knows its round, so it does not ask it

    steps = round_answers()
    steps += [["/data/imw/imw_y2024", 11], ["/data/imw/imw_y2025", 12], *departure_answers()]
    result = engine("b2_village.xlsx", steps, xml=version.xml)
    assert result["status"] == "ready", result["violations"]
    mapper = mapper_for("bma_b2", version.version)
    values = mapper.map(xml_tree(result["xml"].encode(), mapper.repeats), years=version_years(version))
    imw = next(p for p in values.populations if p.population == "imw")
    assert imw.yearly == {2022: 8, 2023: 12, 2024: 11, 2025: 12}
    assert MAPPERS["bma_b2"] is mapper
    assert [(d.year, d.households, d.destination) for d in values.housing.departures] == [
        (2022, 0, ""),
        (2023, 14, "abroad"),
        (2024, 31, "abroad"),
        (2025, 6, "another_district"),
    ]
    assert (values.housing.houses_empty, values.housing.houses_looked_after) == (48, 30)
    assert values.housing.elderly_alone == "yes"


def round_answers(**kw):
    """b2_answers for a round's own B2: no round question; referrals behind "Do they name villages?"."""
    steps = []
    for step in b2_answers(**kw):
        if step[0] == "/data/round":
            continue
        if step[0] == "/data/ref[1]/ref_district":
            steps.append(["/data/ref_any", "yes"])
        steps.append(step)
    return steps


def test_a_village_with_no_referrals_is_sent_without_an_empty_entry(engine, open_round):
    version, _ = b2_publish_for_round(open_round)
    steps = [s for s in round_answers() if not s[0].startswith("/data/ref")]
    steps += [["/data/ref_any", "no"], ["/data/departures/houses_empty", 0], ["/data/departures/elderly_alone", "no"]]
    result = engine("b2_village.xlsx", steps, xml=version.xml)
    assert result["status"] == "ready", result["violations"]
    assert "<ref_district>" not in result["xml"]


def departure_answers():
    """Whole-family departures shaped like the news piece on Asht: families leaving, houses locked."""
    return [
        ["/data/departures/hh_left_y2022", 0],
        ["/data/departures/hh_left_y2023", 14],
        ["/data/departures/hh_left_y2023_where", "abroad"],
        ["/data/departures/hh_left_y2024", 31],
        ["/data/departures/hh_left_y2024_where", "abroad"],
        ["/data/departures/hh_left_y2025", 6],
        ["/data/departures/hh_left_y2025_where", "another_district"],
        ["/data/departures/houses_empty", 48],
        ["/data/departures/houses_looked_after", 30],
        ["/data/departures/elderly_alone", "yes"],
    ]


def test_the_round_b2_stops_impossible_answers_on_the_device(engine, open_round):
    """A year above the period's total, more empty houses than households, more looked after than empty,
    more households leaving in a year than the village has: Collect's engine refuses each."""
    version, _ = b2_publish_for_round(open_round)
    steps = round_answers(households=40)
    steps += [
        ["/data/imw/imw_y2023", 13],  # the total is 12
        ["/data/departures/hh_left_y2022", 41],
        ["/data/departures/hh_left_y2022_where", "abroad"],
        ["/data/departures/houses_empty", 45],
        ["/data/departures/houses_looked_after", 46],
        ["/data/departures/elderly_alone", "no"],
    ]
    result = engine("b2_village.xlsx", steps, xml=version.xml)
    refused = {v["reference"]: v["message"] for v in result["violations"] if v["condition"] == "constraint"}
    assert refused.keys() == {
        "/data/imw/imw_y2023",
        "/data/departures/hh_left_y2022",
        "/data/departures/houses_empty",
        "/data/departures/houses_looked_after",
    }
    # The refusal names the total typed, as the enumerator sees it on the device.
    assert (
        refused["/data/imw/imw_y2023"]
        .strip()
        .endswith("No single year can be more than the total for the period, which is 12.")
    )
    assert refused["/data/departures/houses_empty"].endswith(
        "More houses cannot stand empty than the village has households."
    )


def test_the_round_b2_lists_every_country_with_search_and_marks_personal_data(open_round):
    version, _ = b2_publish_for_round(open_round)
    assert 'appearance="autocomplete"' in version.xml
    for code in ("SE", "RU", "KZ", "NO", "ZZ"):  # Sweden: among the returnees' top five in Round 2
        assert f"<name>{code}</name>" in version.xml
    assert "<name>TJ</name>" not in version.xml  # informants speak of countries abroad
    assert 'bma:personal="true"' in version.xml


def test_a_year_above_the_total_is_refused_naming_the_total_in_russian_and_tajik(engine, open_round):
    version, _ = b2_publish_for_round(open_round)
    expected = {
        "Russian (ru)": "Ни один год не может быть больше итога за период, а итог равен 12.",
        "Tajik (tg)": "Ягон сол аз ҷамъи давра, ки 12 аст, зиёд буда наметавонад.",
    }
    for language, message in expected.items():
        steps = [["language", language], *round_answers(), ["/data/imw/imw_y2023", 13]]
        result = engine("b2_village.xlsx", steps, xml=version.xml)
        refused = {v["reference"]: v["message"] for v in result["violations"] if v["condition"] == "constraint"}
        assert refused.keys() == {"/data/imw/imw_y2023"}
        assert refused["/data/imw/imw_y2023"].strip().endswith(message)


def test_an_enumerator_of_one_district_finds_province_and_district_chosen(engine, open_round, personas, tmp_path):
    """The lists cut to the Asht enumerator hold one province and one district: the form opens with them."""
    from bma.xforms.distribution import list_file_content_for

    version, _ = b2_publish_for_round(open_round)
    for name in ("assigned_provinces.csv", "assigned_districts.csv", "assigned_villages.csv"):
        (tmp_path / name).write_bytes(list_file_content_for(open_round, name, personas.enumerator, "en"))
    steps = [s for s in round_answers() if s[0] not in ("/data/province", "/data/district")]
    steps += [["/data/departures/houses_empty", 0], ["/data/departures/elderly_alone", "no"]]
    result = engine("b2_village.xlsx", steps, xml=version.xml)
    assert result["status"] == "ready", result["violations"]
    assert "<province>TJ-SU</province>" in result["xml"] and "<district>TJ-SU-ASH</district>" in result["xml"]
