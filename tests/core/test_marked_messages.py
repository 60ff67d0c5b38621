"""Every error a service raises, and every message a view flashes, is marked for translation, so the
reader gets it in their language (the admin, the API and the OpenRosa device all show ``exc.message``).

The check reads the source (AST) of every module under bma/: the message of a ``BmaError(code,
message)``, ``ValidationError(message)`` or ``HeaderError(message)`` call, and of ``messages.error/warning/success/info(request,
message)`` outside the admin (test_marked_admin checks the admin's), must be a gettext call
(``gettext``, ``gettext_lazy``, ``_``, ``pgettext*``, ``ngettext*``), ``message_lazy(...)``, such a call
with ``%`` applied, or a variable. A variable is checked where it is built: a module-level constant
(of the module or imported from another module of ours) is resolved and must itself be marked; a
local variable or an exception passed on (``str(exc)``, ``exc.message``) is not judged here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BMA = Path(__file__).resolve().parents[2] / "bma"
MARKERS = {
    "gettext",
    "gettext_lazy",
    "_",
    "pgettext",
    "pgettext_lazy",
    "ngettext",
    "ngettext_lazy",
    "npgettext",
    "npgettext_lazy",
    "message_lazy",
    # Marked for the catalogue and put into words when shown (a PullError's template, stored on its source).
    "gettext_noop",
    "N_",
}
FLASHES = {"error", "warning", "success", "info"}
# Exceptions whose first argument is the message a reader gets: a HeaderError's becomes the BmaError's
# the device is answered with (submissions.services.header_or_error); PermissionDenied's and Http404's
# reach the error page; a PullError's is shown on its pull source's page.
MESSAGE_FIRST = {"ValidationError", "HeaderError", "PermissionDenied", "Http404", "GazetteerFileError", "PullError"}
# BmaError(code, message); a gazetteer file's RowError(row, message) is listed in the refusal.
MESSAGE_SECOND = {"BmaError", "RowError"}


def _call_name(node: ast.Call) -> str:
    return getattr(node.func, "attr", getattr(node.func, "id", ""))


def _module_name(path: Path) -> str:
    parts = path.relative_to(BMA.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


class Constants:
    """Module-level assignments of every module under bma/, and the names each module imports from ours."""

    def __init__(self, trees: dict[str, ast.Module]):
        self.assigned: dict[str, dict[str, ast.expr]] = {}
        self.imported: dict[str, dict[str, tuple[str, str]]] = {}
        for module, tree in trees.items():
            assigned, imported = {}, {}
            for node in tree.body:
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            assigned[target.id] = node.value
                elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
                    assigned[node.target.id] = node.value
                elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bma"):
                    for alias in node.names:
                        imported[alias.asname or alias.name] = (node.module, alias.name)
            self.assigned[module], self.imported[module] = assigned, imported

    def resolve(self, module: str, name: str, seen=()) -> tuple[str, ast.expr] | None:
        """(module, value) of a module-level constant, following imports; None for anything else."""
        if (module, name) in seen:
            return None
        if name in self.assigned.get(module, {}):
            return module, self.assigned[module][name]
        if name in self.imported.get(module, {}):
            return self.resolve(*self.imported[module][name], seen=(*seen, (module, name)))
        return None


def _problem(node: ast.expr, module: str, constants: Constants, seen=()) -> str | None:
    """Why this message would reach the reader in English, or None when it is marked (or a variable)."""
    if isinstance(node, ast.Constant):
        return "a plain string" if isinstance(node.value, str) else None
    if isinstance(node, ast.JoinedStr):
        return "an f-string"
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Add):
            return "a concatenation"
        if isinstance(node.op, ast.Mod):
            left = _problem(node.left, module, constants, seen)
            return f"% on {left}" if left else None
        return None
    if isinstance(node, ast.Call):
        name = _call_name(node)
        if name in MARKERS:
            return None
        if name == "format" and isinstance(node.func, ast.Attribute):
            inner = _problem(node.func.value, module, constants, seen)
            return f".format on {inner}" if inner else None
        return None  # str(exc), a helper that builds the message: judged where the text is made
    if isinstance(node, ast.IfExp):
        return _problem(node.body, module, constants, seen) or _problem(node.orelse, module, constants, seen)
    if isinstance(node, ast.Dict):  # ValidationError({"field": message})
        return next(filter(None, (_problem(v, module, constants, seen) for v in node.values)), None)
    if isinstance(node, ast.List | ast.Tuple):
        return next(filter(None, (_problem(v, module, constants, seen) for v in node.elts)), None)
    if isinstance(node, ast.Name) and (found := constants.resolve(module, node.id)) and found not in seen:
        where, value = found
        problem = _problem(value, where, constants, (*seen, found))
        return f"the constant {node.id}, {problem}" if problem else None
    return None


def _messages(call: ast.Call, in_admin: bool) -> list[ast.expr]:
    """The argument(s) of this call that are shown to a reader as its message."""
    name = _call_name(call)
    keyword = [k.value for k in call.keywords if k.arg == "message"]
    if name in MESSAGE_SECOND:
        return call.args[1:2] or keyword
    if name in MESSAGE_FIRST:
        return call.args[:1] or keyword
    flashed = isinstance(call.func, ast.Attribute) and getattr(call.func.value, "id", "") == "messages"
    if name in FLASHES and flashed and not in_admin:
        return call.args[1:2] or keyword
    return []


def unmarked(source: str, module: str = "bma.example", constants: Constants | None = None, in_admin=False):
    tree = ast.parse(source)
    constants = constants or Constants({module: tree})
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for message in _messages(node, in_admin):
                if problem := _problem(message, module, constants):
                    found.append((node.lineno, f"line {node.lineno}: {_call_name(node)}(...) with {problem}"))
    return [text for _, text in sorted(found)]


def _is_admin(path: Path) -> bool:
    return path.name in ("admin.py", "desk.py") or path.name.endswith("_admin.py")


SOURCES = sorted(BMA.rglob("*.py"))


@pytest.fixture(scope="module")
def constants():
    return Constants({_module_name(p): ast.parse(p.read_text()) for p in SOURCES})


def test_every_error_and_flashed_message_under_bma_is_marked(constants):
    found = []
    for path in SOURCES:
        problems = unmarked(path.read_text(), _module_name(path), constants, _is_admin(path))
        found += [f"{path.relative_to(BMA.parent)}:{p.removeprefix('line ')}" for p in problems]
    assert found == [], "unmarked messages:\n" + "\n".join(found)


def test_the_check_sees_plain_messages_and_lets_marked_ones_pass():
    assert unmarked('raise BmaError(codes.X, "Closed.")') == ["line 1: BmaError(...) with a plain string"]
    assert unmarked('raise BmaError(codes.X, f"{r} closed.")') == ["line 1: BmaError(...) with an f-string"]
    assert unmarked('raise BmaError(codes.X, "%s closed" % r)') == ["line 1: BmaError(...) with % on a plain string"]
    assert unmarked('raise BmaError(codes.X, "{} closed".format(r))') == [
        "line 1: BmaError(...) with .format on a plain string"
    ]
    assert unmarked('raise BmaError(codes.X, _("Closed") + ".")') == ["line 1: BmaError(...) with a concatenation"]
    assert unmarked('raise ValidationError({"form_version": f"{v} is not"})') == [
        "line 1: ValidationError(...) with an f-string"
    ]
    assert unmarked('raise forms.ValidationError("Pick one.")') == ["line 1: ValidationError(...) with a plain string"]
    assert unmarked('raise HeaderError(f"Not JSON ({exc}).")') == ["line 1: HeaderError(...) with an f-string"]
    assert unmarked('messages.success(request, "Published.")') == ["line 1: success(...) with a plain string"]
    assert unmarked('raise Http404("Not ready.")') == ["line 1: Http404(...) with a plain string"]
    assert unmarked('errors.append(RowError(7, f"code {c} is used"))') == ["line 1: RowError(...) with an f-string"]
    assert unmarked('raise PermissionDenied(f"{r} is not yours.")') == [
        "line 1: PermissionDenied(...) with an f-string"
    ]
    # A module-level constant is read where it is defined.
    assert unmarked('NOPE = "No round."\nraise BmaError(codes.X, NOPE)') == [
        "line 2: BmaError(...) with the constant NOPE, a plain string"
    ]
    marked = [
        'raise BmaError(codes.X, _("Closed."))',
        'raise BmaError(codes.X, message_lazy(_("%(r)s closed."), r=r))',
        'raise BmaError(codes.X, gettext("%(r)s closed.") % {"r": r})',
        'raise BmaError(codes.X, message=pgettext_lazy("round", "Closed."))',
        'raise ValidationError(_("Pick one."), code="pick")',
        'NOPE = _("No round.")\nraise BmaError(codes.X, NOPE)',
        "raise BmaError(codes.X, exc.message)",
        "raise BmaError(codes.X, str(exc))",
        "raise ValidationError(errors)",
        'messages.error(request, "Refused.")',  # in an admin module: test_marked_admin's
    ]
    assert [unmarked(s, in_admin="messages" in s) for s in marked] == [[]] * len(marked)


def test_a_constant_imported_from_another_module_of_ours_is_read_where_it_is_defined():
    trees = {
        "bma.rounds.services": ast.parse('NO_ROUND = "No round."\nMARKED = _("Marked.")'),
        "bma.submissions.services": ast.parse("from bma.rounds.services import NO_ROUND, MARKED"),
    }
    constants = Constants(trees)
    source = "from bma.rounds.services import NO_ROUND, MARKED\nBmaError(c, NO_ROUND)\nBmaError(c, MARKED)"
    assert unmarked(source, "bma.submissions.services", constants) == [
        "line 2: BmaError(...) with the constant NO_ROUND, a plain string"
    ]
