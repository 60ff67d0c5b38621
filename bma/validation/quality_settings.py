"""A round's quality settings: the rules' thresholds and the spot-check tolerances, checked when stored
and when read, so a wrong value stops with its reason and where to fix it."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy

from bma.core.errors import BmaError, codes, message_lazy
from bma.validation.comparison import Tolerance, tolerances_from_mapping
from bma.validation.models import RoundQualitySettings
from bma.validation.rules import ThresholdError, Thresholds


def round_thresholds(round) -> Thresholds:
    """round: a Round or its id.

    Settings that were stored before they were checked (or by hand) fail processing with the
    reason and where to fix it, rather than with a stack trace.
    """
    values = dict(getattr(settings, "BMA_QUALITY_THRESHOLDS", {}) or {})
    override = RoundQualitySettings.objects.filter(round=round).values_list("thresholds", flat=True).first()
    try:
        if override is not None and not isinstance(override, dict):
            Thresholds.from_mapping(override)  # raises, with the message
        values.update(override or {})
        return Thresholds.from_mapping(values)
    except ThresholdError as exc:
        raise BmaError(
            codes.INVALID_INPUT,
            message_lazy(
                gettext_lazy(
                    "The quality thresholds of this round are not valid: %(reason)s A coordinator corrects them "
                    "under Round quality settings (or BMA_QUALITY_THRESHOLDS), then uses 'Process again'."
                ),
                reason=str(exc),
            ),
        ) from exc


def round_tolerances(round) -> dict[str, Tolerance]:
    override = RoundQualitySettings.objects.filter(round=round).values_list("tolerances", flat=True).first()
    try:
        return tolerances_from_mapping(override)
    except ValueError as exc:
        raise BmaError(
            codes.INVALID_INPUT,
            message_lazy(
                gettext_lazy(
                    "The spot-check tolerances of this round are not valid: %(reason)s A coordinator corrects "
                    "them under Round quality settings, then uses 'Process again'."
                ),
                reason=str(exc),
            ),
        ) from exc


def round_quality_settings_save(round, *, thresholds: dict, tolerances: dict) -> RoundQualitySettings:
    """Store a round's quality overrides after checking them: a typo is refused with the wrong key
    named, instead of stopping the round's processing later."""
    try:
        Thresholds.from_mapping(thresholds)
    except ThresholdError as exc:
        raise BmaError(
            codes.INVALID_INPUT, message_lazy(gettext_lazy("Quality thresholds: %(reason)s"), reason=str(exc))
        ) from exc
    try:
        tolerances_from_mapping(tolerances)
    except ValueError as exc:
        raise BmaError(
            codes.INVALID_INPUT, message_lazy(gettext_lazy("Spot-check tolerances: %(reason)s"), reason=str(exc))
        ) from exc
    quality_settings, _ = RoundQualitySettings.objects.update_or_create(
        round=round, defaults={"thresholds": thresholds or {}, "tolerances": tolerances or {}}
    )
    return quality_settings
