"""The project's code lists, defined once. The XLSForm choice sheets, the typed models and the report
all use these codes; a test checks every choice sheet against them.

Each entry: code -> (English, Russian, Tajik). Labels follow the Round 2 report's wording.
"""

from __future__ import annotations

LANGUAGES = (("en", "English (en)"), ("ru", "Russian (ru)"), ("tg", "Tajik (tg)"))

Labels = tuple[str, str, str]

POPULATIONS: dict[str, Labels] = {
    "imw": ("International migrant workers", "Иностранные трудовые мигранты", "Муҳоҷирони меҳнатии хориҷӣ"),
    "ret": ("Return migrants", "Вернувшиеся мигранты", "Муҳоҷирони баргашта"),
    "emi": ("Emigrants", "Эмигранты", "Муҳоҷирони берунрафта"),
    "imi": ("Internal migrants (arrived)", "Внутренние мигранты (прибывшие)", "Муҳоҷирони дохилӣ (омада)"),
    "ioi": ("Internal out-migrants (left)", "Внутренние мигранты (выбывшие)", "Муҳоҷирони дохилии рафта"),
}
INTERNATIONAL_POPULATIONS = ("imw", "ret", "emi")
INTERNAL_POPULATIONS = ("imi", "ioi")
# What the per-country repeat counts for each international population.
COUNTRY_MEANING = {
    "imw": ("Nationality", "Гражданство", "Шаҳрвандӣ"),
    "ret": ("Country of return", "Страна возвращения", "Кишваре, ки аз он баргаштанд"),
    "emi": ("Country of destination", "Страна назначения", "Кишвари таъинот"),
}

REASONS: dict[str, Labels] = {
    "employment": ("Employment opportunities", "Возможности трудоустройства", "Имкониятҳои кор"),
    "economic": ("Economic reasons, job, labour", "Экономические причины, работа", "Сабабҳои иқтисодӣ, кор"),
    "conflict_security": (
        "Conflict and general security situation",
        "Конфликт и общая ситуация с безопасностью",
        "Низоъ ва вазъи умумии амниятӣ",
    ),
    "sanctions": ("Sanctions (economic situation)", "Санкции (экономическая ситуация)", "Таҳримҳо (вазъи иқтисодӣ)"),
    "mobilization": (
        "Partial mobilization of the Russian Federation",
        "Частичная мобилизация в Российской Федерации",
        "Сафарбаркунии қисмӣ дар Федератсияи Россия",
    ),
    "family": (
        "Family issues (reunification, marriage)",
        "Семейные причины (воссоединение, брак)",
        "Масъалаҳои оилавӣ (пайвастшавӣ, издивоҷ)",
    ),
    "currency": ("Depreciation of currency", "Обесценивание валюты", "Беқурбшавии асъор"),
    "covid": (
        "Loss of economic opportunities due to COVID-19",
        "Потеря экономических возможностей из-за COVID-19",
        "Аз даст додани имкониятҳои иқтисодӣ бо сабаби COVID-19",
    ),
    "work_permit": (
        "Expiration or high cost of work permits",
        "Истечение срока или высокая стоимость патента",
        "Ба охир расидан ё гаронии иҷозатномаи корӣ",
    ),
    "deportation": ("Deportation", "Депортация", "Ихроҷ"),
    "personal": (
        "Personal issues (documents, medical)",
        "Личные причины (документы, здоровье)",
        "Масъалаҳои шахсӣ (ҳуҷҷатҳо, саломатӣ)",
    ),
    "medical": ("Medical reasons", "Медицинские причины", "Сабабҳои тиббӣ"),
    "education": ("Education", "Образование", "Таҳсил"),
    "housing": (
        "Housing issues (incl. planned demolition)",
        "Жилищные проблемы (в т.ч. плановый снос)",
        "Мушкилоти манзил (аз ҷумла вайронкунии ба нақша гирифташуда)",
    ),
    "climate": (
        "Climate issues (drought, flood, harsh winter)",
        "Климатические причины (засуха, наводнение, суровая зима)",
        "Масъалаҳои иқлимӣ (хушксолӣ, обхезӣ, зимистони сахт)",
    ),
    "better_living": ("Better living conditions", "Лучшие условия жизни", "Шароити беҳтари зиндагӣ"),
    "marriage": ("Marriage", "Брак", "Издивоҷ"),
    "other": ("Other", "Другое", "Дигар"),
    "unknown": ("Unknown", "Неизвестно", "Номаълум"),
}
# Which reasons the form offers for which population (the report's lists).
REASONS_BY_POPULATION: dict[str, tuple[str, ...]] = {
    "imw": (
        "employment",
        "conflict_security",
        "sanctions",
        "mobilization",
        "family",
        "currency",
        "covid",
        "other",
        "unknown",
    ),
    "ret": (
        "work_permit",
        "family",
        "deportation",
        "currency",
        "mobilization",
        "conflict_security",
        "sanctions",
        "personal",
        "covid",
        "other",
        "unknown",
    ),
    "emi": ("economic", "medical", "education", "conflict_security", "covid", "other", "unknown"),
    "imi": ("economic", "housing", "climate", "better_living", "marriage", "family", "other", "unknown"),
    "ioi": ("economic", "housing", "climate", "better_living", "marriage", "family", "other", "unknown"),
}

MIGRATION_TYPES: dict[str, Labels] = {
    "long_term": ("Long-term", "Долгосрочная", "Дарозмуддат"),
    "seasonal": ("Temporary or seasonal", "Временная или сезонная", "Муваққатӣ ё мавсимӣ"),
    "unknown": ("Unknown duration", "Срок неизвестен", "Мӯҳлаташ номаълум"),
    "other": ("Other", "Другое", "Дигар"),
}
# The report gives the type of migration for international migrant workers and emigrants.
POPULATIONS_WITH_MIGRATION_TYPE = ("imw", "emi")

SERVICES: dict[str, Labels] = {
    "clinic": ("Clinic", "Поликлиника", "Дармонгоҳ"),
    "hospital": ("Hospital", "Больница", "Беморхона"),
    "market": ("Market", "Рынок", "Бозор"),
    "water": ("Safe drinking water", "Безопасная питьевая вода", "Оби нӯшокии бехатар"),
    "school": ("School", "Школа", "Мактаб"),
    "internet": ("Mobile internet", "Мобильный интернет", "Интернети мобилӣ"),
}

DISTANCE_BANDS: dict[str, Labels] = {
    "0_5": ("0-5 km", "0-5 км", "0-5 км"),
    "6_10": ("6-10 km", "6-10 км", "6-10 км"),
    "11_15": ("11-15 km", "11-15 км", "11-15 км"),
    "16_20": ("16-20 km", "16-20 км", "16-20 км"),
    "21_25": ("21-25 km", "21-25 км", "21-25 км"),
    "over_25": ("Over 25 km", "Более 25 км", "Зиёда аз 25 км"),
}

INFORMANT_TYPES: dict[str, Labels] = {
    "entrepreneur": ("Entrepreneur or local enterprise", "Предприниматель", "Соҳибкор"),
    "humanitarian": (
        "Humanitarian or social organization representative",
        "Представитель гуманитарной или социальной организации",
        "Намояндаи ташкилоти башардӯстона ё иҷтимоӣ",
    ),
    "statistics": (
        "Statistics Agency representative in the district or city",
        "Представитель Агентства по статистике в районе или городе",
        "Намояндаи Агентии омор дар ноҳия ё шаҳр",
    ),
    "migration_agency": (
        "Migration agency representative",
        "Представитель миграционной службы",
        "Намояндаи хадамоти муҳоҷират",
    ),
    "migration_employment": (
        "Migration employment agency",
        "Агентство по трудоустройству мигрантов",
        "Агентии бо кор таъминкунии муҳоҷирон",
    ),
    "employment_agency": (
        "Employment agency representative",
        "Представитель службы занятости",
        "Намояндаи хадамоти шуғл",
    ),
    "local_authority": (
        "Local authority (jamoat, mahalla)",
        "Местная власть (джамоат, махалля)",
        "Мақомоти маҳаллӣ (ҷамоат, маҳалла)",
    ),
    "other": ("Other", "Другое", "Дигар"),
}

SEXES: dict[str, Labels] = {
    "male": ("Male", "Мужчина", "Мард"),
    "female": ("Female", "Женщина", "Зан"),
}

YES_NO: dict[str, Labels] = {"yes": ("Yes", "Да", "Ҳа"), "no": ("No", "Нет", "Не")}
YES_NO_UNKNOWN: dict[str, Labels] = {**YES_NO, "unknown": ("Don't know", "Не знаю", "Намедонам")}

# Where most of the households that left a village entirely in a year went (B2, per-round forms).
DEPARTURE_DESTINATIONS: dict[str, Labels] = {
    "abroad": ("Abroad", "За границу", "Ба хориҷа"),
    "another_district": (
        "Another district or city of Tajikistan",
        "В другой район или город Таджикистана",
        "Ба ноҳия ё шаҳри дигари Тоҷикистон",
    ),
    "unknown": ("Don't know", "Не знаю", "Намедонам"),
}

FLOWS: dict[str, Labels] = {
    "inflow": ("High inflow", "Большой приток", "Воридоти зиёд"),
    "outflow": ("High outflow", "Большой отток", "Хуруҷи зиёд"),
}

CHECK_METHODS: dict[str, Labels] = {
    "direct_observation": ("Direct observation", "Непосредственное наблюдение", "Мушоҳидаи бевосита"),
    "informant": ("Key informant", "Ключевой информатор", "Иттилоотдиҳандаи асосӣ"),
}

PROVINCES: dict[str, Labels] = {
    "TJ-DU": ("Dushanbe", "г. Душанбе", "Шаҳри Душанбе"),
    "TJ-RA": ("Districts of Republican Subordination", "Районы республиканского подчинения", "НТҶ"),
    "TJ-SU": ("Sughd", "Согдийская область", "Вилояти Суғд"),
    "TJ-KT": ("Khatlon", "Хатлонская область", "Вилояти Хатлон"),
    "TJ-GB": ("Gorno-Badakhshan (GBAO)", "ГБАО", "ВМКБ"),
}

# The countries the first B2 versions offered (ISO 3166-1 alpha-2), in the Round 2 report's wording. Their
# labels are kept as they were: a published form version never changes, and the report keeps its words.
CURATED_COUNTRIES: dict[str, Labels] = {
    "AF": ("Afghanistan", "Афганистан", "Афғонистон"),
    "AE": ("United Arab Emirates", "ОАЭ", "АМА"),
    "BY": ("Belarus", "Беларусь", "Беларус"),
    "CN": ("China", "Китай", "Чин"),
    "DE": ("Germany", "Германия", "Олмон"),
    "GB": ("United Kingdom", "Великобритания", "Британияи Кабир"),
    "IN": ("India", "Индия", "Ҳиндустон"),
    "IR": ("Iran", "Иран", "Эрон"),
    "JP": ("Japan", "Япония", "Япония"),
    "KG": ("Kyrgyzstan", "Кыргызстан", "Қирғизистон"),
    "KR": ("Republic of Korea", "Республика Корея", "Ҷумҳурии Корея"),
    "KZ": ("Kazakhstan", "Казахстан", "Қазоқистон"),
    "LT": ("Lithuania", "Литва", "Литва"),
    "PK": ("Pakistan", "Пакистан", "Покистон"),
    "PL": ("Poland", "Польша", "Лаҳистон"),
    "RU": ("Russian Federation", "Российская Федерация", "Федератсияи Россия"),
    "SA": ("Saudi Arabia", "Саудовская Аравия", "Арабистони Саудӣ"),
    "TM": ("Turkmenistan", "Туркменистан", "Туркманистон"),
    "TR": ("Türkiye", "Турция", "Туркия"),
    "UA": ("Ukraine", "Украина", "Украина"),
    "US": ("United States", "США", "ИМА"),
    "UZ": ("Uzbekistan", "Узбекистан", "Ӯзбекистон"),
}
# "Other country": a place the informants name that is not a country of ISO 3166-1 (or they cannot say
# which). The per-round forms list every country, so it is rare; the codebook says so.
OTHER_COUNTRY = "ZZ"
OTHER_COUNTRY_LABELS: Labels = ("Other country", "Другая страна", "Кишвари дигар")
LEGACY_FORM_COUNTRIES: dict[str, Labels] = {**CURATED_COUNTRIES, OTHER_COUNTRY: OTHER_COUNTRY_LABELS}


def _iso_countries() -> dict[str, Labels]:
    """Every country of ISO 3166-1 but Tajikistan (informants speak of countries abroad), sorted by English
    name, in en/ru/tg: pycountry's names and translations (iso-codes), the curated labels where we have them."""
    import gettext

    import pycountry

    def translation(language):
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])

    ru, tg = translation("ru"), translation("tg")
    countries = {}
    for country in pycountry.countries:
        code = country.alpha_2
        if code == "TJ":
            continue
        if code in CURATED_COUNTRIES:
            countries[code] = CURATED_COUNTRIES[code]
            continue
        russian, tajik = ru.gettext(country.name), tg.gettext(country.name)
        # Where iso-codes has no Tajik name yet, the Russian one: every Tajik enumerator reads it.
        countries[code] = (
            getattr(country, "common_name", country.name),
            russian,
            tajik if tajik != country.name else russian,
        )
    ordered = dict(sorted(countries.items(), key=lambda item: item[1][0]))
    return {**ordered, OTHER_COUNTRY: OTHER_COUNTRY_LABELS}


# ISO 3166-1 alpha-2, the list the per-round B2 offers (with search) and every label in the report uses.
COUNTRIES: dict[str, Labels] = _iso_countries()


DISTANCE_BAND_CODES = tuple(DISTANCE_BANDS)
SERVICE_CODES = tuple(SERVICES)
POPULATION_CODES = tuple(POPULATIONS)

# Data column names the pipeline reads; changing one means a new mapper for the new form version.
YEARS = (2020, 2021, 2022, 2023)
OTHER_VILLAGE = "other"  # the choice that lets an enumerator type a village that is not on the list
