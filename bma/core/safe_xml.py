"""expat with defusedxml's rules, for reading submissions without building an ElementTree.

No DTD (so no entity definitions, hence no expansion bombs) and no external references (no XXE).
ElementTree's per-element Python work was most of the cost of reading a submission; expat's own
callbacks are enough to read a header or build a plain tree. Pure code.
"""

from __future__ import annotations

from xml.parsers import expat


class XmlRefused(Exception):
    """The document declares a DTD, entities or external references."""


def _refuse(*args) -> None:
    raise XmlRefused


def expat_parser():
    """A namespace-aware expat parser (names as 'uri}local') that refuses DTDs and entities."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    return parser


def local_name(name: str) -> str:
    return name.rpartition("}")[2]
