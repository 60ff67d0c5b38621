"""The query-parameter readers: a value, None when absent, or input.invalid with a message."""

import pytest

from bma.core.errors import BmaError
from bma.core.params import boolean_param, choice_param, integer_param, nul_refuse, text_param
from bma.geo.models import SettlementStatus


def refused(read, *args) -> str:
    with pytest.raises(BmaError) as caught:
        read(*args)
    assert caught.value.code.code == "input.invalid"
    return caught.value.message


def test_text_refuses_nul_and_over_long_values_and_passes_the_rest():
    assert text_param({"q": "Ошоба"}, "q") == "Ошоба" and text_param({}, "q") is None
    assert "NUL" in refused(text_param, {"q": "a\x00"}, "q")
    assert "at most 5" in refused(text_param, {"q": "abcdef"}, "q", 5)


def test_choice_names_the_allowed_values_and_never_echoes_a_raw_nul():
    assert choice_param({"s": "official"}, "s", SettlementStatus) == "official"
    message = refused(choice_param, {"s": "z\x00"}, "s", SettlementStatus)
    assert "official, provisional" in message and "\x00" not in message and "z\\x00" in message


def test_integer_and_boolean():
    assert integer_param({"round": "3"}, "round") == 3
    assert "\x00" not in refused(integer_param, {"round": "1\x00"}, "round")
    assert boolean_param({"c": "false"}, "c") is False and boolean_param({}, "c") is None
    refused(boolean_param, {"c": "yes"}, "c")


def test_nul_refuse_looks_at_names_and_every_value():
    from django.http import QueryDict

    assert nul_refuse(QueryDict("q=a&q=b")) is None
    refused(nul_refuse, QueryDict("q=a&q=%00"))
    refused(nul_refuse, QueryDict("%00=1"))
