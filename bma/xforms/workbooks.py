"""The B1, B2 and spot-check XLSForms, written as Python tables and saved to forms_xls/*.xlsx.

Why tables in code: every label, hint and constraint message exists in English, Russian and Tajik,
and every choice list comes from codelists.py, so the three languages and the code lists cannot
drift apart. Coordinators still get ordinary workbooks in forms_xls/ (written by forms_files.py,
``manage.py write_workbooks``); a test checks that the committed workbooks match these tables.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from openpyxl import Workbook

from bma.xforms import bounds, definitions
from bma.xforms import codelists as cl

FORMS_DIR = Path(__file__).resolve().parents[2] / "forms_xls"
LANG_NAMES = [name for _, name in cl.LANGUAGES]
TRANSLATED = ("label", "hint", "constraint_message", "required_message")
SURVEY_COLUMNS = (
    "type",
    "name",
    *[f"{col}::{lang}" for col in TRANSLATED for lang in LANG_NAMES],
    "required",
    "relevant",
    "constraint",
    "calculation",
    "choice_filter",
    "appearance",
    "default",
    "parameters",
    "read_only",
)

# The survey column naming the entity property a field saves (pyxform's ``save_to``); written only in
# workbooks with an entities sheet, so the forms without one keep the workbook they were published from.
SAVE_TO = "save_to"

PERSONAL_KEY = "personal"
# The XML namespace of the personal-data marks our forms carry (bind::bma:personal); read back by
# xforms/personal.py, which imports it from here.
PERSONAL_NAMESPACE = "https://bma.iom.int/xforms"
PERSONAL_BIND_COLUMN = "bind::bma:personal"
REQUIRED_MESSAGE = ("This answer is required.", "Это обязательный вопрос.", "Ҷавоб ҳатмист.")
COUNT_MESSAGE = (
    f"Enter a whole number from {bounds.COUNT.low} to {bounds.COUNT.high}.",
    f"Введите целое число от {bounds.COUNT.low} до {bounds.COUNT.high}.",
    f"Адади бутунро аз {bounds.COUNT.low} то {bounds.COUNT.high} ворид кунед.",
)
COUNT_CONSTRAINT = bounds.COUNT.constraint


def q(type_, name, label=None, *, hint=None, required=False, message=None, personal=False, **kw) -> dict:
    row = {"type": type_, "name": name, **kw}
    if personal:
        row[PERSONAL_KEY] = True  # informants' names and phones: hidden from who may not see them
    for key, texts in (("label", label), ("hint", hint), ("constraint_message", message)):
        if texts:
            row.update({f"{key}::{lang}": text for lang, text in zip(LANG_NAMES, texts, strict=True)})
    if required:
        row["required"] = "yes"
        row.update({f"required_message::{lang}": t for lang, t in zip(LANG_NAMES, REQUIRED_MESSAGE, strict=True)})
    return row


def count(name, label, *, relevant=None, required=True, hint=None) -> dict:
    return q(
        "integer",
        name,
        label,
        hint=hint,
        required=required,
        constraint=COUNT_CONSTRAINT,
        message=COUNT_MESSAGE,
        **({"relevant": relevant} if relevant else {}),
    )


def bounded_count(name, label, *, at_most: str, message, relevant=None, required=True, hint=None) -> dict:
    """A count that may not exceed another answer (``at_most``, an XPath such as ``${households}``); an
    empty other answer sets no bound."""
    row = count(name, label, relevant=relevant, required=required, hint=hint)
    row["constraint"] = f"{COUNT_CONSTRAINT} and (string({at_most}) = '' or . <= {at_most})"
    row.update(
        {
            f"constraint_message::{lang}": f"{bound} {extra}"
            for lang, bound, extra in zip(LANG_NAMES, COUNT_MESSAGE, message, strict=True)
        }
    )
    return row


def begin(kind, name, label=None, **kw) -> dict:
    return q(f"begin_{kind}", name, label, **kw)


def end(kind) -> dict:
    return {"type": f"end_{kind}"}


def choices(list_name: str, codes: dict[str, cl.Labels], **extra_columns) -> list[dict]:
    rows = []
    for code, labels in codes.items():
        row = {"list_name": list_name, "name": code}
        row.update({f"label::{lang}": text for lang, text in zip(LANG_NAMES, labels, strict=True)})
        for column, values in extra_columns.items():
            row[column] = values.get(code, "")
        rows.append(row)
    return rows


def population_label(pop: str, en: str, ru: str, tg: str) -> cl.Labels:
    names = cl.POPULATIONS[pop]
    return (f"{names[0]}: {en}", f"{names[1]}: {ru}", f"{names[2]}: {tg}")


# --- Pieces shared by the forms -----------------------------------------------------------------------


def only_choice(instance: str) -> str:
    """A default that picks the one row of a list file when it has only one: the assigned_*.csv files
    reach each enumerator cut to their assignment (xforms/distribution.py), so an enumerator assigned one
    district finds its province and district already chosen, and one with several chooses as before.
    pyxform turns an expression default into a setvalue when the form first opens (not on edits)."""
    items = f"instance('{instance}')/root/item"
    return f"if(count({items}) = 1, {items}[1]/name, '')"


PICK_VILLAGE_HINT = (
    "Pick the village; choose 'Not on the list' to type it.",
    "Выберите село; если его нет, выберите «Нет в списке».",
    "Деҳаро интихоб кунед; агар набошад, «Дар рӯйхат нест»-ро интихоб кунед.",
)
SEARCH_VILLAGE_HINT = (
    "Type to search the village; if it is not there, choose 'Not on the list' (last) to type it.",
    "Начните вводить название села; если его нет, выберите «Нет в списке» (в конце).",
    "Номи деҳаро нависед; агар набошад, «Дар рӯйхат нест»-ро (дар охир) интихоб кунед.",
)


# --- Villages from the ``villages`` entity list (issue 32) -------------------------------------------------
# A form built with an ``entities`` sheet reads villages.csv as the entity list (bma.entities): the answer
# is the entity's UUID, and the villages a form on this tablet created offline are on the list at once.
# An entity list holds entities only, so there is no "Not on the list" row (cl.OTHER_VILLAGE): the
# village is left unpicked and its name typed below; the typed name is the label of the entity the
# form creates (the entities sheet's create_if: the village was not picked). A calculate beside each
# village question carries the gazetteer code and label the device read from the list, so the
# submission reads without this server too; the server resolves the UUID itself (mappers.py).
ENTITY_LIST = "villages"
ENTITY_VILLAGE_HINT = (
    "Type to search the village. If it is not on the list, leave this empty and type its name below.",
    "Начните вводить название села. Если его нет в списке, оставьте пустым и впишите название ниже.",
    "Номи деҳаро нависед. Агар дар рӯйхат набошад, холӣ гузоред ва номашро дар поён нависед.",
)
ENTITY_OTHER_LABEL = (
    "Village not on the list: its name as the informants say it",
    "Села нет в списке: название со слов информаторов",
    "Деҳа дар рӯйхат нест: номаш аз рӯи гуфтаи иттилоотдиҳандагон",
)
TWO_LETTERS = ("Type at least two letters.", "Введите не менее двух букв.", "Ақаллан ду ҳарф нависед.")


def entity_village_rows(
    name: str, district: str, *, label=("Village", "Село", "Деҳа"), choice_filter: str = "", **kw
) -> list[dict]:
    """A village picked from the entity list, or left unpicked and typed (``<name>_other``), with the
    code and label the device read for it (``<name>_code``, ``<name>_label``)."""
    item = f"instance('{ENTITY_LIST}')/root/item[name=${{{name}}}]"
    return [
        q(
            "select_one_from_file villages.csv",
            name,
            label,
            hint=ENTITY_VILLAGE_HINT,
            choice_filter=choice_filter or f"district=${{{district}}}",
            **kw,
        ),
        {"type": "calculate", "name": f"{name}_code", "calculation": f"if(${{{name}}} = '', '', {item}/code)"},
        {"type": "calculate", "name": f"{name}_label", "calculation": f"if(${{{name}}} = '', '', {item}/label)"},
        q(
            "text",
            f"{name}_other",
            ENTITY_OTHER_LABEL,
            required=True,
            relevant=f"${{{name}}} = ''",
            constraint="string-length(normalize-space(.)) >= 2",
            message=TWO_LETTERS,
        ),
    ]


def entity_location_village_rows() -> list[dict]:
    """The round B2's own village, from the entity list and still cut to the enumerator's areas.

    The entity list is one list for every device (the referral questions need every district), so the
    server cannot cut it per enumerator as it cuts assigned_villages.csv. The form cuts it instead: it
    still reads assigned_villages.csv (cut by the server, xforms/distribution.py) as an external list,
    and offers a gazetteer village only when its code is in that file, plus the villages created on
    tablets (no code yet) in the chosen district, which is itself from the cut assigned_districts.csv.
    So the enumerator sees exactly the villages they saw before, and the ones their tablet just heard of.
    """
    allowed = "assigned_village_codes"
    return [
        {"type": "csv-external", "name": "assigned_villages"},
        {
            "type": "calculate",
            "name": allowed,
            "calculation": "concat(' ', join(' ', instance('assigned_villages')/root/item/name), ' ')",
        },
        *entity_village_rows(
            "village",
            "district",
            choice_filter=f"district=${{district}} and (code = '' or contains(${{{allowed}}}, concat(' ', code, ' ')))",
            appearance="minimal autocomplete",
        ),
    ]


def location_rows(
    *,
    with_village: bool,
    village_file: str = "villages.csv",
    ask_round: bool = True,
    assigned_lists: bool = False,
    entity_list: bool = False,
) -> list[dict]:
    """``assigned_lists``: a round's own form reads assigned_*.csv, the lists the server cuts to each
    enumerator's areas (xforms/distribution.py); the shared forms keep the lists they were published with.
    ``entity_list``: the village is picked from the ``villages`` entity list (entity_village_rows)."""
    rows = [
        # Device timestamps: the quality rule on implausibly fast interviews reads them.
        {"type": "start", "name": "started"},
        {"type": "end", "name": "ended"},
    ]
    # A form version built for one round knows its round, so it does not ask (ask_round=False).
    if ask_round:
        rows.append(
            q(
                "integer",
                "round",
                ("Round number", "Номер раунда", "Рақами давр"),
                required=True,
                constraint=bounds.ROUND.constraint,
                message=(
                    f"Round is {bounds.ROUND.low} to {bounds.ROUND.high}.",
                    f"Раунд от {bounds.ROUND.low} до {bounds.ROUND.high}.",
                    f"Давр аз {bounds.ROUND.low} то {bounds.ROUND.high}.",
                ),
            )
        )
    rows += [
        # Questions about other places (referrals, where migrants went) read the full lists.
        q(
            "select_one_from_file assigned_provinces.csv" if assigned_lists else "select_one provinces",
            "province",
            ("Province", "Область", "Вилоят"),
            required=True,
            **({"default": only_choice("assigned_provinces")} if assigned_lists else {}),
        ),
        q(
            f"select_one_from_file {'assigned_districts.csv' if assigned_lists else 'districts.csv'}",
            "district",
            ("District or city", "Район или город", "Ноҳия ё шаҳр"),
            required=True,
            choice_filter="province=${province}",
            **({"default": only_choice("assigned_districts")} if assigned_lists else {}),
        ),
    ]
    if with_village and entity_list:
        rows += entity_location_village_rows() if assigned_lists else entity_village_rows("village", "district")
    elif with_village:
        other_allowed = village_file == "villages.csv"
        rows.append(
            q(
                f"select_one_from_file {'assigned_villages.csv' if assigned_lists else village_file}",
                "village",
                ("Village", "Село", "Деҳа"),
                hint=(SEARCH_VILLAGE_HINT if assigned_lists else PICK_VILLAGE_HINT) if other_allowed else None,
                required=True,
                choice_filter=f"district=${{district}} or name='{cl.OTHER_VILLAGE}'"
                if other_allowed
                else "district=${district}",
                # Up to 65 villages a district: a drop-down to search by typing (Collect and Web Forms
                # both read "minimal autocomplete"), not a page of radio buttons. The round's own B2 only:
                # the shared forms keep the content their fixed versions were published with.
                **({"appearance": "minimal autocomplete"} if assigned_lists else {}),
            )
        )
        if other_allowed:
            rows.append(
                q(
                    "text",
                    "village_other",
                    (
                        "Village name as the informants say it",
                        "Название села со слов информаторов",
                        "Номи деҳа аз рӯи гуфтаи иттилоотдиҳандагон",
                    ),
                    required=True,
                    relevant=f"${{village}} = '{cl.OTHER_VILLAGE}'",
                    constraint="string-length(normalize-space(.)) >= 2",
                    message=("Type at least two letters.", "Введите не менее двух букв.", "Ақаллан ду ҳарф нависед."),
                )
            )
    rows += [
        q(
            "date",
            "visit_date",
            ("Date of the visit", "Дата визита", "Санаи ташриф"),
            required=True,
            default="today()",
            constraint=". <= today()",
            message=(
                "The date cannot be in the future.",
                "Дата не может быть в будущем.",
                "Сана наметавонад оянда бошад.",
            ),
        ),
        q(
            "geopoint",
            "gps",
            ("Location (GPS)", "Местоположение (GPS)", "Ҷойгиршавӣ (GPS)"),
            hint=(
                "Wait for accuracy under 10 m.",
                "Дождитесь точности менее 10 м.",
                "То дақиқии камтар аз 10 м интизор шавед.",
            ),
        ),
    ]
    return rows


def informant_rows() -> list[dict]:
    return [
        begin("repeat", "ki", ("Key informant", "Ключевой информатор", "Иттилоотдиҳандаи асосӣ")),
        q("select_one sexes", "ki_sex", ("Sex", "Пол", "Ҷинс"), required=True),
        q(
            "select_one informant_types",
            "ki_type",
            ("Type of informant", "Тип информатора", "Навъи иттилоотдиҳанда"),
            required=True,
        ),
        q(
            "text",
            "ki_type_other",
            ("Other type: describe", "Другой тип: опишите", "Навъи дигар: шарҳ диҳед"),
            required=True,
            relevant="${ki_type} = 'other'",
        ),
        # Personal data, kept in its own group so exports can leave it out.
        begin(
            "group",
            "ki_contact",
            ("Contact details (personal data)", "Контакты (персональные данные)", "Маълумоти тамос (маълумоти шахсӣ)"),
        ),
        q("text", "ki_name", ("Name", "Имя", "Ном"), personal=True),
        q(
            "text",
            "ki_phone",
            ("Phone", "Телефон", "Телефон"),
            personal=True,
            appearance="numbers",
            constraint="regex(., '^[0-9+ ]{7,16}$')",
            message=("Digits only, 7 to 16.", "Только цифры, от 7 до 16.", "Танҳо рақамҳо, аз 7 то 16."),
        ),
        end("group"),
        end("repeat"),
    ]


def population_rows(pop: str, years=cl.YEARS, *, for_round: bool = False) -> list[dict]:
    """One population's questions. ``for_round``: the per-round form, which asks the total over the
    reference period (defined in definitions.py, as in the codebook and the report) and keeps every year
    within it."""
    present = f"${{{pop}_present}} = 'yes'"
    if for_round:
        period = f"{years[0]}–{years[-1]}"
        total = count(
            f"{pop}_total",
            population_label(
                pop,
                f"how many in {period} in all?",
                f"сколько всего за {period}?",
                f"дар {period} ҳамагӣ чанд нафар?",
            ),
            relevant=present,
            hint=definitions.TOTAL_HINT,
        )
    else:
        total = count(
            f"{pop}_total",
            population_label(pop, "how many now?", "сколько сейчас?", "ҳоло чанд нафар?"),
            relevant=present,
        )
    rows = [
        begin("group", pop, cl.POPULATIONS[pop]),
        q(
            "select_one yes_no",
            f"{pop}_present",
            population_label(pop, "present in the village?", "есть в селе?", "дар деҳа ҳастанд?"),
            required=True,
        ),
        total,
    ]
    for year in years:
        label = population_label(pop, f"how many in {year}?", f"сколько в {year} г.?", f"дар соли {year} чанд нафар?")
        if for_round:
            rows.append(
                bounded_count(
                    f"{pop}_y{year}",
                    label,
                    at_most=f"${{{pop}_total}}",
                    message=definitions.year_over_total_message(f"${{{pop}_total}}"),
                    relevant=present,
                    required=False,
                    hint=definitions.YEAR_HINT,
                )
            )
        else:
            rows.append(count(f"{pop}_y{year}", label, relevant=present, required=False))
    if pop in cl.INTERNATIONAL_POPULATIONS:
        meaning = cl.COUNTRY_MEANING[pop]
        country_question = (
            q(
                "select_one countries",
                f"{pop}_country",
                meaning,
                required=True,
                appearance="autocomplete",  # type to search the full ISO 3166-1 list
                hint=definitions.COUNTRY_HINT,
            )
            if for_round
            else q("select_one countries", f"{pop}_country", meaning, required=True)
        )
        rows += [
            begin("repeat", f"{pop}_countries", (meaning[0] + "s", meaning[1], meaning[2]), relevant=present),
            country_question,
            count(f"{pop}_country_count", ("How many?", "Сколько?", "Чанд нафар?")),
            end("repeat"),
        ]
    else:
        rows += [
            begin(
                "repeat",
                f"{pop}_districts",
                (
                    "Districts of origin" if pop == "imi" else "Districts of destination",
                    "Районы выбытия" if pop == "imi" else "Районы назначения",
                    "Ноҳияҳои баромад" if pop == "imi" else "Ноҳияҳои таъинот",
                ),
                relevant=present,
            ),
            q("select_one_from_file districts.csv", f"{pop}_district", ("District", "Район", "Ноҳия"), required=True),
            count(f"{pop}_district_count", ("How many?", "Сколько?", "Чанд нафар?")),
            end("repeat"),
        ]
    rows.append(
        q(
            "select_multiple reasons",
            f"{pop}_reasons",
            ("Main reasons", "Основные причины", "Сабабҳои асосӣ"),
            required=True,
            relevant=present,
            choice_filter=f"selected(pops, '{pop}')",
            constraint="not(selected(., 'unknown') and count-selected(.) > 1)",
            message=(
                "'Unknown' cannot go with other reasons.",
                "«Неизвестно» нельзя сочетать с другими причинами.",
                "«Номаълум»-ро бо сабабҳои дигар якҷоя кардан мумкин нест.",
            ),
        )
    )
    if pop in cl.POPULATIONS_WITH_MIGRATION_TYPE:
        rows.append(
            q(
                "select_one migration_types",
                f"{pop}_migration_type",
                ("Main type of migration", "Основной тип миграции", "Навъи асосии муҳоҷират"),
                required=True,
                relevant=present,
            )
        )
    rows.append(end("group"))
    return rows


def service_rows() -> list[dict]:
    rows = [begin("group", "services", ("Access to services", "Доступ к услугам", "Дастрасӣ ба хизматрасониҳо"))]
    for code, labels in cl.SERVICES.items():
        missing = f"${{svc_{code}}} = 'no'"
        rows += [
            q(
                "select_one yes_no",
                f"svc_{code}",
                (
                    f"{labels[0]}: available in the village?",
                    f"{labels[1]}: есть в селе?",
                    f"{labels[2]}: дар деҳа ҳаст?",
                ),
                required=True,
            ),
            q(
                "select_one distance_bands",
                f"svc_{code}_distance",
                ("Distance to the nearest one", "Расстояние до ближайшего", "Масофа то наздиктарин"),
                required=True,
                relevant=missing,
            ),
            count(
                f"svc_{code}_households",
                ("Households without it nearby", "Домохозяйств без доступа", "Хонаводаҳои бе дастрасӣ"),
                relevant=missing,
            ),
        ]
    rows.append(end("group"))
    return rows


def referral_rows(*, for_round: bool = False, entity_list: bool = False) -> list[dict]:
    """Villages the informants refer. ``for_round``: behind a yes/no, so a village with no referrals is
    sent without an empty required entry to delete (the repeat's first entry is only asked on "yes").
    ``entity_list``: picked from the villages entity list; a village typed in creates an entity
    (B2_ENTITY), saving its district so the next form's district filter finds it."""
    asked = []
    if for_round:
        asked = [
            q(
                "select_one yes_no",
                "ref_any",
                (
                    "Do the informants name other villages with migrants?",
                    "Называют ли информаторы другие сёла с мигрантами?",
                    "Оё иттилоотдиҳандагон деҳаҳои дигари муҳоҷирдорро номбар мекунанд?",
                ),
                required=True,
            )
        ]
    return [
        *asked,
        begin(
            "repeat",
            "ref",
            (
                "Other village the informants refer",
                "Другое село, названное информаторами",
                "Деҳаи дигаре, ки иттилоотдиҳандагон номбар карданд",
            ),
            **({"relevant": "${ref_any} = 'yes'"} if for_round else {}),
        ),
        q(
            "select_one_from_file districts.csv",
            "ref_district",
            ("District", "Район", "Ноҳия"),
            required=True,
            **({SAVE_TO: "district"} if entity_list else {}),
        ),
        *(
            entity_village_rows("ref_village", "ref_district")
            if entity_list
            else csv_village_rows("ref_village", "ref_district")
        ),
        q(
            "select_multiple populations",
            "ref_populations",
            ("Which groups live there?", "Какие группы там есть?", "Кадом гурӯҳҳо он ҷо ҳастанд?"),
            required=True,
        ),
        count(
            "ref_estimate",
            ("Rough number of people", "Примерное число людей", "Шумораи тахминии одамон"),
            required=False,
        ),
        end("repeat"),
    ]


def csv_village_rows(field: str, district_field: str) -> list[dict]:
    """A named village in a form reading villages.csv as a list file: codes filtered by the district
    question, and "Not on the list" with the name typed in ``<field>_other``."""
    return [
        q(
            "select_one_from_file villages.csv",
            field,
            ("Village", "Село", "Деҳа"),
            required=True,
            choice_filter=f"district=${{{district_field}}} or name='{cl.OTHER_VILLAGE}'",
        ),
        q(
            "text",
            f"{field}_other",
            ("Village name as said", "Название села со слов", "Номи деҳа аз рӯи гуфта"),
            required=True,
            relevant=f"${{{field}}} = '{cl.OTHER_VILLAGE}'",
        ),
    ]


def common_choices(*, for_round: bool = False) -> list[dict]:
    """The choice lists; a round's own form lists every country and where departed families went, the
    shared forms keep the lists they were published with."""
    pops_for_reason = {
        code: " ".join(p for p, codes in cl.REASONS_BY_POPULATION.items() if code in codes) for code in cl.REASONS
    }
    return [
        *choices("provinces", cl.PROVINCES),
        *choices("yes_no", cl.YES_NO),
        *choices("yes_no_unknown", cl.YES_NO_UNKNOWN),
        *choices("sexes", cl.SEXES),
        *choices("informant_types", cl.INFORMANT_TYPES),
        *choices("populations", cl.POPULATIONS),
        *choices("reasons", cl.REASONS, pops=pops_for_reason),
        *choices("migration_types", cl.MIGRATION_TYPES),
        *choices("countries", cl.COUNTRIES if for_round else cl.LEGACY_FORM_COUNTRIES),
        *(choices("departure_destinations", cl.DEPARTURE_DESTINATIONS) if for_round else []),
        *choices("distance_bands", cl.DISTANCE_BANDS),
        *choices("flows", cl.FLOWS),
        *choices("check_methods", cl.CHECK_METHODS),
    ]


# --- The three forms ----------------------------------------------------------------------------------


def departure_rows(years) -> list[dict]:
    """Whole-family departures and the houses they leave behind (the per-round form only)."""
    rows = [
        begin(
            "group",
            "departures",
            ("Families who left entirely", "Семьи, уехавшие целиком", "Оилаҳое, ки пурра рафтанд"),
        )
    ]
    for year in years:
        left = f"hh_left_y{year}"
        rows += [
            bounded_count(
                left,
                (
                    f"Households that left the village entirely in {year}",
                    f"Домохозяйств, уехавших из села целиком в {year} г.",
                    f"Хонаводаҳое, ки дар соли {year} деҳаро пурра тарк карданд",
                ),
                at_most="${households}",
                message=definitions.DEPARTURES_OVER_HOUSEHOLDS_MESSAGE,
                required=False,
                hint=definitions.DEPARTED_HOUSEHOLD_HINT,
            ),
            q(
                "select_one departure_destinations",
                f"{left}_where",
                (
                    f"Where did most of them go in {year}?",
                    f"Куда уехало большинство из них в {year} г.?",
                    f"Дар соли {year} аксари онҳо ба куҷо рафтанд?",
                ),
                required=True,
                relevant=f"${{{left}}} > 0",
            ),
        ]
    rows += [
        bounded_count(
            "houses_empty",
            (
                "Houses standing empty now",
                "Сколько домов сейчас пустует?",
                "Ҳоло чанд хона холӣ истодааст?",
            ),
            at_most="${households}",
            message=definitions.EMPTY_OVER_HOUSEHOLDS_MESSAGE,
            hint=definitions.EMPTY_HOUSE_HINT,
        ),
        bounded_count(
            "houses_looked_after",
            (
                "Of these, how many are looked after on the owners' behalf?",
                "Из них за сколькими присматривают по поручению хозяев?",
                "Аз инҳо ба чандтоаш аз номи соҳибон нигоҳубин мекунанд?",
            ),
            at_most="${houses_empty}",
            message=definitions.LOOKED_AFTER_OVER_EMPTY_MESSAGE,
            relevant="${houses_empty} > 0",
            hint=definitions.LOOKED_AFTER_HINT,
        ),
        q(
            "select_one yes_no_unknown",
            "elderly_alone",
            (
                "Do elderly people stay behind alone, their families gone?",
                "Остаются ли пожилые люди одни, без уехавших семей?",
                "Оё пиронсолон бе оилаҳои рафтаашон танҳо мемонанд?",
            ),
            required=True,
        ),
        end("group"),
    ]
    return rows


def b2_survey(years=cl.YEARS, *, for_round: bool = False, entity_list: bool = False) -> list[dict]:
    """The B2 survey asking one figure per year of ``years``; the default is the legacy 2020–2023 form
    shared by all rounds. ``for_round``: a round's own form (workbooks.b2_round_version): it knows its
    round, lists every country, defines the totals and asks about whole-family departures.
    ``entity_list``: its villages come from the villages entity list and referrals create entities."""
    rows = [
        *location_rows(with_village=True, ask_round=not for_round, assigned_lists=for_round, entity_list=entity_list),
        *informant_rows(),
    ]
    rows.append(
        count(
            "households",
            ("Number of households in the village", "Число домохозяйств в селе", "Шумораи хонаводаҳо дар деҳа"),
            hint=definitions.HOUSEHOLDS_HINT if for_round else None,
        )
    )
    for pop in cl.POPULATION_CODES:
        rows += population_rows(pop, years, for_round=for_round)
    if for_round:
        rows += departure_rows(years)
    rows += service_rows()
    rows += referral_rows(for_round=for_round, entity_list=entity_list)
    return rows


def b1_survey(*, entity_list: bool = True) -> list[dict]:
    """``entity_list`` (the B1 published since 2026120701): nominated villages come from the villages
    entity list, and one typed in creates an entity (B1_ENTITY); False builds the version before it."""
    rows = [*location_rows(with_village=False), *informant_rows()]
    rows.append(begin("group", "district_estimates", ("District estimates", "Оценки по району", "Арзёбии ноҳия")))
    for pop in cl.POPULATION_CODES:
        rows.append(
            count(
                f"d_{pop}_total",
                population_label(pop, "estimate for the district", "оценка по району", "арзёбӣ барои ноҳия"),
            )
        )
    rows.append(end("group"))
    rows += [
        begin(
            "repeat",
            "hv",
            (
                "Village with high inflow or outflow",
                "Село с большим притоком или оттоком",
                "Деҳа бо воридот ё хуруҷи зиёд",
            ),
        ),
        q(
            "select_one flows",
            "hv_flow",
            ("Inflow or outflow?", "Приток или отток?", "Воридот ё хуруҷ?"),
            required=True,
        ),
    ]
    if entity_list:
        rows += [
            *entity_village_rows("hv_village", "district"),
            # An entity property is saved from a field of its own repeat row (pyxform): the district
            # the B1 is about, copied into the row.
            {"type": "calculate", "name": "hv_district", "calculation": "${district}", SAVE_TO: "district"},
        ]
    else:
        rows += csv_village_rows("hv_village", "district")
    for pop in cl.POPULATION_CODES:
        rows.append(count(f"hv_{pop}", population_label(pop, "estimate", "оценка", "арзёбӣ"), required=False))
    rows.append(end("repeat"))
    return rows


def spot_check_survey(*, updates_entity: bool = True) -> list[dict]:
    """``updates_entity``: version 2026120701 on; False gives the 2026112202 form (tablets may still hold it)."""
    rows = [*location_rows(with_village=True, village_file="spot_check_villages.csv")]
    rows.append(
        q(
            "select_one check_methods",
            "method",
            ("How was it checked?", "Как проверяли?", "Чӣ тавр санҷида шуд?"),
            required=True,
        )
    )
    for pop in cl.POPULATION_CODES:
        rows += [
            q(
                "select_one yes_no_unknown",
                f"sc_{pop}_present",
                population_label(pop, "present?", "присутствуют?", "ҳастанд?"),
                required=True,
            ),
            count(
                f"sc_{pop}_count",
                population_label(pop, "how many?", "сколько?", "чанд нафар?"),
                relevant=f"${{sc_{pop}_present}} = 'yes'",
                required=False,
            ),
        ]
    for code, labels in cl.SERVICES.items():
        rows.append(
            q(
                "select_one yes_no_unknown",
                f"sc_svc_{code}",
                (f"{labels[0]} seen in the village?", f"{labels[1]}: есть в селе?", f"{labels[2]}: дар деҳа ҳаст?"),
                required=True,
            )
        )
    rows += [
        q("text", "notes", ("Notes", "Примечания", "Эзоҳҳо"), appearance="multiline"),
        q("image", "photo", ("Photo", "Фото", "Акс"), parameters="max-pixels=1024"),
        *(spot_check_entity_rows() if updates_entity else []),
    ]
    return rows


def spot_check_entity_rows() -> list[dict]:
    """The visit updates the village's entity in the ``villages`` entity list (issue 32.3): ``visited`` and
    the ``last_visit`` date, which the next form on the tablet reads, offline.

    The question keeps offering spot_check_villages.csv (the villages drawn for checking), whose ``name``
    is the gazetteer code: answers and the mapper stay as they were. The entity's id is looked up by that
    code in the entity list (its ``code`` property), which the form loads as an external CSV (``csv-external``
    adds ``instance('villages')``, the instance pyxform reads ``__version``, ``__trunkVersion`` and
    ``__branchId`` from for the entity block)."""
    return [
        {"type": "csv-external", "name": "villages"},
        {
            "type": "calculate",
            "name": "village_entity",
            "calculation": "instance('villages')/root/item[code=${village}]/name",
        },
        {"type": "calculate", "name": "visited", "calculation": "'yes'", SAVE_TO: "visited"},
        {"type": "calculate", "name": "last_visit", "calculation": "${visit_date}", SAVE_TO: "last_visit"},
    ]


SAVE_TO = "save_to"  # the survey column of the entities sheet's properties (pyxform)
SPOT_CHECK_LEGACY_VERSION = "2026112202"  # before the visit updated the village's entity
# The spot check's entities sheet: an update (an entity_id and no create_if) of the visited village.
SPOT_CHECK_ENTITIES = [{"list_name": "villages", "entity_id": "${village_entity}"}]

# The entities sheets: one entity declaration per form (pyxform allows no more), created from the repeat
# of named villages, one per row whose village was typed in rather than picked: a village picked from
# the list (a gazetteer village, or one this tablet created before) is never created twice.
B2_ENTITY = {
    "list_name": ENTITY_LIST,
    "label": "${ref_village_other}",
    "repeat": "${ref}",
    "create_if": "${ref_village} = ''",
}
B1_ENTITY = {
    "list_name": ENTITY_LIST,
    "label": "${hv_village_other}",
    "repeat": "${hv}",
    "create_if": "${hv_village} = ''",
}
# The shared B1 before it read the entity list: still accepted and read (bma.assessments.mappers).
B1_CSV_VERSION = "2026112202"

FORMS = {
    "b1_district.xlsx": dict(
        survey=b1_survey,
        form_id="bma_b1",
        title="BMA B1 district assessment",
        version="2026120701",
        entities=[B1_ENTITY],
        instance_name="concat('B1 ', ${district}, ' ', ${visit_date})",
    ),
    "b2_village.xlsx": dict(
        survey=b2_survey,
        form_id="bma_b2",
        title="BMA B2 village assessment",
        version="2026112202",
        instance_name="concat('B2 ', ${district}, ' ', if(${village} = 'other', ${village_other}, ${village}))",
    ),
    "spot_check.xlsx": dict(
        survey=spot_check_survey,
        form_id="bma_spot_check",
        title="BMA spot-check visit",
        # 2026120701 updates the village's entity (spot_check_entity_rows); 2026112202 is still read.
        version="2026120701",
        entities=SPOT_CHECK_ENTITIES,
        instance_name="concat('Check ', ${village}, ' ', ${visit_date})",
    ),
}


# Per-round B2 versions: the prefix sorts after the legacy "2026112202" and the round number makes the
# string unique per round ("20261204" + "007" for Round 7), so a device never mixes two rounds' forms.
# A new prefix is a new content of the round form: "20261203" asked the round's years only; "20261204"
# adds the full country list, the defined totals and whole-family departures; "20261205" reads the
# location lists cut to the enumerator's assignment (assigned_*.csv); "20261207" names the total in the
# refusal of a year above it and searches the village list; "20261208" reads the villages as the
# ``villages`` entity list and creates an entity per referred village typed in (issue 32). Older
# prefixes stay readable (their submissions are kept and replayed); only the first is built, but for
# "20261207", which b2_round_workbook_bytes(entity_list=False) still builds (the same form as then).
B2_ROUND_VERSION_PREFIXES = ("20261208", "20261207", "20261205", "20261204", "20261203")
B2_CSV_ROUND_PREFIX = "20261207"
ROUND_VERSION_DIGITS = 3
B2_ROUND_INSTANCE_NAME = "concat('B2 ', ${district}, ' ', if(${village} = '', ${village_other}, ${village_label}))"


def b2_round_version(round_number: int, prefix: str = B2_ROUND_VERSION_PREFIXES[0]) -> str:
    return f"{prefix}{round_number:0{ROUND_VERSION_DIGITS}d}"


def version_round_number(version: str) -> int | None:
    """The round a version was built for (b2_round_version), or None for a version shared by all rounds."""
    for prefix in B2_ROUND_VERSION_PREFIXES:
        rest = version[len(prefix) :] if version.startswith(prefix) else ""
        if len(rest) == ROUND_VERSION_DIGITS and rest.isdigit():
            return int(rest)
    return None


def b2_round_workbook_bytes(round_number: int, years, *, entity_list: bool = True) -> bytes:
    """The B2 workbook for one round: asks that round's reference years and not the round number.
    ``entity_list=False``: the version before the entity list ("20261207"), with list files only."""
    if not entity_list:
        return workbook_bytes(
            "b2_village.xlsx",
            survey=b2_survey(tuple(years), for_round=True),
            version=b2_round_version(round_number, B2_CSV_ROUND_PREFIX),
            for_round=True,
        )
    return workbook_bytes(
        "b2_village.xlsx",
        survey=b2_survey(tuple(years), for_round=True, entity_list=True),
        version=b2_round_version(round_number),
        for_round=True,
        entities=[B2_ENTITY],
        instance_name=B2_ROUND_INSTANCE_NAME,
    )


def b1_csv_workbook_bytes() -> bytes:
    """The shared B1 as published before the entity list (B1_CSV_VERSION): tests and a server that
    never had it published can still build it."""
    return workbook_bytes("b1_district.xlsx", survey=b1_survey(entity_list=False), version=B1_CSV_VERSION, entities=[])


def workbook_bytes(
    filename: str,
    *,
    survey: list[dict] | None = None,
    version: str | None = None,
    for_round: bool = False,
    entities: list[dict] | None = None,
    instance_name: str | None = None,
) -> bytes:
    """``for_round``: a round's own form (b2_round_workbook_bytes): its choice lists, and the personal-data
    marks written into the XForm (``bma:personal`` binds). ``entities``: the entities sheet's rows (the
    form's own from FORMS when None; [] for none)."""
    spec = FORMS[filename]
    survey = spec["survey"]() if survey is None else survey
    entities = spec.get("entities", []) if entities is None else entities
    choice_rows = common_choices(for_round=for_round)
    choice_columns = ["list_name", "name", *[f"label::{lang}" for lang in LANG_NAMES], "pops"]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "survey"
    # A round's own form carries the personal-data marks in the XForm (xforms/personal.py); the shared
    # forms were published without them and take the marks from these tables.
    columns = (*SURVEY_COLUMNS, PERSONAL_BIND_COLUMN) if for_round else SURVEY_COLUMNS
    if entities:  # only a form with entities has the column: the other workbooks stay as they were
        columns = (*columns, SAVE_TO)
    sheet.append(list(columns))
    for row in survey:
        values = {**row, PERSONAL_BIND_COLUMN: "true" if row.get(PERSONAL_KEY) else ""}
        sheet.append([values.get(column, "") for column in columns])
    choices_sheet = workbook.create_sheet("choices")
    choices_sheet.append(choice_columns)
    for row in choice_rows:
        choices_sheet.append([row.get(column, "") for column in choice_columns])
    if entities:
        entity_columns = list(entities[0])
        entities_sheet = workbook.create_sheet("entities")
        entities_sheet.append(entity_columns)
        for row in entities:
            entities_sheet.append([row.get(column, "") for column in entity_columns])
    settings = workbook.create_sheet("settings")
    setting_values = {
        "form_title": spec["title"],
        "form_id": spec["form_id"],
        "version": version or spec["version"],
        "default_language": LANG_NAMES[0],
        "instance_name": instance_name or spec["instance_name"],
    }
    if for_round:
        setting_values["namespaces"] = f'bma="{PERSONAL_NAMESPACE}"'
    settings.append(list(setting_values))
    settings.append(list(setting_values.values()))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def spot_check_legacy_workbook_bytes() -> bytes:
    """The spot-check form as version 2026112202 was published: no entity update. Its submissions are
    still received and mapped; tests publish it beside the current one."""
    return workbook_bytes(
        "spot_check.xlsx",
        survey=spot_check_survey(updates_entity=False),
        version=SPOT_CHECK_LEGACY_VERSION,
        entities=[],
    )


@cache
def personal_fields_of(form_id: str) -> frozenset[str]:
    """The questions this module's tables mark as personal in the form with this form id."""
    for spec in FORMS.values():
        if spec["form_id"] == form_id:
            return frozenset(row["name"] for row in spec["survey"]() if row.get(PERSONAL_KEY))
    return frozenset()
