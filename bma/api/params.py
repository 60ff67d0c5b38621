"""The API's query parameters: the helpers live in bma/core/params.py (OpenRosa views use them too)."""

from bma.core.params import (  # noqa: F401 - re-exported for the apps' apis.py
    INT4_MAX,
    TEXT_MAX,
    boolean_param,
    choice_param,
    integer_param,
    text_param,
)
