"""A published B2-like form with a village list, and builders for submission XML."""

import hashlib
import uuid

import pytest
from django.utils import timezone

from bma.xforms.models import Form, FormKind, FormVersion, ListFile

FORM_ID = "intake_test"  # a form without a mapper: intake tests do not depend on mapping
VERSION = "2023080101"

FORM_XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml"
        xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms">
  <h:head><h:title>B2 village assessment</h:title>
    <model odk:xforms-version="1.0.0" xmlns:odk="http://www.opendatakit.org/xforms">
      <instance><data id="{FORM_ID}" version="{VERSION}"><district/><village/><photo/>
        <meta><instanceID/></meta></data></instance>
      <instance id="villages" src="jr://file-csv/villages.csv"/>
      <bind nodeset="/data/village" type="string"/>
      <bind nodeset="/data/photo" type="binary"/>
      <bind nodeset="/data/meta/instanceID" type="string" readonly="true()" jr:preload="uid"/>
    </model></h:head>
  <h:body><input ref="/data/village"><label>Village</label></input></h:body>
</h:html>
"""

VILLAGES_CSV = b"name,label,district\nV-ASH-0001,Oshoba,TJ-SU-ASH\n"


@pytest.fixture
def b2_form(db, personas):
    form = Form.objects.create(xml_form_id=FORM_ID, title="B2 village assessment", kind=FormKind.B2)
    version = FormVersion.objects.create(
        form=form,
        version=VERSION,
        xlsform=b"",
        xlsform_sha256="",
        xml=FORM_XML,
        xml_md5=hashlib.md5(FORM_XML.encode()).hexdigest(),
        media_filenames=["villages.csv"],
        published_at=timezone.now(),
    )
    ListFile.objects.create(
        round=personas.round,
        filename="villages.csv",
        content=VILLAGES_CSV,
        md5=hashlib.md5(VILLAGES_CSV).hexdigest(),
        row_count=1,
    )
    return version


def submission_xml(
    instance_id=None,
    *,
    village="V-ASH-0001",
    deprecated="",
    form_id=FORM_ID,
    version=VERSION,
    photo="",
    district="TJ-SU-ASH",
) -> bytes:
    """A B2-like submission; ``district=None`` leaves the district out (a B2 always has one)."""
    instance_id = instance_id or f"uuid:{uuid.uuid4()}"
    deprecated_el = f"<deprecatedID>{deprecated}</deprecatedID>" if deprecated else ""
    district_el = f"<district>{district}</district>" if district is not None else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><data xmlns:orx="http://openrosa.org/xforms" id="{form_id}" '
        f'version="{version}">{district_el}<village>{village}</village><photo>{photo}</photo>'
        f"<orx:meta><orx:instanceID>{instance_id}</orx:instanceID>{deprecated_el}</orx:meta></data>"
    ).encode()
