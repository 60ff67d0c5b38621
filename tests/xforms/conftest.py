import shutil

import pytest

from bma.xforms.build import xlsform_build
from bma.xforms.workbooks import FORMS, FORMS_DIR
from tests.support import require


@pytest.fixture(scope="session")
def built_forms():
    """The committed workbooks built once per run with ODK Validate (needs Java)."""
    require(shutil.which("java") is not None, "ODK Validate needs Java (apt-get install default-jre-headless)")
    return {name: xlsform_build((FORMS_DIR / name).read_bytes(), name) for name in FORMS}
