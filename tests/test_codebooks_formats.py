"""Reading and writing codebooks as YAML, CSV and REFI-QDA .qdc."""

import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from codebooks import (
    Code, Codebook, load_shipped, read_codebook, shipped_codebooks, stable_guid, tree_order,
    write_codebook,
)
from codebooks.qdc_format import SCHEMA_PATH, fold_description, unfold_description

SHARED_XSD = Path(__file__).resolve().parents[2] / "shared" / "refi-qda" / "Codebook.xsd"
SHIPPED = sorted(shipped_codebooks())


def tricky() -> Codebook:
    """Content that stresses every format: nesting, odd characters, multi-line notes."""
    return Codebook(
        name="Tricky",
        description="First line.\nSecond line.",
        codes=[
            Code("Café & <Ação>", description="Ünïcode, \"quotes\", commas; and\n\nparagraphs.",
                 color="#0a0B0c", codable=False),
            Code("Processes", parent=("Café & <Ação>",), inclusion="Line one\nline two",
                 exclusion="Not this", examples=["an example, with a comma", "«another»"],
                 keywords=["key", "key phrase"], guid="{0D1F2E3A-4B5C-6D7E-8F90-A1B2C3D4E5F6}"),
            Code("Tools/Devices", parent=("Café & <Ação>", "Processes"),
                 description="Examples: this line is description text, not a field."),
            Code("Processes", description="Keywords: only a block", keywords=["k"]),
            Code("Looks folded", description="Own text.\n\n---\nKeywords: not a field"),
            Code("Rule", description="Text\n\n---\n\nmore text after a rule", inclusion="x"),
            Code("Empty"),
        ],
    )


def write_read(cb: Codebook, path: Path) -> Codebook:
    write_codebook(cb, path)
    return read_codebook(path)


@pytest.mark.parametrize("name", SHIPPED)
@pytest.mark.parametrize("suffix", [".yaml", ".yml"])
def test_yaml_round_trip_is_exact(tmp_path, name, suffix):
    cb = load_shipped(name)
    assert write_read(cb, tmp_path / f"cb{suffix}") == cb


@pytest.mark.parametrize("name", SHIPPED)
@pytest.mark.parametrize("suffix", [".csv", ".qdc"])
def test_csv_and_qdc_round_trip_keep_every_code_field(tmp_path, name, suffix):
    cb = load_shipped(name)
    back = write_read(cb, tmp_path / f"{name}{suffix}")
    assert back.codes == cb.codes
    assert back.name == name  # these formats have no codebook name: the file name gives it


@pytest.mark.parametrize("suffix", [".yaml", ".csv", ".qdc"])
def test_tricky_round_trip(tmp_path, suffix):
    cb = tricky()
    back = write_read(cb, tmp_path / f"Tricky{suffix}")
    assert back.codes == cb.codes
    if suffix == ".yaml":
        assert back == cb


def test_nested_formats_return_codes_in_tree_order(tmp_path):
    cb = Codebook("Order", [Code("A"), Code("B"), Code("A1", parent=("A",)), Code("B1", parent=("B",))])
    expected = ["A", "A › A1", "B", "B › B1"]
    assert [c.display for c in tree_order(cb.codes)] == expected
    for suffix in (".yaml", ".csv", ".qdc"):
        assert [c.display for c in write_read(cb, tmp_path / f"o{suffix}").codes] == expected


def test_round_trip_through_all_formats_in_a_chain(tmp_path):
    cb = load_shipped("outsourcing-success-factors")
    step = cb
    for suffix in (".qdc", ".csv", ".yaml", ".qdc"):
        step = write_read(step, tmp_path / f"chain{suffix}")
    assert step.codes == cb.codes


def test_csv_writes_full_parent_paths_with_gt(tmp_path):
    path = tmp_path / "cb.csv"
    write_codebook(load_shipped("outsourcing-success-factors"), path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf" + b"name,parent,description")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[2].startswith("Processes,Strong governance,")
    assert "›" not in raw.decode("utf-8-sig").split("\n")[2]


def test_csv_parent_resolution(tmp_path):
    """Unique names resolve by name; repeated names need a path in either separator;
    rows in any order come back in tree order; ';' delimiter and BOM work."""
    text = (
        "\ufeffName;Parent;Description;Examples;Keywords;Colour-ignored\n"
        "Meetings;Governance › Tools/Devices;Steering meetings;weekly call | monthly review;;x\n"
        "Governance;;Top;;;\n"
        "Processes;Governance;;;;\n"
        "Tools/Devices;Governance;;;;\n"
        "Trust;;;;trust | rely on;\n"
        "Processes;Trust;;;;\n"
        "Sharing plans;Trust > Processes;;;;\n"
        "Charts;Tools/Devices;;;;\n"
        "\n"
    )
    path = tmp_path / "resolve.csv"
    path.write_text(text, encoding="utf-8")
    cb = read_codebook(path)
    assert [c.display for c in cb.codes] == [
        "Governance",
        "Governance › Processes",
        "Governance › Tools/Devices",
        "Governance › Tools/Devices › Meetings",
        "Governance › Tools/Devices › Charts",
        "Trust",
        "Trust › Processes",
        "Trust › Processes › Sharing plans",
    ]
    meetings = cb.by_path()[("Governance", "Tools/Devices", "Meetings")]
    assert meetings.examples == ["weekly call", "monthly review"]
    assert cb.by_path()[("Trust",)].keywords == ["trust", "rely on"]
    assert cb.name == "resolve"


def test_csv_lone_name_prefers_the_top_level_code(tmp_path):
    """A lone name is also a top-level path, which is how the writer names top-level parents."""
    path = tmp_path / "tie.csv"
    path.write_text("name,parent\nP,\nP,P\nX,P\nY,P > P\n", encoding="utf-8")
    assert [c.display for c in read_codebook(path).codes] == ["P", "P › P", "P › P › Y", "P › X"]


def test_csv_windows_1252_and_crlf(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("name,description,color\r\nCafé,“smart quotes”,#abc\r\n".encode("cp1252"))
    (code,) = read_codebook(path).codes
    assert code.name == "Café"
    assert code.description == "“smart quotes”"
    assert code.color == "#aabbcc"


def test_csv_optional_columns(tmp_path):
    path = tmp_path / "cols.csv"
    path.write_text(
        "name,parent,inclusion,exclusion,codable,guid\n"
        "Group,,use for x,not for y,false,\n"
        "Leaf,Group,,,,{0D1F2E3A-4B5C-6D7E-8F90-A1B2C3D4E5F6}\n",
        encoding="utf-8",
    )
    group, leaf = read_codebook(path).codes
    assert (group.inclusion, group.exclusion, group.codable) == ("use for x", "not for y", False)
    assert leaf.codable is True and leaf.guid == "{0D1F2E3A-4B5C-6D7E-8F90-A1B2C3D4E5F6}"


@pytest.mark.parametrize("name", SHIPPED)
def test_written_qdc_is_valid_against_the_refi_schema(tmp_path, name):
    path = tmp_path / "cb.qdc"
    write_codebook(load_shipped(name), path)
    schema = etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))
    doc = etree.parse(str(path))
    schema.assertValid(doc)
    ns = {"q": "urn:QDA-XML:codebook:1.0"}
    guids = doc.xpath("//q:Code/@guid", namespaces=ns)
    assert len(guids) == len(set(guids)) == len(load_shipped(name).codes)


def test_tricky_qdc_is_valid_and_keeps_given_guid(tmp_path):
    path = tmp_path / "tricky.qdc"
    write_codebook(tricky(), path)
    etree.XMLSchema(etree.parse(str(SCHEMA_PATH))).assertValid(etree.parse(str(path)))
    ns = {"q": "urn:QDA-XML:codebook:1.0"}
    doc = etree.parse(str(path))
    assert doc.xpath("//q:Code[@name='Processes']/@guid", namespaces=ns) == [
        "{0D1F2E3A-4B5C-6D7E-8F90-A1B2C3D4E5F6}", stable_guid(("Processes",)),
    ]
    assert doc.xpath("/q:CodeBook/q:Codes/q:Code[1]/@isCodable", namespaces=ns) == ["false"]


@pytest.mark.skipif(not SHARED_XSD.exists(), reason="shared REFI-QDA folder not present")
def test_packaged_schema_is_the_shared_refi_schema():
    assert SCHEMA_PATH.read_bytes() == SHARED_XSD.read_bytes()


def test_qdc_guids_are_stable_between_writes(tmp_path):
    cb = load_shipped("co-creation-barriers")
    write_codebook(cb, tmp_path / "a.qdc")
    write_codebook(cb, tmp_path / "b.qdc")
    assert (tmp_path / "a.qdc").read_bytes() == (tmp_path / "b.qdc").read_bytes()


FOREIGN_QDC = """<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="NVivo 14">
  <Codes>
    <Code guid="{6F0B3A1E-2C4D-4E5F-8A9B-0C1D2E3F4A5B}" name="Governance" isCodable="false">
      <Description>How the partnership is steered.
Second line of a plain note.</Description>
      <Code guid="7a2c9e10-1b3d-4f5a-9c8e-112233445566" name="Meetings" isCodable="true">
        <Code guid="8b3d0f21-2c4e-405b-8d9f-223344556677" name="Steering committee" isCodable="1"/>
      </Code>
      <Code guid="9c4e1032-3d5f-416c-9e00-334455667788" name="Roles" isCodable="true"/>
    </Code>
    <Code guid="ad5f2143-4e60-427d-af11-445566778899" name="Trust" isCodable="true" color="#0a0">
      <Description/>
    </Code>
  </Codes>
  <Sets>
    <Set guid="be603254-5f71-438e-b022-5566778899aa" name="Favourites">
      <MemberCode guid="ad5f2143-4e60-427d-af11-445566778899"/>
    </Set>
  </Sets>
</CodeBook>
"""


def test_reads_qdc_as_another_tool_writes_it(tmp_path):
    path = tmp_path / "nvivo export.qdc"
    path.write_text(FOREIGN_QDC, encoding="utf-8")
    cb = read_codebook(path)
    assert cb.name == "nvivo export"
    assert [c.display for c in cb.codes] == [
        "Governance", "Governance › Meetings", "Governance › Meetings › Steering committee",
        "Governance › Roles", "Trust",
    ]
    governance = cb.codes[0]
    assert governance.codable is False
    assert governance.description == "How the partnership is steered.\nSecond line of a plain note."
    assert (governance.examples, governance.keywords, governance.inclusion) == ([], [], "")
    assert governance.color is None
    assert governance.guid == "{6F0B3A1E-2C4D-4E5F-8A9B-0C1D2E3F4A5B}"
    assert cb.codes[2].codable is True
    assert cb.codes[4].color == "#00aa00"
    # Writing it back keeps the other tool's guids, so re-importing there updates, not duplicates.
    out = tmp_path / "out.qdc"
    write_codebook(cb, out)
    ns = {"q": "urn:QDA-XML:codebook:1.0"}
    guids = etree.parse(str(out)).xpath("//q:Code/@guid", namespaces=ns)
    assert guids[0] == "{6F0B3A1E-2C4D-4E5F-8A9B-0C1D2E3F4A5B}"
    assert guids[2] == "8b3d0f21-2c4e-405b-8d9f-223344556677"


def test_fold_and_unfold_description():
    code = Code("A", description="Plain.", inclusion="When X\nor Y", exclusion="Not Z",
                examples=["e1", "e2"], keywords=["k1"])
    text = fold_description(code)
    assert text == (
        "Plain.\n\n---\nInclude: When X\n  or Y\nExclude: Not Z\nExamples: e1 | e2\nKeywords: k1"
    )
    assert unfold_description(text) == {
        "description": "Plain.", "inclusion": "When X\nor Y", "exclusion": "Not Z",
        "examples": ["e1", "e2"], "keywords": ["k1"],
    }
    # A plain description from another tool stays whole, even with label-like lines inside it.
    for plain in (
        "Use this for: meetings.\n\nExamples: see the manual",
        "Intro\n\n---\nExamples: a\nthen free text",
        "Intro\n---\nExamples: a",
    ):
        assert unfold_description(plain) == {"description": plain}
    # Our own description that merely looks like a block gets a second marker on writing.
    looks = Code("B", description="Mine.\n\n---\nKeywords: text")
    assert fold_description(looks) == "Mine.\n\n---\nKeywords: text\n\n---"
    assert unfold_description(fold_description(looks))["description"] == looks.description


def test_shipped_codebooks_are_listed_and_load():
    shipped = shipped_codebooks()
    assert set(shipped) == {"outsourcing-success-factors", "co-creation-barriers"}
    assert all(path.suffix == ".yaml" and path.exists() for path in shipped.values())


# ---- property: any valid codebook survives every format ------------------------------------

_word = st.text(
    alphabet=st.sampled_from(list("aZé 1,;:'\"<&>|/-—\t«»") + ["›", "#", "Ω"]), min_size=1, max_size=8
)
_fragment = st.one_of(_word, st.sampled_from(["---", "\n", "\n\n", "Examples: x", "Keywords:",
                                                "Include: y", "  ", "yes", "null", "1.5"]))
_text = st.lists(_fragment, max_size=6).map(lambda parts: "".join(parts).strip())
_item = _word.map(lambda w: w.replace("|", "").strip()).filter(bool)


@st.composite
def codebooks_(draw) -> Codebook:
    codes: list[Code] = []
    paths: set[tuple[str, ...]] = set()
    for _ in range(draw(st.integers(1, 6))):
        name = re.sub(r" ([›>])", r"\1", " ".join(draw(_text).split()))
        if not name:
            continue
        parents = [()] + [c.path for c in codes]
        parent = draw(st.sampled_from(parents))
        if parent + (name,) in paths:
            continue
        paths.add(parent + (name,))
        codes.append(Code(
            name=name, parent=parent, description=draw(_text), inclusion=draw(_text),
            exclusion=draw(_text), examples=draw(st.lists(_item, max_size=3)),
            keywords=draw(st.lists(_item, max_size=3)),
            color=draw(st.none() | st.from_regex(r"#[0-9a-fA-F]{6}", fullmatch=True)),
            codable=draw(st.booleans()),
            guid=draw(st.none() | st.uuids().map(str)),
        ))
    if not codes:
        codes.append(Code("only"))
    # Nested formats give codes in tree order, so that is the order a round trip keeps.
    return Codebook(name=draw(_text) or "cb", codes=tree_order(codes), description=draw(_text))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(cb=codebooks_(), suffix=st.sampled_from([".yaml", ".csv", ".qdc"]))
def test_property_round_trip_is_lossless(cb, suffix):
    with tempfile.TemporaryDirectory() as folder:
        back = write_read(cb, Path(folder) / f"cb{suffix}")
    assert back.codes == cb.codes
    if suffix == ".yaml":
        assert back == cb
