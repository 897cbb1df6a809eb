"""REFI-QDA projects: export validates against the published schema and round-trips; files in other
tools' styles import with every coding on the right characters; hostile archives are refused whole."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import func, select

from conftest import ROOT, SHARED
from corpus.errors import InputError
from models import Case, Code, Coder, Coding, Document, Memo, Segment, open_database

from coding.codings_io import export_rows
from coding.project import cases
from coding.refi import export_qdpx, import_qdpx
from coding.refi.offsets import normalise_with_map
from coding.refi.safe_zip import SafeZip

from export_project import GOV, build_project

FIXTURES = ROOT / "tests" / "data" / "refi"
NS = "urn:QDA-XML:project:1.0"


def published_schema() -> etree.XMLSchema:
    xsd = SHARED / "refi-qda" / "Project.xsd"
    if not xsd.exists():  # the shared folder is outside the repository; fall back to our verbatim copy
        xsd = ROOT / "coding" / "refi" / "schema" / "Project.xsd"
    return etree.XMLSchema(etree.parse(str(xsd)))


def snapshot(db) -> dict:
    """What a round trip must keep: documents, codes, codings (offsets and users), case attributes, memos."""
    with db.session() as s:
        codes = {}
        for c in s.scalars(select(Code)):
            path = []
            node = c
            while node is not None:
                path.insert(0, node.name)
                node = node.parent
            codes[tuple(path)] = (c.codable, c.color, c.description, c.inclusion, c.exclusion,
                                  tuple(c.examples or []), tuple(c.keywords or []))
        return {
            "documents": sorted((d.name, d.text) for d in s.scalars(select(Document))),
            "codes": codes,
            "codings": sorted((r["document"], r["start"], r["end"], r["code"], r["coder"]) for r in export_rows(s)),
            "cases": cases(s),
            "doc_cases": sorted((d.name, d.case.code if d.case else None) for d in s.scalars(select(Document))),
            "memos": sorted((m.text, m.coder.name if m.coder else None, bool(m.segment_id), bool(m.document_id),
                             bool(m.code_id)) for m in s.scalars(select(Memo))),
        }


def counts(db) -> dict:
    with db.session() as s:
        return {m.__name__: s.scalar(select(func.count()).select_from(m))
                for m in (Document, Segment, Code, Coder, Coding, Case, Memo)}


def _qde(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as zf:
        return etree.fromstring(zf.read("project.qde"))


# --- export ----------------------------------------------------------------------------------------

def test_export_validates_against_the_published_schema(sqlite_db, tmp_path):
    build_project(sqlite_db)
    with sqlite_db.session() as s:
        result = export_qdpx(s, tmp_path / "p.qdpx")
    root = _qde(tmp_path / "p.qdpx")
    published_schema().assertValid(root.getroottree())
    assert (result.documents, result.codes, result.codings, result.cases, result.memos) == (2, 9, 8, 2, 3)
    n = {"q": NS}
    assert [u.get("name") for u in root.findall("q:Users/q:User", n)] == ["alice", "bob", "model"]
    gov = root.find(f"q:CodeBook/q:Codes/q:Code[@name='{GOV}']", n)
    assert gov.get("isCodable") == "false" and gov.get("color") == "#1f77b4"
    assert [c.get("name") for c in gov.findall("q:Code", n)] == ["Processes", "Tools/Devices", "Behaviours/Attitudes"]
    # sources are plain text files inside the archive, positions are our offsets
    with zipfile.ZipFile(tmp_path / "p.qdpx") as zf:
        src = root.find("q:Sources/q:TextSource[@name='OS1_R1_interview']", n)
        path = src.get("plainTextPath")
        assert path.startswith("internal://")
        text = zf.read("sources/" + path[len("internal://"):]).decode("utf-8")
    with sqlite_db.session() as s:
        doc = s.scalar(select(Document).where(Document.name == "OS1_R1_interview"))
        assert text == doc.text
    sel = src.findall("q:PlainTextSelection", n)
    spans = {(int(x.get("startPosition")), int(x.get("endPosition"))) for x in sel}
    for a, b in spans:
        assert text[a:b].strip() == text[a:b] and text[a:b]
    assert text[int(sel[0].get("startPosition")):int(sel[0].get("endPosition"))].startswith("We agreed clear roles")
    # one selection per (segment, coder): the creating user is the coder, also on each Coding
    users = {u.get("guid"): u.get("name") for u in root.findall("q:Users/q:User", n)}
    for x in sel:
        assert {users[c.get("creatingUser")] for c in x.findall("q:Coding", n)} == {users[x.get("creatingUser")]}
    # suggestions and rejections are not codings
    assert "model" not in {users[c.get("creatingUser")] for c in root.iter(f"{{{NS}}}Coding")}
    # case variables
    case = root.find("q:Cases/q:Case[@name='OS1-R1']", n)
    variables = {v.get("guid"): v.get("name") for v in root.findall("q:Variables/q:Variable", n)}
    values = {variables[vv.find("q:VariableRef", n).get("targetGUID")]: vv.find("q:TextValue", n).text
              for vv in case.findall("q:VariableValue", n)}
    assert values == {"side": "supplier", "sector": "IT outsourcing", "stage": "1"}
    # memos are notes, referenced from their code, selection and source
    notes = {x.get("guid"): x.find("q:PlainTextContent", n).text for x in root.findall("q:Notes/q:Note", n)}
    code_refs = [notes[r.get("targetGUID")] for r in gov.find("q:Code[@name='Processes']", n).findall("q:NoteRef", n)]
    assert code_refs == ["Roles come up in every interview."]


def test_export_is_reproducible(sqlite_db, tmp_path):
    build_project(sqlite_db)
    with sqlite_db.session() as s:
        export_qdpx(s, tmp_path / "a.qdpx")
        export_qdpx(s, tmp_path / "b.qdpx")
    assert etree.tostring(_qde(tmp_path / "a.qdpx")) == etree.tostring(_qde(tmp_path / "b.qdpx"))


# --- round trip ------------------------------------------------------------------------------------

@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
def test_round_trip_into_a_fresh_database(db, tmp_path, crlf):
    build_project(db)
    before = snapshot(db)
    with db.session() as s:
        export_qdpx(s, tmp_path / "p.qdpx", crlf=crlf)
    fresh = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        with fresh.session("importer") as s:
            report = import_qdpx(s, tmp_path / "p.qdpx")
        assert report.coders == ["alice", "bob"] and report.codings == 8 and report.memos == 3
        after = snapshot(fresh)
    finally:
        fresh.dispose()
    assert after == before


def test_reimport_reuses_documents_and_is_idempotent(sqlite_db, tmp_path):
    build_project(sqlite_db)
    with sqlite_db.session() as s:
        export_qdpx(s, tmp_path / "p.qdpx")
    before = counts(sqlite_db)
    with sqlite_db.session() as s:
        report = import_qdpx(s, tmp_path / "p.qdpx")
    assert report.documents == [] and sorted(report.reused_documents) == ["C1_R1_interview", "OS1_R1_interview"]
    after = counts(sqlite_db)
    assert {k: v for k, v in after.items() if k != "Memo"} == {k: v for k, v in before.items() if k != "Memo"}


# --- other tools' files ----------------------------------------------------------------------------

def _imported(tmp_path: Path, name: str):
    db = open_database(f"sqlite:///{tmp_path / 'p.db'}")
    with db.session() as s:
        report = import_qdpx(s, FIXTURES / name)
    with db.session() as s:
        rows = sorted((r["code"], r["coder"], r["respondent"], r["text"]) for r in export_rows(s))
        memos = [(m.text, m.coder.name if m.coder else None, m.segment_id is not None, m.document_id is not None)
                 for m in s.scalars(select(Memo))]
        people = cases(s)
        docs = {d.name: d.text for d in s.scalars(select(Document))}
    db.dispose()
    return report, rows, memos, people, docs


def test_nvivo_style_sources_bom_crlf_nested_codes_two_users(tmp_path):
    report, rows, memos, people, docs = _imported(tmp_path, "nvivo_style.qdpx")
    assert sorted(report.coders) == ["Ann Smith", "Ben Jones"]
    assert rows == [
        ("Mutual trust", "Ann Smith", "C1-R1", "They tell us bad news early, and we do the same."),
        ("Strong governance › Processes", "Ben Jones", "OS1-R1",
         "Clear roles, for a start. We agreed who owns what in the first month."),
        ("Strong governance › Processes › Defining roles", "Ann Smith", "OS1-R1",
         "Clear roles, for a start. We agreed who owns what in the first month."),
        ("Strong governance › Tools/Devices", "Ben Jones", "OS1-R1", "The monthly steering meeting."),
    ]
    assert people == [{"respondent": "C1-R1", "Side": "client", "Stage": 2},
                      {"respondent": "OS1-R1", "Side": "supplier", "Stage": 1}]
    assert memos == [("Roles again: third interview in a row.", "Ann Smith", True, True)]
    text = docs["OS1 R1 interview"]
    assert "\r" not in text and not text.startswith("\ufeff")  # stored in our normalised form


def test_nvivo_double_coding_is_ready_for_agreement(tmp_path):
    from coding.agreement import agreement

    db = open_database(f"sqlite:///{tmp_path / 'p.db'}")
    with db.session() as s:
        import_qdpx(s, FIXTURES / "nvivo_style.qdpx")
    with db.session() as s:
        report = agreement(s, ["Ann Smith", "Ben Jones"])
    db.dispose()
    assert report["coders"] == ["Ann Smith", "Ben Jones"]
    assert {p["code"] for p in report["per_code"]} >= {"Mutual trust"}


def test_qualcoder_style_whole_source_coding_and_project_note(tmp_path):
    report, rows, memos, people, docs = _imported(tmp_path, "qualcoder_style.qdpx")
    text = docs["os2_r1.txt"]
    assert rows == [
        ("Innovation", "coder1", "OS2-R1", "Then innovation, always."),
        ("Measuring value", "coder1", "OS2-R1", "Then measuring value with proper KPIs."),
        ("Stage one interview", "coder1", "OS2-R1", text),
    ]
    assert report.segments_created == 3  # two inside the turn, one for the whole source
    assert memos == [("Pilot interview.", "coder1", False, False)]


def test_maxqda_style_crlf_decomposed_accent_reversed_selection(tmp_path):
    report, rows, memos, people, docs = _imported(tmp_path, "maxqda_style.qdpx")
    assert rows == [("Openness", "maxuser", "C2-R1", "Openness both ways, no surprises.")]
    assert "café chats" in docs["C2_R1"]  # NFC: the accent was composed, offsets still land right
    assert people == [{"respondent": "C2-R1"}]


def test_offset_map_counts_characters_as_the_tool_wrote_them():
    raw = "A\r\ne\u0301C\rD"
    text, pos = normalise_with_map(raw)
    assert text == "A\n\u00e9C\nD"
    assert [pos[i] for i in range(len(raw) + 1)] == [0, 1, 1, 2, 2, 3, 4, 5, 6]
    assert normalise_with_map("\ufeff" + raw)[0] == text


# --- bad and hostile input ------------------------------------------------------------------------

def _qdpx(path: Path, qde: bytes | str, extra: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde if isinstance(qde, bytes) else qde.encode("utf-8"))
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return path


MINIMAL = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="{NS}" name="x"><Sources>
<TextSource guid="11111111-1111-4111-8111-111111111111" name="doc" plainTextPath="PATH"/>
</Sources></Project>"""


def _assert_refused(db, path: Path, match: str) -> None:
    before = counts(db)
    with pytest.raises(InputError, match=match) as err:
        with db.session() as s:
            import_qdpx(s, path)
    assert str(err.value).startswith(str(path))
    assert counts(db) == before


def test_zip_slip_is_refused(sqlite_db, tmp_path):
    path = _qdpx(tmp_path / "slip.qdpx", MINIMAL.replace("PATH", "internal://a.txt"),
                 {"sources/a.txt": b"hello", "../../evil.txt": b"x"})
    _assert_refused(sqlite_db, path, "climbs out of the archive")
    path = _qdpx(tmp_path / "abs.qdpx", MINIMAL, {"/etc/evil": b"x"})
    _assert_refused(sqlite_db, path, "absolute path")


def test_source_outside_the_archive_is_refused(sqlite_db, tmp_path):
    path = _qdpx(tmp_path / "ext.qdpx", MINIMAL.replace("PATH", "file:///etc/passwd"))
    _assert_refused(sqlite_db, path, "outside the archive")
    path = _qdpx(tmp_path / "dots.qdpx", MINIMAL.replace("PATH", "internal://../../etc/passwd"))
    _assert_refused(sqlite_db, path, "unsafe path")


def test_billion_laughs_is_refused(sqlite_db, tmp_path):
    lol = ('<?xml version="1.0"?>\n<!DOCTYPE Project [\n <!ENTITY lol "lol">\n'
           + "".join(f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10))
           + f']>\n<Project xmlns="{NS}" name="&lol9;"/>')
    path = _qdpx(tmp_path / "lol.qdpx", lol)
    _assert_refused(sqlite_db, path, "DOCTYPE")


def test_external_entity_is_refused(sqlite_db, tmp_path):
    xxe = (f'<?xml version="1.0"?>\n<!DOCTYPE Project [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
           f'<Project xmlns="{NS}" name="&x;"/>')
    _assert_refused(sqlite_db, _qdpx(tmp_path / "xxe.qdpx", xxe), "DOCTYPE")


def test_too_many_entries_and_zip_bombs_are_refused(sqlite_db, tmp_path):
    path = tmp_path / "many.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", MINIMAL)
        for i in range(30):
            zf.writestr(f"sources/{i}.txt", b"x")
    with pytest.raises(InputError, match="more than the 20 allowed"):
        SafeZip(path, max_entries=20)
    bomb = _qdpx(tmp_path / "bomb.qdpx", MINIMAL, {"sources/big.txt": b"\0" * 5_000_000})
    with pytest.raises(InputError, match="would expand to"):
        SafeZip(bomb, max_bytes=1_000_000)
    with SafeZip(bomb, max_bytes=6_000_000) as z:  # declared sizes fit; the running budget still stops reads
        z.read("sources/big.txt")
        with pytest.raises(InputError, match="expands past"):
            z.read("sources/big.txt")


def test_schema_invalid_file_names_the_first_error(sqlite_db, tmp_path):
    bad = f'<?xml version="1.0"?>\n<Project xmlns="{NS}" name="x">\n<Sources><TextSource name="no guid"/></Sources></Project>'
    _assert_refused(sqlite_db, _qdpx(tmp_path / "invalid.qdpx", bad), r"schema \(line 3\).*guid")


def test_not_a_zip_and_not_xml(sqlite_db, tmp_path):
    (tmp_path / "text.qdpx").write_text("hello")
    _assert_refused(sqlite_db, tmp_path / "text.qdpx", "not a zip")
    _assert_refused(sqlite_db, _qdpx(tmp_path / "broken.qdpx", "<Project"), "not well-formed")
    empty = tmp_path / "empty.qdpx"
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("readme.txt", "hi")
    _assert_refused(sqlite_db, empty, "no project.qde")


def test_a_late_error_leaves_nothing_written(sqlite_db, tmp_path):
    """A coding of an unknown code in the last source: documents, codes and codings before it are rolled back."""
    build_project(sqlite_db)
    with sqlite_db.session() as s:
        export_qdpx(s, tmp_path / "p.qdpx")
    with zipfile.ZipFile(tmp_path / "p.qdpx") as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    root = etree.fromstring(files["project.qde"])
    last_ref = list(root.iter(f"{{{NS}}}CodeRef"))[-1]
    last_ref.set("targetGUID", "99999999-9999-4999-8999-999999999999")
    files["project.qde"] = etree.tostring(root, xml_declaration=True, encoding="utf-8")
    broken = tmp_path / "broken.qdpx"
    with zipfile.ZipFile(broken, "w") as zf:
        for n, data in files.items():
            zf.writestr(n, data)
    fresh = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        _assert_refused(fresh, broken, "not in the codebook")
    finally:
        fresh.dispose()


def test_selection_outside_the_text_is_refused(sqlite_db, tmp_path):
    qde = MINIMAL.replace('plainTextPath="PATH"/>', 'plainTextPath="internal://a.txt">'
                          '<PlainTextSelection guid="22222222-1111-4111-8111-111111111111" startPosition="0" endPosition="500"/>'
                          '</TextSource>')
    path = _qdpx(tmp_path / "out.qdpx", qde, {"sources/a.txt": b"R1: short text"})
    _assert_refused(sqlite_db, path, "outside its 14 characters")


def test_fixture_generator_is_in_sync(tmp_path, monkeypatch):
    """The committed fixtures are what make_fixtures.py writes (so they can be regenerated and reviewed)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    monkeypatch.setattr(mod, "HERE", tmp_path)
    mod.nvivo(), mod.qualcoder(), mod.maxqda()
    for name in ("nvivo_style.qdpx", "qualcoder_style.qdpx", "maxqda_style.qdpx"):
        with zipfile.ZipFile(tmp_path / name) as fresh, zipfile.ZipFile(FIXTURES / name) as kept:
            assert sorted(fresh.namelist()) == sorted(kept.namelist())
            for n in fresh.namelist():
                if not n.endswith(".docx"):  # python-docx stamps the time into core properties
                    assert fresh.read(n) == kept.read(n), (name, n)
