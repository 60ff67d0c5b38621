"""Enumerators in bulk: one row of a coordinator's sheet becomes an account in the enumerator role with
its assignments for a round.

``enumerator_row_check`` reads and checks a row (every problem at once, keyed by column, so the
import preview can show them beside the values); ``enumerator_row_save`` stores a checked row. The
django-import-export resource (resources.py) only calls these two, inside the transaction that makes
the whole file all or nothing; the admin's single "Add enumerator" form calls the same two with one row,
as a new account only and with the areas checked against the person adding it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from bma.core.languages import LANGUAGE_CODES, user_language_set
from bma.core.roles import Role, role_assign, user_roles, user_sees_everything
from bma.geo.models import AdminArea
from bma.rounds.models import Assignment, AssignmentRole, Round
from bma.rounds.scoping import user_may_act_in

# The sheet's columns, in the order the import page lists them.
COLUMNS = ("username", "full_name", "language", "round", "area_codes", "password")

# Area codes in one cell: "TJ-SU-ASH; TJ-SU-KHU", "TJ-SU-ASH,TJ-SU-KHU" or one per line.
_CODE_SEPARATORS = re.compile(r"[;,\s]+")


@dataclass
class EnumeratorRow:
    username: str
    full_name: str = ""
    language: str = ""
    round: Round | None = None
    areas: list = field(default_factory=list)
    password: str = ""


def _cell(row, column: str) -> str:
    value = row.get(column)
    if value is None:
        return ""
    # XLSX hands numbers over as numbers: a round written as 3 arrives as 3 or 3.0.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def enumerator_row_check(row, *, actor=None, new_only: bool = False) -> EnumeratorRow:
    """Read one row of the sheet; raise a ValidationError naming each bad column and why.

    ``new_only``: the username must not exist at all (the add form makes a person; the import may add
    assignments to an enumerator already there). ``actor``: the person entering the row; unless they
    see every area (coordinators, administrators), each area must lie within their own assignments.
    """
    errors: dict[str, list[str]] = {}
    username = _cell(row, "username")
    if not username:
        errors["username"] = [_("A username is required.")]
    else:
        try:
            UnicodeUsernameValidator()(username)
        except ValidationError:
            errors["username"] = [
                _("'%(username)s' is not a valid username: use letters, digits and @ . + - _ only.")
                % {"username": username}
            ]
        else:
            existing = get_user_model().objects.filter(username=username).first()
            if existing is not None and new_only:
                errors["username"] = [
                    _("The username '%(username)s' is already taken; choose another username.") % {"username": username}
                ]
            elif existing is not None and (
                existing.is_staff or existing.is_superuser or user_roles(existing) - {Role.ENUMERATOR}
            ):
                errors["username"] = [
                    _(
                        "The username '%(username)s' is already used by an account that is not an enumerator; "
                        "choose another username."
                    )
                    % {"username": username}
                ]

    language = _cell(row, "language").lower()
    if language and language not in LANGUAGE_CODES:
        errors["language"] = [
            _("'%(language)s' is not a language of this server; use one of: %(choices)s.")
            % {"language": language, "choices": ", ".join(sorted(LANGUAGE_CODES))}
        ]

    round_text, round_ = _cell(row, "round"), None
    if not round_text:
        errors["round"] = [_("The round number is required (e.g. 3).")]
    elif not round_text.isdigit() or (round_ := Round.objects.filter(number=int(round_text)).first()) is None:
        errors["round"] = [_("There is no round %(round)s.") % {"round": round_text}]

    codes = [code for code in _CODE_SEPARATORS.split(_cell(row, "area_codes")) if code]
    areas = list(AdminArea.objects.filter(code__in=codes))
    unknown = sorted(set(codes) - {area.code for area in areas})
    if not codes:
        errors["area_codes"] = [_("At least one area code is required (a province, district or jamoat code).")]
    elif unknown:
        errors["area_codes"] = [
            _("Unknown area code(s): %(codes)s. Use the codes of the gazetteer.") % {"codes": ", ".join(unknown)}
        ]
    elif actor is not None and not user_sees_everything(actor):
        outside = sorted(area.code for area in areas if not user_may_act_in(actor, area))
        if outside:
            errors["area_codes"] = [
                _("You may assign only areas within your own assignments; not: %(codes)s.")
                % {"codes": ", ".join(outside)}
            ]

    full_name = " ".join(_cell(row, "full_name").split())
    if len(full_name) > 150:
        errors["full_name"] = [_("The full name is longer than 150 characters.")]

    password = _cell(row, "password")
    if password:
        try:
            validate_password(password)
        except ValidationError as exc:
            errors["password"] = list(exc.messages)

    if errors:
        raise ValidationError(errors)
    return EnumeratorRow(
        username=username,
        full_name=full_name,
        language=language,
        round=round_,
        areas=sorted(areas, key=lambda area: area.code),
        password=password,
    )


@transaction.atomic
def enumerator_row_save(checked: EnumeratorRow):
    """Create or update the account and add its assignments; returns (user, created).

    Without a password the account has none that works: the enumerator's tablet gets a device code
    (the set-up QR code), so nobody has to invent, print or type passwords.
    """
    User = get_user_model()
    user, created = User.objects.get_or_create(username=checked.username)
    first, _sep, last = checked.full_name.partition(" ")
    user.first_name, user.last_name = first, last
    # The role before the password: the Digest credential is written only for accounts that collect.
    role_assign(user, Role.ENUMERATOR)
    if checked.password:
        user.set_password(checked.password)
    elif created:
        user.set_unusable_password()
    user.save()
    if checked.language:
        user_language_set(user, checked.language)
    for area in checked.areas:
        Assignment.objects.get_or_create(round=checked.round, user=user, area=area, role=AssignmentRole.ENUMERATOR)
    return user, created
