"""The codebook model: paths, lookups and validation."""

import pytest

from codebooks import SEP, Code, Codebook, parse_path, stable_guid
from corpus.errors import InputError


def small() -> Codebook:
    return Codebook(
        name="Small",
        codes=[
            Code("Governance", color="#1F77B4"),
            Code("Processes", parent=("Governance",)),
            Code("Tools/Devices", parent=("Governance",)),
            Code("Trust"),
            Code("Processes", parent=("Trust",)),
        ],
    )


def test_path_and_display():
    code = Code("Tools/Devices", parent=("Strong governance",))
    assert code.path == ("Strong governance", "Tools/Devices")
    assert code.display == "Strong governance › Tools/Devices"
    assert SEP == " › "


def test_by_path_and_children_keep_order():
    cb = small()
    assert list(cb.by_path()) == [
        ("Governance",), ("Governance", "Processes"), ("Governance", "Tools/Devices"),
        ("Trust",), ("Trust", "Processes"),
    ]
    assert [c.name for c in cb.children(())] == ["Governance", "Trust"]
    assert [c.name for c in cb.children(("Governance",))] == ["Processes", "Tools/Devices"]
    assert cb.children(("Trust", "Processes")) == []


def test_parse_path_accepts_both_separators_but_not_slash():
    assert parse_path("Strong governance › Tools/Devices") == ("Strong governance", "Tools/Devices")
    assert parse_path("Strong governance > Processes") == ("Strong governance", "Processes")
    assert parse_path("  A >  B › C ") == ("A", "B", "C")
    assert parse_path("Tools/Devices") == ("Tools/Devices",)
    assert parse_path("") == ()
    # Names may hold the separator characters where no space precedes them.
    assert parse_path("A > > B › x›y") == ("A", "> B", "x›y")


def test_resolve_by_path_or_unique_name():
    cb = small()
    assert cb.resolve("Trust > Processes").path == ("Trust", "Processes")
    assert cb.resolve("Governance › Tools/Devices").name == "Tools/Devices"
    assert cb.resolve("Tools/Devices").path == ("Governance", "Tools/Devices")
    with pytest.raises(KeyError, match="ambiguous"):
        cb.resolve("Processes")
    with pytest.raises(KeyError, match="no code"):
        cb.resolve("Nothing")


def test_stable_guid_depends_on_path_only():
    assert stable_guid(("A", "B")) == stable_guid(("A", "B"))
    assert stable_guid(("A", "B")) != stable_guid(("B", "B"))
    assert Code("B", parent=("A",)).qda_guid == stable_guid(("A", "B"))
    assert Code("B", guid="{11111111-2222-3333-4444-555555555555}").qda_guid.startswith("{1111")


def test_valid_codebook_passes():
    small().validate("x.yaml")


@pytest.mark.parametrize(
    "codes, message",
    [
        ([], "has no codes"),
        ([Code("A"), Code("B", parent=("Missing",))], "missing parent 'Missing'"),
        ([Code("B", parent=("A",)), Code("A")], "comes before its parent"),
        ([Code("A"), Code("A")], "duplicate top-level name 'A'"),
        ([Code("A"), Code("B", parent=("A",)), Code("B", parent=("A",))], "duplicate path 'A › B'"),
        ([Code("  ")], "empty name"),
        ([Code("A", color="#12345")], "bad colour"),
        ([Code("A", color="red")], "bad colour"),
        ([Code("A", guid="not-a-guid")], "malformed guid"),
        (
            [Code("A", guid="11111111-2222-3333-4444-555555555555"),
             Code("B", guid="{11111111-2222-3333-4444-555555555555}")],
            "same guid",
        ),
        ([Code("A", examples=["one | two"])], "contains '|'"),
        ([Code("A", keywords=[""])], "non-empty"),
        ([Code("A", codable="yes")], "codable"),
        ([Code("Cost > value")], "may not contain ' ›' or ' >'"),
        ([Code("Trailing ›")], "may not contain ' ›' or ' >'"),
        ([Code(" padded")], "surrounding spaces"),
    ],
)
def test_validate_reports_each_problem_with_the_source(codes, message):
    with pytest.raises(InputError) as caught:
        Codebook("Bad", codes).validate("bad.yaml")
    assert str(caught.value).startswith("bad.yaml: ")
    assert message in str(caught.value)


def test_validate_without_source_names_the_codebook():
    with pytest.raises(InputError, match="^Bad: has no codes"):
        Codebook("Bad", []).validate()
