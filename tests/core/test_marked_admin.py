"""Every word the admin screens of ours show is marked for translation: action and column
descriptions, form labels, help texts and placeholders, filter titles, and the messages the desk
sends after an action. The check reads the source (AST), so it needs no page to be rendered."""

import ast
from pathlib import Path

import pytest

BMA = Path(__file__).resolve().parents[2] / "bma"
SHOWN_KEYWORDS = {"description", "label", "help_text", "placeholder", "title", "short_description", "empty_label"}
MESSAGE_CALLS = {"message_user", "success", "error", "warning", "info"}
# Calls whose arguments end up in the message after an action ("3 rounds opened").
ACTION_MESSAGE_CALLS = {"run_service_action", "_review", "_decide"}
# Words that stay as they are: names of formats and products.
ALLOWED = {"XLSForm", "XLSX", "CSV", "JSON", "PDF", "ODK Collect", "KoboToolbox", "ODK Central"}


def admin_sources():
    return sorted(p for p in BMA.glob("*/*.py") if p.name in ("admin.py", "desk.py") or p.name.endswith("_admin.py"))


def plain_text(node) -> str | None:
    """A str literal or f-string that a reader would see (not wrapped in a gettext call)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and any(c.isalpha() for c in node.value):
        return node.value
    if isinstance(node, ast.JoinedStr):
        literal = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
        # "{obj}: {exc.message}" carries no words of its own: its parts are translated where they are made.
        return ast.unparse(node) if any(c.isalpha() for c in literal) else None
    return None


def unmarked(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg in SHOWN_KEYWORDS and (text := plain_text(keyword.value)):
                    found.append(f"{keyword.arg}={text!r} (line {node.lineno})")
                # widget attrs={"placeholder": "..."}
                if keyword.arg == "attrs" and isinstance(keyword.value, ast.Dict):
                    for key, value in zip(keyword.value.keys, keyword.value.values, strict=True):
                        shown = isinstance(key, ast.Constant) and key.value in ("placeholder", "title")
                        if shown and (text := plain_text(value)):
                            found.append(f"{key.value}={text!r} (line {node.lineno})")
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name in ACTION_MESSAGE_CALLS:
                for arg in node.args:
                    if text := plain_text(arg):
                        found.append(f"{name}({text!r}) (line {node.lineno})")
            if name in MESSAGE_CALLS:
                for arg in node.args[1:2]:
                    if text := plain_text(arg):
                        found.append(f"{name}({text!r}) (line {node.lineno})")
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                is_title = isinstance(item, ast.Assign) and any(getattr(t, "id", "") == "title" for t in item.targets)
                if is_title and (text := plain_text(item.value)):
                    found.append(f"title={text!r} (line {item.lineno})")
        sets_title = isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Attribute) and t.attr == "title" and getattr(t.value, "id", "") == "self"
            for t in node.targets
        )
        if sets_title and (text := plain_text(node.value)):
            found.append(f"self.title={text!r} (line {node.lineno})")
        # form.base_fields["seed"].help_text = "..."
        sets_shown = isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Attribute) and t.attr in SHOWN_KEYWORDS - {"title"} for t in node.targets
        )
        if sets_shown and (text := plain_text(node.value)):
            found.append(f".{node.targets[0].attr}={text!r} (line {node.lineno})")
    return [f for f in found if not any(f"={a!r}" in f for a in ALLOWED)]


@pytest.mark.parametrize("source", admin_sources(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_unmarked_words_in_the_admin(source):
    assert unmarked(source.read_text()) == []


def test_the_check_sees_plain_strings_and_lets_marked_ones_pass():
    assert unmarked('admin.action(description="Resolve")') == ["description='Resolve' (line 1)"]
    assert unmarked('admin.action(description=_("Resolve"))') == []
    assert unmarked('self.message_user(request, f"{n} done")') == ["message_user(\"f'{n} done'\") (line 1)"]
    assert unmarked('run_service_action(self, request, qs, open_it, "rounds opened")') == [
        "run_service_action('rounds opened') (line 1)"
    ]
    assert (
        unmarked('self._review(request, qs, state, ngettext_lazy("%(count)d done", "%(count)d done", "count"))') == []
    )
    assert unmarked('form.base_fields["seed"].help_text = "Leave empty"') == [".help_text='Leave empty' (line 1)"]
    assert unmarked('class F:\n    title = "received on"') == ["title='received on' (line 2)"]
    assert unmarked('forms.TextInput(attrs={"placeholder": "required"})') == ["placeholder='required' (line 1)"]
