"""Bad codebook files: every problem is one InputError naming the file, never another exception."""

import csv
import io
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codebooks import Code, Codebook, load_shipped, read_codebook, write_codebook
from corpus.errors import InputError

NS = 'xmlns="urn:QDA-XML:codebook:1.0"'
GUID1 = "11111111-2222-3333-4444-555555555555"
GUID2 = "21111111-2222-3333-4444-555555555555"


def qdc(codes: str) -> str:
    return f'<?xml version="1.0"?>\n<CodeBook {NS}><Codes>{codes}</Codes></CodeBook>'


MALFORMED = {
    # YAML
    "syntax.yaml": ("codes: [unclosed", "not valid YAML at line"),
    "empty.yaml": ("", "has no codes"),
    "comment-only.yml": ("# nothing here\n", "has no codes"),
    "no-codes.yaml": ("name: X\ncodes: []\n", "has no codes"),
    "scalar.yaml": ("just words", "must be a mapping"),
    "codes-not-list.yaml": ("codes: {a: 1}", "must be a list"),
    "code-not-mapping.yaml": ("codes: [Trust]", "must be a mapping with a 'name'"),
    "unknown-key.yaml": ("codes:\n- name: A\n  exlusion: typo\n", "unknown key(s): exlusion"),
    "number-name.yaml": ("codes:\n- name: 2024\n", "must be text, got int"),
    "empty-name.yaml": ("codes:\n- name: ''\n", "empty name"),
    "bad-colour.yaml": ("codes:\n- name: A\n  color: 'blue'\n", "bad colour 'blue'"),
    "bad-codable.yaml": ("codes:\n- name: A\n  codable: maybe\n", "codable must be true or false"),
    "dup-top.yaml": ("codes:\n- name: A\n- name: A\n", "duplicate top-level name 'A'"),
    "dup-child.yaml": (
        "codes:\n- name: A\n  children:\n  - name: B\n  - name: B\n", "duplicate path 'A › B'"
    ),
    "pipe-example.yaml": ("codes:\n- name: A\n  examples: ['a | b']\n", "contains '|'"),
    # CSV
    "no-name-column.csv": ("code,parent\nA,\n", "no 'name' column"),
    "empty.csv": ("", "has no codes"),
    "header-only.csv": ("name,parent\n", "has no codes"),
    "missing-parent.csv": ("name,parent\nA,\nB,Nope\n", "parent 'Nope' not found"),
    "missing-parent-path.csv": (
        "name,parent\nA,\nB,A\nC,A > X\n", "parent 'A › X' not found"
    ),
    "ambiguous-parent.csv": (
        "name,parent\nA,\nB,\nProcesses,A\nProcesses,B\nX,Processes\n",
        "parent 'Processes' is ambiguous; write its full path, one of 'A > Processes', "
        "'B > Processes'",
    ),
    "cycle.csv": ("name,parent\nA,B\nB,A\n", "makes a cycle"),
    "self-parent.csv": ("name,parent\nA,A\n", "makes a cycle"),
    "dup.csv": ("name,parent\nA,\nA,\n", "duplicate top-level name 'A'"),
    "empty-name.csv": ("name,parent\nA,\n,A\n", "line 3 has an empty name"),
    "too-many-cells.csv": ("name,parent\nA,,surprise\n", "line 2 has more cells than the header"),
    "bad-colour.csv": ("name,color\nA,#12\n", "bad colour '#12'"),
    "bad-codable.csv": ("name,codable\nA,perhaps\n", "codable must be true or false"),
    "dup-column.csv": ("name,parent,Parent\nA,,\n", "column(s) appear twice: parent"),
    # REFI-QDA
    "not-xml.qdc": ("this is not xml", "not well-formed XML"),
    "empty.qdc": ("", "not well-formed XML"),
    "truncated.qdc": (qdc(f'<Code guid="{GUID1}" name="A" isCodable="true">'), "not well-formed"),
    "no-codes.qdc": (f'<CodeBook {NS}><Codes/></CodeBook>', "REFI-QDA codebook schema"),
    "no-namespace.qdc": (
        f'<CodeBook><Codes><Code guid="{GUID1}" name="A" isCodable="true"/></Codes></CodeBook>',
        "REFI-QDA codebook schema",
    ),
    "no-guid.qdc": (qdc('<Code name="A" isCodable="true"/>'), "'guid' is required"),
    "bad-guid.qdc": (qdc('<Code guid="x" name="A" isCodable="true"/>'), "schema"),
    "bad-colour.qdc": (qdc(f'<Code guid="{GUID1}" name="A" isCodable="true" color="red"/>'),
                       "schema"),
    "dup.qdc": (
        qdc(f'<Code guid="{GUID1}" name="A" isCodable="true"/>'
            f'<Code guid="{GUID2}" name="A" isCodable="true"/>'),
        "duplicate top-level name 'A'",
    ),
    "same-guid.qdc": (
        qdc(f'<Code guid="{GUID1}" name="A" isCodable="true"/>'
            f'<Code guid="{GUID1}" name="B" isCodable="true"/>'),
        "same guid",
    ),
    "empty-name.qdc": (qdc(f'<Code guid="{GUID1}" name=" " isCodable="true"/>'), "empty name"),
    "entities.qdc": (
        '<?xml version="1.0"?>\n<!DOCTYPE CodeBook [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
        + qdc(f'<Code guid="{GUID1}" name="&b;" isCodable="true"/>').split("\n", 1)[1],
        "has a DOCTYPE",
    ),
    "external.qdc": (
        '<?xml version="1.0"?>\n<!DOCTYPE CodeBook [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        + qdc(f'<Code guid="{GUID1}" name="A" isCodable="true">'
              "<Description>&x;</Description></Code>").split("\n", 1)[1],
        "has a DOCTYPE",
    ),
    # Any format
    "codebook.txt": ("name: A", "unsupported codebook format '.txt'"),
    "no-suffix": ("name: A", "unsupported codebook format '(no suffix)'"),
}


@pytest.mark.parametrize("filename", sorted(MALFORMED))
def test_malformed_file_gives_one_input_error_naming_the_file(tmp_path, filename):
    content, message = MALFORMED[filename]
    path = tmp_path / filename
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_codebook(path)
    text = str(caught.value)
    assert text.startswith(f"{path}: "), text
    assert message in text, text
    assert "\n" not in text.strip(), "the message must be one readable line"


def test_undecodable_csv(tmp_path):
    path = tmp_path / "binary.csv"
    path.write_bytes(b"name\n\x81\x8d\n")  # bytes that are neither UTF-8 nor Windows-1252
    with pytest.raises(InputError, match="neither UTF-8 nor Windows-1252"):
        read_codebook(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputError, match="missing.yaml: file not found"):
        read_codebook(tmp_path / "missing.yaml")
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    with pytest.raises(InputError, match="is a directory"):
        read_codebook(folder)


def test_unknown_shipped_codebook_names_the_choices():
    with pytest.raises(InputError, match="choose from co-creation-barriers, outsourcing"):
        load_shipped("nope")


@pytest.mark.parametrize("suffix", [".yaml", ".csv", ".qdc"])
def test_writing_an_invalid_codebook_is_refused(tmp_path, suffix):
    path = tmp_path / f"out{suffix}"
    with pytest.raises(InputError, match="duplicate top-level name"):
        write_codebook(Codebook("Bad", [Code("A"), Code("A")]), path)
    assert not path.exists()


def test_write_to_unknown_suffix_is_refused(tmp_path):
    with pytest.raises(InputError, match="unsupported codebook format"):
        write_codebook(load_shipped("co-creation-barriers"), tmp_path / "cb.json")


def test_yaml_alias_bomb_is_refused(tmp_path):
    """Each level repeats the one below twice through aliases: 2**20 codes if expanded."""
    text = "codes:\n- name: t0\n  children: &l0 [{name: a}, {name: b}]\n"
    for i in range(1, 20):
        below = f"*l{i - 1}"
        text += (f"- name: t{i}\n  children: &l{i} "
                 f"[{{name: a, children: {below}}}, {{name: b, children: {below}}}]\n")
    path = tmp_path / "bomb.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="more than 50000 codes"):
        read_codebook(path)


# ---- fuzzing: whatever the bytes, only InputError may come out ------------------------------

FUZZ_DIR = Path(tempfile.mkdtemp(prefix="cocode-codebook-fuzz-"))
SUFFIXES = [".yaml", ".csv", ".qdc"]


def _valid_bytes() -> dict[str, bytes]:
    cb = load_shipped("outsourcing-success-factors")
    small = Codebook(cb.name, cb.codes[:5], cb.description)
    out = {}
    for suffix in SUFFIXES:
        path = FUZZ_DIR / f"seed{suffix}"
        write_codebook(small, path)
        out[suffix] = path.read_bytes()
    return out


SEEDS = _valid_bytes()
FUZZ = settings(max_examples=120, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])


def _read_only_input_errors(suffix: str, data: bytes) -> None:
    path = FUZZ_DIR / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        cb = read_codebook(path)
    except InputError as exc:
        assert str(exc).startswith(str(path))
    else:
        cb.validate()  # whatever was accepted must be a valid codebook


@FUZZ
@given(suffix=st.sampled_from(SUFFIXES), data=st.binary(max_size=400))
def test_fuzz_random_bytes(suffix, data):
    _read_only_input_errors(suffix, data)


@FUZZ
@given(suffix=st.sampled_from(SUFFIXES), text=st.text(max_size=300))
def test_fuzz_random_text(suffix, text):
    _read_only_input_errors(suffix, text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(
    suffix=st.sampled_from(SUFFIXES),
    edits=st.lists(
        st.tuples(st.floats(0, 1), st.integers(0, 8), st.binary(max_size=6)), max_size=6
    ),
)
def test_fuzz_mutated_valid_files(suffix, edits):
    """Valid files with bytes cut out and spliced in reach much deeper than random noise."""
    data = bytearray(SEEDS[suffix])
    for where, cut, insert in edits:
        at = int(where * len(data))
        data[at:at + cut] = insert
    _read_only_input_errors(suffix, bytes(data))


_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
    st.sampled_from(["A", "B", "Processes", "#123456", "#abc", "x | y", "", " "]), st.text(max_size=8),
)
_yaml_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(["name", "codes", "children", "description", "color", "codable",
                             "examples", "keywords", "guid", "inclusion", "other"]),
            inner, max_size=5,
        ),
    ),
    max_leaves=20,
)


@FUZZ
@given(data=_yaml_values)
def test_fuzz_yaml_structures(data):
    _read_only_input_errors(".yaml", yaml.safe_dump(data).encode())


_cells = st.sampled_from(["", "A", "B", "C", "A > B", "B › C", "A > B > C", "#abc", "x|y", "no"])


@FUZZ
@given(
    header=st.lists(st.sampled_from(["name", "parent", "color", "codable", "keywords", "id"]),
                    min_size=1, max_size=4),
    rows=st.lists(st.lists(_cells, min_size=0, max_size=5), max_size=6),
)
def test_fuzz_csv_tables(header, rows):
    """Random parent references exercise name/path resolution, ambiguity and cycles."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    _read_only_input_errors(".csv", buffer.getvalue().encode())
