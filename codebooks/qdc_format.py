"""REFI-QDA codebooks (.qdc), the exchange format of NVivo, ATLAS.ti, MAXQDA and QualCoder.

REFI has no fields for inclusion/exclusion notes, examples or keywords, so they are folded
into the end of the code's Description as labelled lines after a "---" line, and parsed
back on reading (a value's further lines are indented by two spaces):

    <free description>

    ---
    Include: when to use the code
    Exclude: when not to use it
    Examples: first example | second example
    Keywords: keyword | another keyword

Other tools show this as readable text; a description without such a block (what other
tools write) stays plain, even if it has lines that start like labels.
The file is untrusted: no DTD, no entity expansion, no network, and it must match the schema.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from lxml import etree

from corpus.errors import InputError

from .fields import clean_color, clean_text, join_list, read_bytes, split_list
from .model import Code, Codebook, stable_guid

NS = "urn:QDA-XML:codebook:1.0"
SCHEMA_PATH = Path(__file__).parent / "schema" / "Codebook.xsd"
ORIGIN = "Cocode"
_CODE = f"{{{NS}}}Code"
_DESCRIPTION = f"{{{NS}}}Description"
_LABELS = {"Include": "inclusion", "Exclude": "exclusion", "Examples": "examples",
           "Keywords": "keywords"}
_LABEL_LINE = re.compile(r"(Include|Exclude|Examples|Keywords): ?(.*)")
_CONTINUATION = "  "
MARKER = "---"


@cache
def schema() -> etree.XMLSchema:
    """The REFI-QDA codebook schema (a copy of the published Codebook.xsd)."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def fold_description(code: Code) -> str:
    """The REFI Description text carrying all of a code's notes."""
    lines = []
    for label, attr in _LABELS.items():
        value = getattr(code, attr)
        if not value:
            continue
        text = join_list(value) if isinstance(value, list) else value
        lines.append(f"{label}: " + text.replace("\n", "\n" + _CONTINUATION))
    description = code.description
    if not lines and unfold_description(description)["description"] == description:
        return description
    # Also reached when the description itself ends like a notes block: the extra
    # marker keeps it from being read back as notes.
    head = f"{description}\n\n" if description else ""
    return head + "\n".join([MARKER, *lines])


def unfold_description(text: str) -> dict[str, str | list[str]]:
    """Split a Description into description, inclusion, exclusion, examples and keywords.

    Only a block after the last marker line, made of nothing but labelled lines, counts;
    any other text is a plain description.
    """
    text = clean_text(text)
    lines = text.split("\n")
    plain: dict[str, str | list[str]] = {"description": text}
    markers = [i for i, line in enumerate(lines) if line == MARKER]
    if not markers:
        return plain
    start = markers[-1]
    if start > 0 and lines[start - 1] != "":
        return plain
    values: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lines[start + 1:]:
        label = _LABEL_LINE.fullmatch(line)
        if label and label.group(1) not in values:
            current = values[label.group(1)] = [label.group(2)]
        elif current is not None and line.startswith(_CONTINUATION):
            current.append(line[len(_CONTINUATION):])
        else:
            return plain
    fields: dict[str, str | list[str]] = {"description": "\n".join(lines[:start]).strip()}
    for label, parts in values.items():
        attr = _LABELS[label]
        joined = "\n".join(parts)
        fields[attr] = split_list(joined) if attr in ("examples", "keywords") else clean_text(joined)
    return fields


def read_qdc(path: Path) -> Codebook:
    data = read_bytes(path)
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise InputError(path, f"is not well-formed XML: {exc}") from None
    except (etree.LxmlError, ValueError) as exc:
        raise InputError(path, f"cannot be parsed as XML: {exc}") from None
    if root is None:
        raise InputError(path, "has no codes")
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise InputError(path, "has a DOCTYPE, which REFI-QDA files do not use; refusing it")
    if not schema().validate(tree):
        error = schema().error_log[0]
        raise InputError(
            path, f"does not match the REFI-QDA codebook schema (line {error.line}): {error.message}"
        )
    codes: list[Code] = []
    codes_el = root.find(f"{{{NS}}}Codes")
    for element in codes_el.iterchildren(_CODE):
        _collect(element, (), codes)
    codebook = Codebook(name=path.stem, codes=codes)
    codebook.validate(str(path))
    return codebook


def _collect(element: etree._Element, parent: tuple[str, ...], out: list[Code]) -> None:
    description_el = element.find(_DESCRIPTION)
    fields = unfold_description(description_el.xpath("string()") if description_el is not None else "")
    name = clean_text(element.get("name"))
    guid = (element.get("guid") or "").strip()
    if guid.strip("{}").lower() == stable_guid(parent + (name,)):
        guid = ""  # ours, derived from the path: keep the model free of it
    code = Code(
        name=name,
        parent=parent,
        codable=(element.get("isCodable") or "").strip() in ("true", "1"),
        color=clean_color(element.get("color")),
        guid=guid or None,
        **fields,
    )
    out.append(code)
    for child in element.iterchildren(_CODE):
        _collect(child, code.path, out)


def codebook_to_xml(codebook: Codebook) -> etree._ElementTree:
    root = etree.Element(f"{{{NS}}}CodeBook", nsmap={None: NS}, origin=ORIGIN)
    containers: dict[tuple[str, ...], etree._Element] = {
        (): etree.SubElement(root, f"{{{NS}}}Codes")
    }
    for code in codebook.codes:
        element = etree.SubElement(containers[code.parent], _CODE)
        element.set("guid", code.qda_guid)
        element.set("name", code.name)
        element.set("isCodable", "true" if code.codable else "false")
        if code.color:
            element.set("color", code.color)
        description = fold_description(code)
        if description:
            etree.SubElement(element, _DESCRIPTION).text = description
        containers[code.path] = element
    return etree.ElementTree(root)


def write_qdc(codebook: Codebook, path: Path) -> None:
    try:
        data = etree.tostring(
            codebook_to_xml(codebook), xml_declaration=True, encoding="utf-8", pretty_print=True
        )
    except ValueError as exc:  # text XML cannot carry, e.g. control characters
        raise InputError(path, f"cannot be written as REFI-QDA XML: {exc}") from None
    path.write_bytes(data)
