"""Every word a template of ours shows is marked for translation.

The text between template tags is what a reader sees: once markup, scripts, styles, entities and
template variables are taken out, no letters may be left outside {% translate %} or
{% blocktranslate %}. Attributes a reader sees or hears (title, placeholder, aria-label, alt, a button's value) count too.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.template.base import Lexer, TokenType

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
SHOWN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
# Words that stay as they are in every language: codes, units, names of things.
ALLOWED = {"BMA", "ODK", "Collect", "XLSX", "CSV", "PDF", "JSON", "QR", "GPS", "B1", "B2", "km", "API", "IOM", "DTM"}
WORD = re.compile(r"[^\W\d_]{2,}")


class _ShownText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        button = tag == "input" and dict(attrs).get("type") in ("submit", "button")
        for name, value in attrs:
            if (name in SHOWN_ATTRIBUTES or (button and name == "value")) and value:
                self.words += WORD.findall(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.words += WORD.findall(data)


def unmarked_words(source: str) -> list[str]:
    """The words outside translation blocks, with template tags and variables replaced by nothing."""
    shown, inside, hidden_block = [], 0, False
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            words = token.contents.split()
            name = words[0] if words else ""
            if words[:2] == ["block", "bodyclass"]:
                hidden_block = True  # CSS class names of <body>, not text
            elif name == "endblock":
                hidden_block = False
            if name in ("blocktranslate", "blocktrans"):
                inside += 1
            elif name in ("endblocktranslate", "endblocktrans"):
                inside -= 1
            # A tag inside an attribute (title="{% translate ... %}") leaves the attribute's other words.
            shown.append("")
        elif token.token_type == TokenType.TEXT and not inside and not hidden_block:
            shown.append(token.contents)
        else:
            shown.append("")
    parser = _ShownText()
    parser.feed("".join(shown))
    parser.close()
    return [w for w in parser.words if w not in ALLOWED]


def our_templates():
    return sorted(p for p in TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize("template", our_templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_words_outside_translation_tags(template):
    assert unmarked_words(template.read_text()) == []


def test_the_check_sees_plain_words_and_attributes_and_lets_marked_ones_pass():
    assert unmarked_words("<p>Hello {{ name }}</p>") == ["Hello"]
    assert unmarked_words('<input placeholder="Search villages">') == ["Search", "villages"]
    assert unmarked_words('<input type="submit" value="Publish"><input type="hidden" value="approve">') == ["Publish"]
    assert unmarked_words("<p>{% translate 'Hello' %} {% blocktranslate %}Hi {{ n }}{% endblocktranslate %}</p>") == []
    assert unmarked_words("<script>const label = 'not shown';</script><style>p{color:red}</style>") == []
    assert unmarked_words("<p>ODK Collect, 5 km</p>") == []
