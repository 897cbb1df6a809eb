"""Reading a REFI-QDA project (.qdpx) written by NVivo, ATLAS.ti, MAXQDA, QualCoder or Cocode.

The archive is untrusted: it is read through `SafeZip` (no path leaves the archive, entry count
and expanded size capped), its XML is parsed with no DTD, no entity expansion and no network, and
it must match Project.xsd (the first schema error is reported). Everything is written into the
caller's one transaction; any problem raises InputError naming the file, so the caller's rollback
leaves the database exactly as it was.

What is read: users become coders (so imported double coding is ready for the agreement tools),
the codebook is merged by path (nested codes kept), each text source becomes a document (reused
when the same text is already in the project), each PlainTextSelection becomes the segment with
exactly those offsets (created when it falls between our units), each Coding a confirmed coding
of its user, cases and their variables respondent attributes, notes memos. Positions count
characters of the text as the tool wrote it (``\\r\\n``, BOM, decomposed accents); they are mapped
onto our normalised text (see offsets.py).
"""
from __future__ import annotations

import os
import posixpath
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from codebooks.fields import clean_color, clean_text
from codebooks.model import Code as BookCode
from codebooks.model import Codebook, stable_guid
from codebooks.qdc_format import unfold_description
from corpus import normalise_respondent, transcript_from_text
from corpus.errors import InputError
from corpus.textio import decode_bytes
from models import Coder, Document, Memo, Segment

from ..codebook_store import code_paths, import_codebook
from ..coders import get_coder
from ..codings import set_coding
from ..codings_io import segment_for_offsets
from ..errors import CocodeError
from ..ingest import get_case, store_transcript
from .common import clean_guid, parse_datetime, q, schema
from .offsets import normalise_with_map
from .safe_zip import SafeZip

DEFAULT_CODER = "imported"


@dataclass
class QdpxImport:
    """What an import did, for the CLI and the UI."""

    documents: list[str] = field(default_factory=list)
    reused_documents: list[str] = field(default_factory=list)
    codes_added: int = 0
    codes_updated: int = 0
    coders: list[str] = field(default_factory=list)
    codings: int = 0
    segments_created: int = 0
    cases: int = 0
    memos: int = 0
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


class _Fail(Exception):
    """A problem with the file's content; becomes InputError(path, message)."""


def _parse(data: bytes, where: str) -> etree._ElementTree:
    # Refuse a DTD before parsing: entity tricks (billion laughs, external entities) need one, REFI files have none.
    head = data[:65536]
    if re.search(rb"<!DOCTYPE", head, re.IGNORECASE) or re.search(rb"<\x00!\x00D\x00O\x00C\x00T\x00Y\x00P\x00E", head):
        raise _Fail(f"{where} has a DOCTYPE, which REFI-QDA files do not use; refusing it (entity expansion attack?)")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise _Fail(f"{where} is not well-formed XML: {exc}") from None
    except (etree.LxmlError, ValueError) as exc:
        raise _Fail(f"{where} cannot be parsed as XML: {exc}") from None
    if root is None:
        raise _Fail(f"{where} is empty")
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise _Fail(f"{where} has a DOCTYPE, which REFI-QDA files do not use; refusing it (entity expansion attack?)")
    if not schema().validate(tree):
        err = schema().error_log[0]
        raise _Fail(f"{where} does not match the REFI-QDA project schema (line {err.line}): {err.message}")
    return tree


def _project_entry(z: SafeZip) -> str:
    found = z.find("project.qde")
    if found:
        return found
    qde = [n for n in z.names() if n.lower().endswith(".qde") and "/" not in n.strip("/")]
    if len(qde) == 1:
        return qde[0]
    raise _Fail("has no project.qde (is it a REFI-QDA .qdpx project?)")


def _internal_entry(z: SafeZip, url: str, what: str) -> str:
    """'internal://x.txt' -> the zip entry sources/x.txt (or Sources/x.txt); nothing outside the archive."""
    if not url.lower().startswith("internal://"):
        raise _Fail(f"{what} refers to a file outside the archive ({url}); export the project with its "
                    "sources embedded")
    name = url[len("internal://"):].replace("\\", "/").lstrip("/")
    if not name or ".." in name.split("/"):
        raise _Fail(f"{what} has an unsafe path {url!r}")
    for candidate in (f"sources/{name}", name, posixpath.basename(name)):
        found = z.find(candidate) if candidate else None
        if found:
            return found
    raise _Fail(f"{what}: {url} is missing from the archive")


def _text_of(z: SafeZip, el: etree._Element, what: str) -> str | None:
    """The plain text of a TextSource or Note: inline PlainTextContent, else its plainTextPath twin."""
    content = el.find(q("PlainTextContent"))
    if content is not None:
        return content.text or ""
    path = el.get("plainTextPath")
    if path:
        entry = _internal_entry(z, path, what)
        try:
            return decode_bytes(z.read(entry), f"{z.path.name}!{entry}")
        except InputError as exc:
            raise _Fail(f"{what}: {exc.problem}") from None
    return None


def _codebook(root: etree._Element, name: str) -> tuple[Codebook | None, dict[str, tuple[str, ...]]]:
    """The CodeBook as our Codebook, and guid -> code path."""
    codes_el = root.find(f"{q('CodeBook')}/{q('Codes')}")
    if codes_el is None:
        return None, {}
    codes: list[BookCode] = []
    by_guid: dict[str, tuple[str, ...]] = {}

    def walk(el: etree._Element, parent: tuple[str, ...]) -> None:
        desc_el = el.find(q("Description"))
        fields = unfold_description(desc_el.xpath("string()") if desc_el is not None else "")
        code_name = clean_text(el.get("name"))
        path = parent + (code_name,)
        guid = clean_guid(el.get("guid"))
        if guid in by_guid:
            raise _Fail(f"code guid {el.get('guid')} is used twice")
        by_guid[guid] = path
        codes.append(BookCode(
            name=code_name, parent=parent, codable=(el.get("isCodable") or "").strip() in ("true", "1"),
            color=clean_color(el.get("color")), guid=None if guid == stable_guid(path) else guid, **fields,
        ))
        for child in el.iterchildren(q("Code")):
            walk(child, path)

    for el in codes_el.iterchildren(q("Code")):
        walk(el, ())
    return Codebook(name=name, codes=codes), by_guid


def _variable_value(vv: etree._Element) -> object:
    for child in vv:
        tag = etree.QName(child).localname
        text = (child.text or "").strip()
        if tag == "TextValue":
            return child.text or ""
        if tag == "BooleanValue":
            return text in ("true", "1")
        if tag == "IntegerValue":
            return int(text)
        if tag == "FloatValue":
            value = float(text)
            return value
        if tag in ("DateValue", "DateTimeValue"):
            return text
    return None


def _unique_name(s: Session, name: str) -> str:
    candidate, n = name, 1
    while s.scalar(select(Document.id).where(Document.name == candidate)) is not None:
        n += 1
        candidate = f"{name} ({n})"
    return candidate


def import_qdpx(s: Session, path: str | os.PathLike, *, unit: str = "turn", max_bytes: int | None = None) -> QdpxImport:
    """Import a .qdpx into the open transaction (all or nothing: any problem raises InputError)."""
    path = Path(path)
    try:
        with SafeZip(path, max_bytes=max_bytes) as z:
            return _import(s, z, path, unit)
    except InputError:
        raise
    except _Fail as exc:
        raise InputError(path, str(exc)) from None
    except (CocodeError, ValueError, KeyError) as exc:
        raise InputError(path, f"cannot be imported: {exc}") from exc
    except SQLAlchemyError as exc:
        raise InputError(path, f"cannot be stored: {getattr(exc, 'orig', None) or exc}") from exc
    except (RecursionError, MemoryError):
        raise InputError(path, "is nested too deeply or too large to import") from None


def _import(s: Session, z: SafeZip, path: Path, unit: str) -> QdpxImport:
    report = QdpxImport()
    entry = _project_entry(z)
    root = _parse(z.read(entry), entry).getroot()

    # users -> coders
    user_name: dict[str, str] = {}
    users_el = root.find(q("Users"))
    for u in users_el.iterchildren(q("User")) if users_el is not None else []:
        g = clean_guid(u.get("guid"))
        name = clean_text(u.get("name") or u.get("id") or "") or f"user-{g[:8]}"
        user_name[g] = name

    def coder_for(*guids: str | None) -> str:
        for g in guids:
            g = clean_guid(g)
            if g:
                name = user_name.get(g) or f"user-{g[:8]}"
                break
        else:
            name = DEFAULT_CODER
        coder = get_coder(s, name)
        if coder.role in ("model", "consensus"):
            raise _Fail(f"user {name!r} has the name of Cocode's {coder.role} coder; rename the user before importing")
        if name not in report.coders:
            report.coders.append(name)
        return name

    for g, name in user_name.items():
        coder = s.scalar(select(Coder).where(Coder.name == name))
        if coder is not None and not coder.guid:
            coder.guid = g

    # codebook, merged by path
    book, code_path = _codebook(root, root.get("name") or path.stem)
    code_id: dict[str, int] = {}
    if book is not None and book.codes:
        try:
            book.validate(str(path))
        except InputError as exc:
            raise _Fail(f"its codebook: {exc.problem}") from None
        result = import_codebook(s, book)
        report.codes_added, report.codes_updated = result.added, result.updated
        id_by_path = {p: i for i, p in code_paths(s).items()}
        code_id = {g: id_by_path[p] for g, p in code_path.items()}

    def code_for(ref: etree._Element | None, where: str) -> int:
        g = clean_guid(ref.get("targetGUID")) if ref is not None else None
        if g not in code_id:
            raise _Fail(f"{where}: a coding refers to code {ref.get('targetGUID') if ref is not None else '?'}, "
                        "which is not in the codebook")
        return code_id[g]

    # notes first (memos are created at the end, once their targets are known)
    note_targets: dict[str, dict[str, int]] = defaultdict(dict)

    # sources
    doc_by_guid: dict[str, Document] = {}
    seg_by_selection: dict[str, Segment] = {}
    sources_el = root.find(q("Sources"))
    for src in sources_el if sources_el is not None else []:
        kind = etree.QName(src).localname
        name = clean_text(src.get("name")) or clean_guid(src.get("guid"))
        if kind != "TextSource":
            report.warnings.append(f"skipped {kind} {name!r}: only text sources are imported")
            continue
        what = f"source {name!r}"
        raw = _text_of(z, src, what)
        if raw is None:
            if src.get("richTextPath"):
                raise _Fail(f"{what} has only a rich-text copy ({src.get('richTextPath')}) and no plain-text twin; "
                            "positions need the plain text")
            raise _Fail(f"{what} has neither PlainTextContent nor plainTextPath")
        text, position = normalise_with_map(raw)
        if not text.strip():
            report.warnings.append(f"skipped {what}: its text is empty")
            continue
        doc = _document(s, text, name, unit, clean_guid(src.get("guid")), report)
        doc_by_guid[clean_guid(src.get("guid"))] = doc
        known = set(s.scalars(select(Segment.id).where(Segment.document_id == doc.id)))

        def segment(start: int, end: int) -> Segment:
            seg = segment_for_offsets(s, doc, start, end)
            if seg.id not in known:
                known.add(seg.id)
                report.segments_created += 1
            return seg

        def to_ours(value: str, limit: int = len(raw)) -> int:
            p = int(value)
            if not 0 <= p <= limit:
                raise _Fail(f"{what}: position {p} lies outside its {limit} characters")
            return position[p]

        for sel in src.iterchildren(q("PlainTextSelection")):
            start, end = to_ours(sel.get("startPosition")), to_ours(sel.get("endPosition"))
            if start > end:
                start, end = end, start
            label = f"{what}, selection {sel.get('startPosition')}-{sel.get('endPosition')}"
            if start == end:
                report.warnings.append(f"skipped {label}: it selects no text")
                continue
            seg = segment(start, end)
            seg_by_selection[clean_guid(sel.get("guid"))] = seg
            for coding in sel.iterchildren(q("Coding")):
                coder = coder_for(coding.get("creatingUser"), sel.get("creatingUser"), src.get("creatingUser"))
                row = set_coding(s, seg.id, code_for(coding.find(q("CodeRef")), label), coder,
                                 status="confirmed", source="import")
                created = parse_datetime(coding.get("creationDateTime") or sel.get("creationDateTime"))
                if created is not None:
                    row.created_at = created
                report.codings += 1
            for ref in sel.iterchildren(q("NoteRef")):
                note_targets[clean_guid(ref.get("targetGUID"))].update(segment_id=seg.id, document_id=doc.id)
        for coding in src.iterchildren(q("Coding")):  # a code on the whole source
            seg = segment(0, len(doc.text))
            coder = coder_for(coding.get("creatingUser"), src.get("creatingUser"))
            set_coding(s, seg.id, code_for(coding.find(q("CodeRef")), what), coder, status="confirmed", source="import")
            report.codings += 1
        for ref in src.iterchildren(q("NoteRef")):
            note_targets[clean_guid(ref.get("targetGUID"))].setdefault("document_id", doc.id)
        if src.find(q("VariableValue")) is not None:
            report.warnings.append(f"{what}: variables on sources are not imported (only variables of cases)")

    # cases and their variables
    var_name: dict[str, str] = {}
    vars_el = root.find(q("Variables"))
    for v in vars_el if vars_el is not None else []:
        var_name[clean_guid(v.get("guid"))] = clean_text(v.get("name"))
    cases_el = root.find(q("Cases"))
    for case_el in cases_el if cases_el is not None else []:
        raw_name = clean_text(case_el.get("name")) or clean_guid(case_el.get("guid"))
        normalised = normalise_respondent(raw_name)  # "OS1, R1" -> "OS1-R1", like ingest; other names kept
        code = normalised if normalised and "-" in normalised else raw_name
        attrs: dict[str, object] = {}
        for vv in case_el.iterchildren(q("VariableValue")):
            ref = vv.find(q("VariableRef"))
            key = var_name.get(clean_guid(ref.get("targetGUID")))
            if key is None:
                raise _Fail(f"case {raw_name!r} has a value of an undeclared variable {ref.get('targetGUID')}")
            value = _variable_value(vv)
            if value not in (None, ""):
                attrs[key] = value
        case = get_case(s, code, attrs)
        if not case.guid:
            case.guid = clean_guid(case_el.get("guid"))
        report.cases += 1
        for ref in case_el.iterchildren(q("SourceRef")):
            doc = doc_by_guid.get(clean_guid(ref.get("targetGUID")))
            if doc is None:
                continue
            doc.case = case
            for seg in s.scalars(select(Segment).where(Segment.document_id == doc.id, Segment.case_id.is_(None),
                                                       Segment.is_interviewer.is_(False))):
                seg.case_id = case.id
        for ref in case_el.iterchildren(q("SelectionRef")):
            seg = seg_by_selection.get(clean_guid(ref.get("targetGUID")))
            if seg is not None:
                seg.case_id = case.id
        for ref in case_el.iterchildren(q("CodeRef")):
            report.warnings.append(f"case {raw_name!r}: codes on cases are not imported")
            break

    # notes -> memos
    for el in root.iter(q("Code")):
        for ref in el.iterchildren(q("NoteRef")):
            g = clean_guid(el.get("guid"))
            if g in code_id:
                note_targets[clean_guid(ref.get("targetGUID"))]["code_id"] = code_id[g]
    notes_el = root.find(q("Notes"))
    for note in notes_el if notes_el is not None else []:
        g = clean_guid(note.get("guid"))
        text = _text_of(z, note, f"note {note.get('name') or g!r}")
        text = (text or "").strip()
        if not text:
            continue
        author = coder_for(note.get("creatingUser")) if note.get("creatingUser") else None
        memo = Memo(text=text, coder=get_coder(s, author) if author else None, guid=g, **note_targets.get(g, {}))
        created = parse_datetime(note.get("creationDateTime"))
        if created is not None:
            memo.created_at = created
        s.add(memo)
        report.memos += 1

    s.flush()
    return report


def _document(s: Session, text: str, name: str, unit: str, guid: str | None, report: QdpxImport) -> Document:
    """The project's document with exactly this text, else a new one segmented like an ingested file."""
    t = transcript_from_text(text, name=name, unit=unit)
    if t.text != text:
        raise _Fail(f"source {name!r}: its text changes when normalised; positions would not line up")
    existing = s.scalar(select(Document).where(Document.content_hash == t.content_hash))
    if existing is not None:
        report.reused_documents.append(existing.name)
        return existing
    doc = store_transcript(s, t, unit, _unique_name(s, name))
    doc.source_filename = name
    doc.guid = guid
    report.documents.append(doc.name)
    return doc
