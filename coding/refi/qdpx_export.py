"""The whole project as a REFI-QDA .qdpx, for NVivo, ATLAS.ti, MAXQDA and QualCoder.

What goes in: users (our coders), the codebook (shared with the .qdc writer, so a code looks the same
in both files), every document as a plain-text source in ``sources/``, every confirmed coding as a
PlainTextSelection of the exact character offsets with a Coding per code (one selection per segment
and coder, since several tools take the coder from the selection), respondents as cases with
variables for their attributes, and memos as notes. Guids are derived from stable keys when the
store has none, so exporting twice gives the same file. The result is checked against Project.xsd
before it is written.
"""
from __future__ import annotations

import os
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from codebooks.qdc_format import codebook_to_xml
from models import Case, Code, Coder, Coding, Document, Memo, Segment

from ..codebook_store import code_paths, export_codebook
from ..errors import CocodeError
from ..project import get_project
from .common import NS, ORIGIN, clean_guid, derived_guid, q, schema, xml_datetime


@dataclass
class QdpxExport:
    path: Path
    documents: int
    codes: int
    codings: int
    cases: int
    memos: int

    def as_dict(self) -> dict:
        return {"path": str(self.path), "documents": self.documents, "codes": self.codes, "codings": self.codings,
                "cases": self.cases, "memos": self.memos}


def _sub(parent: etree._Element, tag: str, **attrs: str | None) -> etree._Element:
    el = etree.SubElement(parent, q(tag))
    for k, v in attrs.items():
        if v is not None:
            el.set(k, v)
    return el


def _codebook(s: Session) -> tuple[etree._Element | None, dict[int, str], dict[int, etree._Element]]:
    """The project's CodeBook element (the .qdc writer's tree, moved into the project namespace),
    code id -> guid, code id -> its Code element (to hang NoteRefs on)."""
    if s.scalar(select(Code.id).limit(1)) is None:
        return None, {}, {}
    book = export_codebook(s)
    tree = codebook_to_xml(book)
    guid_by_path = {c.path: c.qda_guid for c in book.codes}
    for el in tree.getroot().iter():
        el.tag = q(etree.QName(el).localname)
    etree.cleanup_namespaces(tree.getroot(), top_nsmap={None: NS})
    root = tree.getroot()
    root.attrib.clear()
    element_by_guid = {el.get("guid"): el for el in root.iter(q("Code"))}
    paths = code_paths(s)
    guid_of = {cid: guid_by_path[p] for cid, p in paths.items()}
    return root, guid_of, {cid: element_by_guid[g] for cid, g in guid_of.items()}


def _add_noteref(el: etree._Element, note_guid: str) -> None:
    """NoteRef goes after Description (and after earlier NoteRefs) but before child Codes / VariableValues."""
    ref = etree.Element(q("NoteRef"), targetGUID=note_guid)
    after = None
    for child in el:
        if etree.QName(child).localname in ("Description", "PlainTextContent", "PlainTextSelection", "Coding", "NoteRef"):
            after = child
    if after is None:
        el.insert(0, ref)
    else:
        after.addnext(ref)


def _variable_type(values: list[object]) -> str:
    present = [v for v in values if v not in (None, "")]
    if present and all(isinstance(v, bool) for v in present):
        return "Boolean"
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "Integer"
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return "Float"
    return "Text"


def _value_text(v: object, kind: str) -> str:
    if kind == "Boolean":
        return "true" if v else "false"
    return str(v)


def build_project_xml(s: Session, *, crlf: bool = False) -> tuple[etree._ElementTree, dict[str, str]]:
    """(project.qde tree, {zip entry name: text}) for the whole project."""
    project = get_project(s)
    root = etree.Element(q("Project"), nsmap={None: NS})
    root.set("name", project.name or "Cocode project")
    root.set("origin", ORIGIN)
    root.set("creationDateTime", xml_datetime(project.created_at) or "")
    if not root.get("creationDateTime"):
        del root.attrib["creationDateTime"]

    coders = list(s.scalars(select(Coder).order_by(Coder.name)))
    user_guid = {c.id: clean_guid(c.guid) or derived_guid("user", c.name) for c in coders}
    if coders:
        users = _sub(root, "Users")
        for c in coders:
            _sub(users, "User", guid=user_guid[c.id], name=c.name, id=c.name)

    codebook_el, code_guid, code_el = _codebook(s)
    if codebook_el is not None:
        root.append(codebook_el)

    cases = list(s.scalars(select(Case).order_by(Case.code)))
    docs = list(s.scalars(select(Document).order_by(Document.name)))
    doc_guid = {d.id: clean_guid(d.guid) or derived_guid("source", d.content_hash) for d in docs}
    case_guid = {c.id: clean_guid(c.guid) or derived_guid("case", c.code) for c in cases}

    attr_values: dict[str, list[object]] = defaultdict(list)
    for c in cases:
        for k, v in (c.attributes or {}).items():
            attr_values[k].append(v)
    var_type = {k: _variable_type(v) for k, v in attr_values.items()}
    var_guid = {k: derived_guid("variable", k) for k in attr_values}
    if attr_values:
        variables = _sub(root, "Variables")
        for k in sorted(attr_values):
            _sub(variables, "Variable", guid=var_guid[k], name=k, typeOfVariable=var_type[k])

    # confirmed codings, grouped by (segment, coder) into selections
    rows = s.execute(
        select(Coding, Segment).join(Segment, Segment.id == Coding.segment_id)
        .where(Coding.status == "confirmed")
        .order_by(Segment.document_id, Segment.start_offset, Segment.end_offset, Coding.coder_id, Coding.code_id)
    ).all()
    selections: dict[int, dict[tuple[int, int], list[Coding]]] = defaultdict(lambda: defaultdict(list))
    seg_by_id: dict[int, Segment] = {}
    for coding, seg in rows:
        selections[seg.document_id][(seg.id, coding.coder_id)].append(coding)
        seg_by_id[seg.id] = seg

    memos = list(s.scalars(select(Memo).order_by(Memo.id)))
    memo_guid = {m.id: clean_guid(m.guid) or derived_guid("note", m.id, m.text) for m in memos}
    memo_segments: dict[int, list[Memo]] = defaultdict(list)
    for m in memos:
        if m.segment_id is not None:
            memo_segments[m.segment_id].append(m)
            seg = seg_by_id.get(m.segment_id) or s.get(Segment, m.segment_id)
            seg_by_id[seg.id] = seg
            if not any(k[0] == seg.id for k in selections[seg.document_id]):
                selections[seg.document_id][(seg.id, m.coder_id or 0)] = []

    def pos(doc: Document, offset: int) -> int:
        return offset + doc.text.count("\n", 0, offset) if crlf else offset

    files: dict[str, str] = {}
    selection_guid: dict[int, str] = {}  # segment id -> first selection guid (for case SelectionRefs)
    n_codings = 0
    if docs:
        sources = _sub(root, "Sources")
        for d in docs:
            g = doc_guid[d.id]
            src = _sub(sources, "TextSource", guid=g, name=d.name, plainTextPath=f"internal://{g}.txt",
                       creationDateTime=xml_datetime(d.imported_at))
            files[f"sources/{g}.txt"] = d.text.replace("\n", "\r\n") if crlf else d.text
            noted: set[int] = set()
            for (seg_id, coder_id), codings in sorted(selections.get(d.id, {}).items(),
                                                      key=lambda kv: (seg_by_id[kv[0][0]].start_offset,
                                                                      seg_by_id[kv[0][0]].end_offset, kv[0][1])):
                seg = seg_by_id[seg_id]
                sg = derived_guid("selection", g, seg.start_offset, seg.end_offset, coder_id)
                selection_guid.setdefault(seg_id, sg)
                first = codings[0] if codings else None
                sel = _sub(src, "PlainTextSelection", guid=sg, name=" ".join(seg.text.split())[:60],
                           startPosition=str(pos(d, seg.start_offset)), endPosition=str(pos(d, seg.end_offset)),
                           creatingUser=user_guid.get(coder_id),
                           creationDateTime=xml_datetime(first.created_at) if first else None)
                for c in codings:
                    cg = derived_guid("coding", sg, code_guid[c.code_id])
                    coding_el = _sub(sel, "Coding", guid=cg, creatingUser=user_guid.get(c.coder_id),
                                     creationDateTime=xml_datetime(c.created_at))
                    _sub(coding_el, "CodeRef", targetGUID=code_guid[c.code_id])
                    n_codings += 1
                if seg_id not in noted:
                    noted.add(seg_id)
                    for m in memo_segments.get(seg_id, []):
                        _sub(sel, "NoteRef", targetGUID=memo_guid[m.id])
            for m in memos:
                if m.document_id == d.id and m.segment_id is None:
                    _sub(src, "NoteRef", targetGUID=memo_guid[m.id])

    if cases:
        cases_el = etree.Element(q("Cases"))
        for c in cases:
            case_el = _sub(cases_el, "Case", guid=case_guid[c.id], name=c.code)
            for k, v in sorted((c.attributes or {}).items()):
                if v in (None, ""):
                    continue
                vv = _sub(case_el, "VariableValue")
                _sub(vv, "VariableRef", targetGUID=var_guid[k])
                _sub(vv, f"{var_type[k]}Value").text = _value_text(v, var_type[k])
            for d in docs:
                if d.case_id == c.id:
                    _sub(case_el, "SourceRef", targetGUID=doc_guid[d.id])
            doc_case = {d.id: d.case_id for d in docs}
            for seg_id, sg in selection_guid.items():
                seg = seg_by_id[seg_id]
                if seg.case_id == c.id and doc_case.get(seg.document_id) != c.id:
                    _sub(case_el, "SelectionRef", targetGUID=sg)
        # Cases come before Sources in the schema's sequence
        anchor = root.find(q("Sources"))
        if anchor is not None:
            anchor.addprevious(cases_el)
        else:
            root.append(cases_el)

    if memos:
        notes = etree.Element(q("Notes"))
        for m in memos:
            note = _sub(notes, "Note", guid=memo_guid[m.id], name=" ".join(m.text.split())[:60],
                        creatingUser=user_guid.get(m.coder_id) if m.coder_id else None,
                        creationDateTime=xml_datetime(m.created_at))
            _sub(note, "PlainTextContent").text = m.text
            if m.code_id is not None and m.code_id in code_el:
                _add_noteref(code_el[m.code_id], memo_guid[m.id])
        root.append(notes)
        for m in memos:
            if m.segment_id is None and m.document_id is None and m.code_id is None:
                _sub(root, "NoteRef", targetGUID=memo_guid[m.id])
    if project.description:
        desc = etree.Element(q("Description"))
        desc.text = project.description
        first_ref = root.find(q("NoteRef"))
        if first_ref is not None:
            first_ref.addprevious(desc)
        else:
            root.append(desc)

    tree = etree.ElementTree(root)
    if not schema().validate(tree):  # a bug of ours, never the user's data
        err = schema().error_log[0]
        raise CocodeError(f"internal error: the REFI-QDA export does not match Project.xsd (line {err.line}): {err.message}")
    return tree, files


def export_qdpx(s: Session, path: str | os.PathLike, *, crlf: bool = False) -> QdpxExport:
    """Write the project to `path` (.qdpx). crlf=True writes \\r\\n line endings, with positions counted
    in that text (what MAXQDA expects); the default keeps our \\n text and offsets unchanged."""
    path = Path(path)
    tree, files = build_project_xml(s, crlf=crlf)
    data = etree.tostring(tree, xml_declaration=True, encoding="utf-8", pretty_print=True)
    tmp = path.with_name(path.name + ".part")
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("project.qde", data)
            for name, text in files.items():
                zf.writestr(name, text.encode("utf-8"))
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise CocodeError(f"{path}: cannot write file ({exc.strerror or exc})") from None
    root = tree.getroot()
    return QdpxExport(
        path=path,
        documents=len(root.findall(f"{q('Sources')}/{q('TextSource')}")),
        codes=len(list(root.iter(q("Code")))),
        codings=len(list(root.iter(q("Coding")))),
        cases=len(root.findall(f"{q('Cases')}/{q('Case')}")),
        memos=len(root.findall(f"{q('Notes')}/{q('Note')}")),
    )
