from bma.exports.report_math import share_of, shares, top_n, year_on_year


def test_shares_are_whole_percentages_that_add_up_to_100():
    # The report's migration types for international migrant workers: 61/22/15/2.
    result = shares({"long_term": 305, "seasonal": 110, "unknown": 76, "other": 9})
    assert result == {"long_term": 61.0, "seasonal": 22.0, "unknown": 15.0, "other": 2.0}
    thirds = shares({"a": 1, "b": 1, "c": 1})
    assert sum(thirds.values()) == 100


def test_shares_with_one_decimal_and_of_nothing():
    assert sum(shares({"a": 1, "b": 2, "c": 4}, decimals=1).values()) == 100.0
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
