"""What each figure means, said once. The per-round B2 shows these texts as hints and constraint
messages, the codebook prints them beside the columns and the round report prints them as its notes, so
an enumerator, a supervisor and a reader of the report work to the same definition.

Each entry: (English, Russian, Tajik).
"""

from __future__ import annotations

# Marked for the ru/tg catalogues; the report translates them where it prints them.
from django.utils.translation import gettext_noop

Texts = tuple[str, str, str]

# --- Populations: the total and the yearly figures ----------------------------------------------------

TOTAL_HINT: Texts = (
    "Everyone of this group at any time in the reference period, each person counted once.",
    "Все люди этой группы за весь отчётный период, каждый человек один раз.",
    "Ҳамаи одамони ин гурӯҳ дар тамоми давраи ҳисоботӣ, ҳар кас як маротиба.",
)
YEAR_HINT: Texts = (
    "The people of this group in that year. No year can be more than the total; the years may add up to "
    "more, since one person can be counted in several years.",
    "Люди этой группы в этом году. Ни один год не может быть больше итога; сумма лет может быть больше, "
    "так как один человек может учитываться в нескольких годах.",
    "Одамони ин гурӯҳ дар ҳамон сол. Ягон сол аз ҷамъ зиёд буда наметавонад; ҷамъи солҳо метавонад "
    "зиёдтар бошад, зеро як кас дар якчанд сол ҳисоб мешавад.",
)


def year_over_total_message(total: str) -> Texts:
    """The refusal of a year above the period's total, naming the total: ``total`` is the XLSForm
    reference (``${imw_total}``), which the form shows as the figure typed (an <output> in the message)."""
    return (
        f"No single year can be more than the total for the period, which is {total}.",
        f"Ни один год не может быть больше итога за период, а итог равен {total}.",
        f"Ягон сол аз ҷамъи давра, ки {total} аст, зиёд буда наметавонад.",
    )


COUNTRY_HINT: Texts = (
    "Type to search. Choose 'Other country' only if the place is not a country on the list or the "
    "informants cannot say which country.",
    "Начните вводить название. «Другая страна» — только если места нет в списке стран или информаторы "
    "не могут назвать страну.",
    "Номро нависед. «Кишвари дигар»-ро танҳо вақте интихоб кунед, ки ҷой дар рӯйхати кишварҳо нест ё "
    "иттилоотдиҳандагон кишварро гуфта наметавонанд.",
)

# --- Households, whole-family departures and empty houses ---------------------------------------------

HOUSEHOLDS_HINT: Texts = (
    "Every household of the village, including families who have all left but still have a house here.",
    "Все домохозяйства села, включая семьи, которые уехали целиком, но имеют здесь дом.",
    "Ҳамаи хонаводаҳои деҳа, аз ҷумла оилаҳое, ки пурра рафтаанд, вале дар ин ҷо хона доранд.",
)
DEPARTED_HOUSEHOLD_HINT: Texts = (
    "A household counts when all its members left to live abroad or elsewhere in Tajikistan. Leave empty "
    "if the informants do not know.",
    "Домохозяйство учитывается, если все его члены уехали жить за границу или в другое место "
    "Таджикистана. Оставьте пустым, если информаторы не знают.",
    "Хонавода ҳисоб мешавад, агар ҳамаи аъзоёнаш барои зиндагӣ ба хориҷа ё ҷои дигари Тоҷикистон "
    "рафта бошанд. Агар иттилоотдиҳандагон надонанд, холӣ гузоред.",
)
DEPARTURES_OVER_HOUSEHOLDS_MESSAGE: Texts = (
    "More households cannot leave than the village has.",
    "Уехать не может больше домохозяйств, чем есть в селе.",
    "Аз шумораи хонаводаҳои деҳа зиёдтар рафта наметавонанд.",
)
EMPTY_HOUSE_HINT: Texts = (
    "Houses where nobody lives now: locked, left or abandoned.",
    "Дома, где сейчас никто не живёт: запертые, оставленные или заброшенные.",
    "Хонаҳое, ки ҳоло касе дар онҳо зиндагӣ намекунад: қулф, партофта ё бесоҳиб.",
)
EMPTY_OVER_HOUSEHOLDS_MESSAGE: Texts = (
    "More houses cannot stand empty than the village has households.",
    "Пустующих домов не может быть больше, чем домохозяйств в селе.",
    "Хонаҳои холӣ аз шумораи хонаводаҳои деҳа зиёд буда наметавонанд.",
)
LOOKED_AFTER_HINT: Texts = (
    "A relative, a neighbour or a keyholder looks after the house for the family that left.",
    "За домом присматривает родственник, сосед или хранитель ключей по поручению уехавшей семьи.",
    "Хешу табор, ҳамсоя ё калидбардор аз номи оилаи рафта хонаро нигоҳубин мекунад.",
)
LOOKED_AFTER_OVER_EMPTY_MESSAGE: Texts = (
    "This cannot be more than the houses standing empty.",
    "Не может быть больше, чем пустующих домов.",
    "Аз хонаҳои холӣ зиёд буда наметавонад.",
)

# --- The definitions the codebook and the report's notes print (English) -------------------------------

FIGURE_DEFINITIONS: dict[str, str] = {
    "total": gettext_noop(
        "The number of people of the group in the village over the whole reference period, each person counted once."
    ),
    "yearly": gettext_noop(
        "The number of people of the group in that year. No single year can be more than the total; the "
        "years may add up to more than the total, since one person can be counted in several years."
    ),
    "households": gettext_noop(
        "Every household of the village, including families who have all left but still have a house "
        "there (per-round forms; earlier forms asked the number of households without this note)."
    ),
    "departures": gettext_noop(
        "Households that left the village entirely in the year: all members went to live abroad or "
        "elsewhere in Tajikistan. Empty when the informants did not know."
    ),
    "houses_empty": gettext_noop("Houses in which nobody lives at the time of the visit."),
    "houses_looked_after": gettext_noop(
        "Empty houses that a relative, a neighbour or a keyholder looks after on the owners' behalf."
    ),
    "other_country": gettext_noop(
        "'Other country' (code ZZ): a place that is not a country of ISO 3166-1, or a country the "
        "informants could not name."
    ),
    "shares": gettext_noop(
        "Percentages are rounded each on its own, half up, as in the published report, so the shares of "
        "one table may add up to 99 or 101."
    ),
}


# The five target populations, as the published report defines them (its methodology page).
POPULATION_DEFINITIONS: dict[str, str] = {
    "imw": gettext_noop("Foreign nationals who have moved to Tajikistan for the purpose of employment."),
    "ret": gettext_noop("Tajik nationals who have returned to Tajikistan after spending at least 6 months abroad."),
    "emi": gettext_noop(
        "Tajik nationals who have crossed international borders and currently reside as migrants abroad."
    ),
    "imi": gettext_noop(
        "Residents of other locations in Tajikistan currently residing as internal migrants in the assessed "
        "communities."
    ),
    "ioi": gettext_noop(
        "Tajik nationals from an assessed community who moved as an internal migrant to another location "
        "within Tajikistan."
    ),
}
