"""tools/import_cycles.py, the `make lint` check for two-file import circles, on tiny packages of its own."""

import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "import_cycles.py"


def package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "pkg"
    for name, text in {"__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def check(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), str(root)], capture_output=True, text=True, check=False)


def test_a_package_whose_imports_point_one_way_passes(tmp_path):
    root = package(
        tmp_path,
        {
            "services.py": "from pkg import models\n",
            "tasks.py": "from pkg import services\nfrom pkg.models import Thing\n",
            "models.py": "Thing = object\n",
        },
    )
    result = check(root)
    assert result.returncode == 0, result.stdout
    assert result.stdout == ""


def test_a_circle_hidden_in_a_function_fails_with_both_lines(tmp_path):
    root = package(
        tmp_path,
        {
            "services.py": """\
                def sweep():
                    from pkg.tasks import process

                    process()
            """,
            "tasks.py": "from pkg import services\n",
        },
    )
    result = check(root)
    assert result.returncode == 1
    assert f"{root / 'services.py'}:2 imports pkg.tasks; {root / 'tasks.py'}:1 imports pkg.services" in result.stdout


def test_a_circle_through_import_string_fails(tmp_path):
    root = package(
        tmp_path,
        {
            "services.py": """\
                from django.utils.module_loading import import_string

                def start():
                    import_string("pkg.tasks.run").delay()
            """,
            "tasks.py": "import pkg.services\n",
        },
    )
    result = check(root)
    assert result.returncode == 1
    assert "imports pkg.tasks" in result.stdout and "1 two-file import circle(s)" in result.stdout


def test_relative_imports_and_subpackages_count(tmp_path):
    root = package(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/personal.py": "from . import workbooks\n",
            "app/workbooks.py": "from .personal import NAMESPACE\n",
        },
    )
    result = check(root)
    assert result.returncode == 1
    assert "imports pkg.app.workbooks" in result.stdout


def test_imports_only_for_type_checking_and_task_names_are_not_circles(tmp_path):
    root = package(
        tmp_path,
        {
            "report.py": "from pkg import departures\n",
            "departures.py": """\
                from typing import TYPE_CHECKING

                if TYPE_CHECKING:
                    from pkg.report import Counted

                def later(task_named):
                    task_named("pkg.report.publish")
            """,
        },
    )
    assert check(root).returncode == 0


def test_bma_has_no_two_file_circle():
    result = check(Path(__file__).resolve().parents[2] / "bma")
    assert result.returncode == 0, result.stdout
