from bma.exports.report_math import share_of, shares, top_n, year_on_year


def test_shares_are_whole_percentages_rounded_half_up_each_on_its_own():
    # The report's migration types for international migrant workers: 61/22/15/2.
    result = shares({"long_term": 305, "seasonal": 110, "unknown": 76, "other": 9})
    assert result == {"long_term": 61.0, "seasonal": 22.0, "unknown": 15.0, "other": 2.0}
    # Largest remainder would give 34/33/33 (or another order): the published report prints 33 each.
    assert shares({"a": 1, "b": 1, "c": 1}) == {"a": 33.0, "b": 33.0, "c": 33.0}
    # 12.5% and 37.5%: half up, never to the even neighbour.
    assert shares({"a": 1, "b": 3, "c": 4}) == {"a": 13.0, "b": 38.0, "c": 50.0}


def test_shares_do_not_depend_on_row_order():
    counts = {"ru": 7, "kz": 7, "tr": 7, "de": 1}
    reordered = dict(reversed(list(counts.items())))
    assert shares(counts) == shares(reordered) == {"ru": 32.0, "kz": 32.0, "tr": 32.0, "de": 5.0}


def test_shares_with_one_decimal_and_of_nothing():
    assert shares({"a": 1, "b": 2, "c": 4}, decimals=1) == {"a": 14.3, "b": 28.6, "c": 57.1}
    assert shares({"a": 0, "b": 0}) == {"a": 0.0, "b": 0.0}


def test_share_of_communities_reporting():
    assert share_of(877, 919) == 95  # return migrants present in 877 of 919 communities
    assert share_of(1, 0) == 0.0


def test_year_on_year_change_like_the_report():
    # International migrant workers: +50% in 2021, -4% in 2022, -18% in 2023.
    change = year_on_year({2020: 1000, 2021: 1500, 2022: 1440, 2023: 1181})
    assert change == {2020: None, 2021: 50.0, 2022: -4.0, 2023: -18.0}
    assert year_on_year({2020: 0, 2021: 5}) == {2020: None, 2021: None}


def test_top_five_countries_in_order_with_stable_ties():
    counts = {"AFG": 1206, "CHN": 577, "UZB": 325, "RUS": 231, "USA": 83, "KAZ": 83, "TUR": 2}
    assert top_n(counts) == [("AFG", 1206), ("CHN", 577), ("UZB", 325), ("RUS", 231), ("KAZ", 83)]


def test_a_share_above_zero_and_below_one_reads_less_than_one_and_a_change_carries_its_sign():
    from django.utils import translation

    from bma.exports.report_math import share_shown

    assert 0 < share_of(1, 300) < 1  # kept as it is: rounded, it would read 0 (nobody)
    assert share_of(2, 200) == 1.0 and share_of(0, 300) == 0.0
    assert [share_shown(v) for v in (share_of(1, 300), 0.0, 12.5, 100.0)] == ["<1", "0", "13", "100"]
    assert [share_shown(v, signed=True) for v in (12.0, -4.0, 0.0, -0.4, None)] == ["+12", "-4", "0", "-<1", "—"]
    with translation.override("ru"):
        assert share_shown(1250.0, signed=True) == "+1\xa0250"
    with translation.override("en"):
        assert share_shown(1250.0, signed=True) == "+1,250"
