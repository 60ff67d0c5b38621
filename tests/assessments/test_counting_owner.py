"""Whether a visit counts (VillageAssessment.is_current) is written by bma/assessments/counting.py only:
every other module reads it. A write elsewhere would decide the fact by another rule."""

import ast
from pathlib import Path

BMA = Path(__file__).resolve().parents[2] / "bma"
OWNER = BMA / "assessments" / "counting.py"
# Submission.is_current is another fact (the current version of an edit chain), owned by submission_receive.
SUBMISSION_CHAIN_OWNER = BMA / "submissions" / "services.py"
WRITING_CALLS = {"update", "create", "bulk_create", "get_or_create", "update_or_create", "VillageAssessment"}
FIELD_LIST_CALLS = {"bulk_update", "save"}


def writes_of_is_current(path: Path) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Attribute) and t.attr == "is_current" for t in targets):
                lines.append(node.lineno)
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in WRITING_CALLS and any(k.arg == "is_current" for k in node.keywords):
                lines.append(node.lineno)
            if name in FIELD_LIST_CALLS and any(
                isinstance(c, ast.Constant) and c.value == "is_current" for c in ast.walk(node)
            ):
                lines.append(node.lineno)
    return sorted(set(lines))


def test_only_counting_writes_is_current():
    found = {
        str(path.relative_to(BMA.parent)): lines
        for path in sorted(BMA.rglob("*.py"))
        if "migrations" not in path.parts and path not in (OWNER, SUBMISSION_CHAIN_OWNER)
        if (lines := writes_of_is_current(path))
    }
    assert found == {}


def test_the_check_sees_each_way_of_writing_it(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "qs.update(is_current=False)\n"
        "a.is_current = True\n"
        "VillageAssessment(village=v, is_current=True)\n"
        "VillageAssessment.objects.bulk_update(rows, ['review_state', 'is_current'])\n"
        "qs.filter(is_current=True)\n",  # a read
        encoding="utf-8",
    )
    assert writes_of_is_current(sample) == [1, 2, 3, 4]
    assert writes_of_is_current(OWNER)  # the owner itself is seen writing it
