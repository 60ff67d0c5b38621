"""What a submission answers, whichever protocol carried it. Pure code.

One instance can reach the store twice by two roads: sent by Collect over OpenRosa (XML) and forwarded
by a Kobo REST service (JSON), or the other way round. Their bytes differ, so the byte comparison that
tells an identical resend from a conflicting one cannot compare them; these answers can. Each answer is
(path of question names from the root, value); repeat items are not numbered (the XML does not say which
elements are repeats), so two answer sets are compared as multisets.
"""

from __future__ import annotations

from collections import Counter

from bma.core.safe_xml import expat_parser, local_name
from bma.submissions.header import kobo_json_load, kobo_scalar_text
from bma.submissions.models import PayloadFormat

Answers = Counter  # Counter[tuple[str, str]]

# What Kobo adds to a record that the XML Collect sent has not: its own keys at the root (_id, _uuid,
# __version__, _attachments...), formhub/uuid, and meta/rootUuid on an edit.
KOBO_ONLY = ("formhub/", "meta/rootUuid")


def payload_answers(payload: bytes, payload_format: str) -> Answers:
    answers = _kobo_answers(payload) if payload_format == PayloadFormat.KOBO_JSON else _xml_answers(payload)
    return Counter({answer: n for answer, n in answers.items() if not answer[0].startswith(KOBO_ONLY)})


def _xml_answers(payload: bytes) -> Answers:
    answers: Answers = Counter()
    path: list[str] = []
    texts: list[list[str]] = []
    has_children: list[bool] = []

    def start(name, attributes):
        if has_children:
            has_children[-1] = True
        path.append(local_name(name))
        texts.append([])
        has_children.append(False)

    def end(name):
        text = "".join(texts.pop()).strip()
        leaf = not has_children.pop()
        if leaf and text and len(path) > 1:
            answers["/".join(path[1:]), text] += 1  # the root element names the form, not a question
        path.pop()

    def data(text):
        texts[-1].append(text)

    parser = expat_parser()
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, data
    parser.Parse(payload, True)
    return answers


def _kobo_answers(payload: bytes) -> Answers:
    answers: Answers = Counter()
    record = kobo_json_load(payload)
    stack = [(record, "")]
    while stack:
        node, prefix = stack.pop()
        for key, value in node.items():
            key = str(key)
            if not prefix and key.startswith("_"):
                continue  # Kobo's own metadata, as kobo_tree leaves it out
            # Keys inside a repeat item are full paths from the root already (kobocat's shape).
            full = key if not prefix or key.startswith(prefix + "/") else f"{prefix}/{key}"
            if isinstance(value, dict):
                stack.append((value, full))
            elif isinstance(value, list) and any(isinstance(item, dict) for item in value):
                stack.extend((item, full) for item in value if isinstance(item, dict))
            else:
                text = " ".join(map(kobo_scalar_text, value)) if isinstance(value, list) else kobo_scalar_text(value)
                if text.strip():
                    answers[full, text.strip()] += 1
    return answers


def same_answers(stored_payload: bytes, stored_format: str, payload: bytes, payload_format: str) -> bool:
    return payload_answers(stored_payload, stored_format) == payload_answers(payload, payload_format)
