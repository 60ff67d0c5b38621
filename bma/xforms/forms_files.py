"""What forms_xls/ holds: the workbooks devices get, written from the form tables in workbooks.py.

The shared B1, B2 and spot-check forms are published from these files as they are. The B2 a round's
tablets get is built per round (workbooks.b2_round_workbook_bytes, published when the round opens);
forms_xls/b2_village_round.xlsx is that form for one example round, so a coordinator or a newcomer
opening forms_xls/ reads the B2 that is deployed. Each workbook says in a "notes" sheet what it is; pyxform
ignores that sheet, so the XForm is the same with or without it. `manage.py write_workbooks` writes
them; tests/xforms/test_workbooks.py fails when a file differs from what the code builds.
"""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook

from bma.xforms.workbooks import (
    B2_ROUND_VERSION_PREFIXES,
    FORMS,
    FORMS_DIR,
    ROUND_VERSION_DIGITS,
    b2_round_version,
    b2_round_workbook_bytes,
    workbook_bytes,
)

ROUND_B2_FILE = "b2_village_round.xlsx"
# The example round the file is written for; any round differs only in these (see the notes).
ROUND_B2_EXAMPLE_NUMBER = 3
ROUND_B2_EXAMPLE_YEARS = (2022, 2023, 2024, 2025)
NOTES_SHEET = "notes"
NOTES_HEADER = ["note::English", "note::Russian", "note::Tajik"]


def _round_notes() -> list[tuple[str, str, str]]:
    years = ", ".join(str(year) for year in ROUND_B2_EXAMPLE_YEARS)
    version = b2_round_version(ROUND_B2_EXAMPLE_NUMBER)
    prefix, digits = B2_ROUND_VERSION_PREFIXES[0], ROUND_VERSION_DIGITS
    return [
        (
            "The B2 village form that tablets get. The server builds one for each round and publishes it when "
            "the round opens (or: manage.py publish_forms --round N).",
            "Форма B2 по селу, которую получают планшеты. Сервер строит её для каждого раунда и публикует "
            "при открытии раунда (или: manage.py publish_forms --round N).",
            "Шакли B2 оид ба деҳа, ки планшетҳо мегиранд. Сервер онро барои ҳар давр месозад ва ҳангоми "
            "кушодани давр нашр мекунад (ё: manage.py publish_forms --round N).",
        ),
        (
            "Only the round's reference years vary from round to round: one question per population and year, "
            f"and one per year of whole-family departures. The version is {prefix} followed by the round number "
            f"in {digits} digits.",
            "От раунда к раунду меняются только отчётные годы раунда: по одному вопросу на группу населения и "
            "год и по одному на год выезда целых семей. Версия: "
            f"{prefix} и номер раунда из {digits} цифр.",
            "Аз давр ба давр танҳо солҳои ҳисоботии давр тағйир меёбанд: барои ҳар гурӯҳи аҳолӣ ва ҳар сол як "
            f"савол ва барои ҳар соли рафтани тамоми оила як савол. Версия: {prefix} ва рақами давр бо {digits} "
            "рақам.",
        ),
        (
            f"This copy: Round {ROUND_B2_EXAMPLE_NUMBER}, reference years {years}, version {version}.",
            f"Эта копия: раунд {ROUND_B2_EXAMPLE_NUMBER}, отчётные годы {years}, версия {version}.",
            f"Ин нусха: даври {ROUND_B2_EXAMPLE_NUMBER}, солҳои ҳисоботӣ {years}, версияи {version}.",
        ),
        _WRITTEN_FROM_CODE,
    ]


_WRITTEN_FROM_CODE = (
    "Written from bma/xforms/workbooks.py by manage.py write_workbooks: change the form there, not here.",
    "Записана из bma/xforms/workbooks.py командой manage.py write_workbooks: меняйте форму там, а не здесь.",
    "Аз bma/xforms/workbooks.py бо фармони manage.py write_workbooks навишта шудааст: шаклро дар он ҷо "
    "тағйир диҳед, на дар ин ҷо.",
)

SHARED_NOTES = {
    "b1_district.xlsx": [
        (
            "The B1 district form, shared by all rounds.",
            "Форма B1 по району, общая для всех раундов.",
            "Шакли B1 оид ба ноҳия, ки барои ҳамаи даврҳо умумист.",
        )
    ],
    "b2_village.xlsx": [
        (
            "The older B2 shared by all rounds (fixed years 2020-2023, no whole-family departures). It stays "
            f"published so that submissions made with it are accepted and read. Tablets get their round's own "
            f"B2: {ROUND_B2_FILE}.",
            "Прежняя форма B2, общая для всех раундов (годы 2020-2023, без выезда целых семей). Она остаётся "
            "опубликованной, чтобы принимать и читать отправленные с ней данные. Планшеты получают B2 своего "
            f"раунда: {ROUND_B2_FILE}.",
            "Шакли пешинаи B2, ки барои ҳамаи даврҳо умумист (солҳои 2020-2023, бе рафтани тамоми оила). Он "
            "нашршуда мемонад, то маълумоте, ки бо он фиристода шудааст, қабул ва хонда шавад. Планшетҳо B2-и "
            f"даври худро мегиранд: {ROUND_B2_FILE}.",
        )
    ],
    "spot_check.xlsx": [
        (
            "The spot-check visit form, shared by all rounds.",
            "Форма контрольного визита, общая для всех раундов.",
            "Шакли боздиди санҷишӣ, ки барои ҳамаи даврҳо умумист.",
        )
    ],
}


def _with_notes(data: bytes, notes: list[tuple[str, str, str]]) -> bytes:
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.create_sheet(NOTES_SHEET)
    sheet.append(NOTES_HEADER)
    for row in notes:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def forms_xls_files() -> list[str]:
    return [*FORMS, ROUND_B2_FILE]


def form_file_bytes(filename: str) -> bytes:
    """The workbook forms_xls/<filename> must hold, as the code builds it."""
    if filename == ROUND_B2_FILE:
        data = b2_round_workbook_bytes(ROUND_B2_EXAMPLE_NUMBER, ROUND_B2_EXAMPLE_YEARS)
        return _with_notes(data, _round_notes())
    return _with_notes(workbook_bytes(filename), [*SHARED_NOTES[filename], _WRITTEN_FROM_CODE])


def forms_xls_write(directory: Path = FORMS_DIR) -> list[Path]:
    directory.mkdir(exist_ok=True)
    written = []
    for filename in forms_xls_files():
        path = directory / filename
        path.write_bytes(form_file_bytes(filename))
        written.append(path)
    return written
