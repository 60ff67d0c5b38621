"""The part of OData's ``$filter`` and ``$orderby`` that an entity list's feed answers, as database queries.

ODK Central's feed (``/datasets/<list>.svc/Entities``) filters on ``__system`` fields (``createdAt``,
``updatedAt``, ``version``, ``conflict``...); analysts' tools (pyodk's ``get_table(filter=...)``, ruODK)
send exactly those. Here: comparisons ``eq ne gt ge lt le`` on ``__system/createdAt``, ``__system/updatedAt``,
``__system/version``, ``__system/updates``, ``__system/conflict``, ``__id`` and ``label``, ``eq``/``ne`` on
the list's properties, joined by ``and``, ``or``, ``not`` and parentheses. Anything else is refused with
Central's codes: 400.18 for what cannot be parsed, 501.5 for a field it does not filter on.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext

OPERATORS = {"eq": "exact", "gt": "gt", "ge": "gte", "lt": "lt", "le": "lte"}
NOTHING = Q(pk__in=[])

TOKEN = re.compile(
    r"""\s*(?:
        (?P<open>\()|(?P<close>\))|
        (?P<string>'(?:[^']|'')*')|
        (?P<value>[0-9][0-9A-Za-z:.+\-]*)|
        (?P<word>[A-Za-z_$][A-Za-z0-9_./$]*)
    )""",
    re.VERBOSE,
)


@dataclass
class ODataError(Exception):
    """A refusal in Central's shape: HTTP status, Central's code, message and details."""

    status: int
    code: float
    message: str
    details: dict = field(default_factory=dict)


def _unparsable(reason: str) -> ODataError:
    return ODataError(
        400,
        400.18,
        gettext("The OData filter expression you provided could not be parsed: %(reason)s") % {"reason": reason},
        {"reason": reason},
    )


def _unsupported(text: str, at: int) -> ODataError:
    return ODataError(
        501,
        501.5,
        gettext("The given OData filter expression references fields not supported by this server: %(text)s at %(at)s")
        % {"text": text, "at": at},
        {"at": at, "text": text},
    )


@dataclass
class _Token:
    kind: str
    text: str
    at: int


def _tokens(text: str) -> list[_Token]:
    tokens, at = [], 0
    while at < len(text):
        if not text[at:].strip():
            break
        match = TOKEN.match(text, at)
        if match is None or match.end() == at:
            raise _unparsable(f"Unexpected character at {len(text) - len(text[at:].lstrip())}")
        kind = match.lastgroup
        tokens.append(_Token(kind, match.group(kind), match.start(kind)))
        at = match.end()
    return tokens


@dataclass
class _Literal:
    kind: str  # "string", "null", "number", "time", "bool"
    value: object


def _literal(token: _Token) -> _Literal:
    if token.kind == "string":
        return _Literal("string", token.text[1:-1].replace("''", "'"))
    if token.kind == "word" and token.text in ("null", "true", "false"):
        return _Literal("null", None) if token.text == "null" else _Literal("bool", token.text == "true")
    if token.kind == "value":
        if re.fullmatch(r"-?\d+", token.text):
            return _Literal("number", int(token.text))
        moment = parse_datetime(token.text)
        if moment is None and (day := parse_date(token.text)) is not None:
            moment = dt.datetime.combine(day, dt.time())
        if moment is not None:
            return _Literal("time", moment if timezone.is_aware(moment) else timezone.make_aware(moment, dt.UTC))
    raise _unparsable(f"Unexpected token {token.text!r} at {token.at}")


def _time(literal: _Literal, token: _Token) -> dt.datetime:
    if literal.kind != "time":
        raise _unparsable(f"Expected a date and time at {token.at}")
    return literal.value


def _compare(name: str, op: str, value) -> Q:
    if op == "ne":
        return ~Q(**{name: value}) if value is not None else Q(**{f"{name}__isnull": False})
    if value is None:
        return Q(**{f"{name}__isnull": True}) if op == "eq" else NOTHING
    return Q(**{f"{name}__{OPERATORS[op]}": value})


def _system(name: str, op: str, literal: _Literal, token: _Token) -> Q:
    if name == "createdAt":
        return _compare("created_at", op, None if literal.kind == "null" else _time(literal, token))
    if name == "updatedAt":
        # An entity never updated has no updatedAt (Central's null): its first version is the current one.
        if literal.kind == "null":
            return Q(version=1) if op == "eq" else (Q(version__gt=1) if op == "ne" else NOTHING)
        moment = _time(literal, token)
        return Q(version__gt=1) & _compare("updated_at", op, moment)
    if name in ("version", "updates"):
        if literal.kind != "number":
            raise _unparsable(f"Expected a number at {token.at}")
        return _compare("version", op, literal.value + (1 if name == "updates" else 0))
    if name == "conflict":
        # The entity's conflict ("soft", "hard"), stored as "" when there is none: Central's null.
        if literal.kind not in ("string", "null"):
            raise _unparsable(f"Expected a string at {token.at}")
        value = literal.value or ""
        if op not in ("eq", "ne"):  # an order against null is never true, as in SQL
            return NOTHING if literal.value is None else Q(**{f"conflict__{OPERATORS[op]}": value}) & ~Q(conflict="")
        return Q(conflict=value) if op == "eq" else ~Q(conflict=value)
    raise LookupError(name)


def _comparison(field_token: _Token, op: str, literal: _Literal, value_token: _Token, properties) -> Q:
    name = field_token.text
    if name.startswith("__system/"):
        try:
            return _system(name.removeprefix("__system/"), op, literal, value_token)
        except LookupError:
            raise _unsupported(name, field_token.at) from None
    if name not in ("__id", "label") and (name not in properties or op not in ("eq", "ne")):
        raise _unsupported(name, field_token.at)
    if literal.kind not in ("string", "null"):
        raise _unparsable(f"Expected a string at {value_token.at}")
    if name == "__id":
        try:
            return _compare("uuid", op, None if literal.value is None else uuid.UUID(literal.value))
        except ValueError:
            return NOTHING if op == "eq" else Q()
    if name == "label":
        return _compare("label", op, literal.value)
    key = f"properties__{name}"
    # A property never set reads as empty, as in the feed (and in Central's, which shows "").
    if literal.value in (None, ""):
        empty = ~Q(properties__has_key=name) | Q(**{key: ""}) | Q(**{key: None})
        return empty if op == "eq" else ~empty
    return Q(**{key: literal.value}) if op == "eq" else ~Q(**{key: literal.value})


class _Parser:
    def __init__(self, text: str, properties):
        self.tokens = _tokens(text)
        self.at = 0
        self.properties = set(properties)

    def _peek(self) -> _Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def _next(self) -> _Token:
        token = self._peek()
        if token is None:
            raise _unparsable("Unexpected end of expression")
        self.at += 1
        return token

    def _word(self, *words: str) -> bool:
        token = self._peek()
        if token is not None and token.kind == "word" and token.text in words:
            self.at += 1
            return True
        return False

    def parse(self) -> Q:
        q = self._or()
        if self._peek() is not None:
            token = self._peek()
            raise _unparsable(f"Unexpected token {token.text!r} at {token.at}")
        return q

    def _or(self) -> Q:
        q = self._and()
        while self._word("or"):
            q = q | self._and()
        return q

    def _and(self) -> Q:
        q = self._unary()
        while self._word("and"):
            q = q & self._unary()
        return q

    def _unary(self) -> Q:
        if self._word("not"):
            return ~self._unary()
        token = self._next()
        if token.kind == "open":
            q = self._or()
            if self._next().kind != "close":
                raise _unparsable(f"Expected ) at {token.at}")
            return q
        if token.kind != "word":
            raise _unparsable(f"Unexpected token {token.text!r} at {token.at}")
        op = self._next()
        if op.kind != "word" or op.text not in (*OPERATORS, "ne"):
            raise _unparsable(f"Unexpected token {op.text!r} at {op.at}")
        value = self._next()
        return _comparison(token, op.text, _literal(value), value, self.properties)


def odata_filter(text: str, properties) -> Q:
    """The rows ``$filter`` keeps, as a Q on Entity; ``properties`` are the list's property names."""
    if not text.strip():
        return Q()
    return _Parser(text, properties).parse()


ORDER_FIELDS = {
    "__system/createdAt": "created_at",
    "__system/updatedAt": "updated_at",
    "__system/version": "version",
    "__system/conflict": "conflict",
    "__id": "uuid",
    "label": "label",
}


def odata_orderby(text: str) -> list[str]:
    """``$orderby`` as order_by() arguments: ``field [asc|desc]``, comma-separated, on the fields above."""
    ordering = []
    for part in text.split(","):
        words = part.split()
        direction = words[1].lower() if len(words) == 2 else "asc"
        if not words or len(words) > 2 or direction not in ("asc", "desc"):
            raise _unparsable(f"Invalid $orderby {part.strip()!r}")
        name = ORDER_FIELDS.get(words[0])
        if name is None:
            raise _unsupported(words[0], 0)
        ordering.append(f"-{name}" if direction == "desc" else name)
    return ordering
