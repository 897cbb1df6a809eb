"""The two shipped codebooks hold what DOMAIN.md describes, with notes rich enough to code by."""

import pytest

from codebooks import load_shipped

FACTORS = [
    "Strong governance",
    "Measuring value and success",
    "Mutual trust and confidence",
    "Openness, transparency, honesty and responsiveness",
    "Delivering what you promise",
    "Achieving mutual goals bringing mutual benefits",
    "Giving extra value and on-going innovation",
]
CATEGORIES = ["Processes", "Tools/Devices", "Behaviours/Attitudes"]
BARRIERS = [
    "Lack of trust",
    "Power imbalances",
    "Misaligned goals and objectives",
    "Communication challenges",
    "Resource constraints",
    "Organisational culture and structure",
    "Intellectual-property concerns",
    "Lack of skills and expertise",
]


def luminance(color: str) -> float:
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_success_factors_are_seven_themes_by_three_categories():
    cb = load_shipped("outsourcing-success-factors")
    assert cb.name == "Outsourcing success factors"
    assert [c.name for c in cb.children(())] == FACTORS
    for factor in FACTORS:
        assert [c.name for c in cb.children((factor,))] == CATEGORIES
        for category in CATEGORIES:
            assert cb.children((factor, category)) == []
    assert len(cb.codes) == 7 * 4
    assert all(code.codable for code in cb.codes)


def test_barriers_are_eight_flat_codes():
    cb = load_shipped("co-creation-barriers")
    assert [c.name for c in cb.codes] == BARRIERS
    assert all(code.parent == () and code.codable for code in cb.codes)


@pytest.mark.parametrize("name", ["outsourcing-success-factors", "co-creation-barriers"])
def test_every_code_has_notes_to_code_by(name):
    cb = load_shipped(name)
    for code in cb.codes:
        assert len(code.description.split()) >= 25, code.display
        assert 3 <= len(code.examples) <= 6, code.display
        assert len(code.keywords) >= 5, code.display
        assert all(k == k.lower() for k in code.keywords), code.display
        assert code.color is not None, code.display
        if not code.parent:
            assert code.inclusion and code.exclusion, code.display
    descriptions = [code.description for code in cb.codes]
    examples = [e for code in cb.codes for e in code.examples]
    assert len(set(descriptions)) == len(descriptions), "each description is specific to its code"
    assert len(set(examples)) == len(examples)


@pytest.mark.parametrize("name", ["outsourcing-success-factors", "co-creation-barriers"])
def test_exclusion_notes_point_to_codes_that_exist(name):
    """An exclusion note sends the coder elsewhere with '(use X)': X must be a code here."""
    cb = load_shipped(name)
    names = {code.name for code in cb.codes}
    for code in cb.codes:
        for part in code.exclusion.split("(use ")[1:]:
            target = part.split(")")[0]
            assert target in names, f"{code.display}: {target!r}"


def test_theme_colours_are_distinct_and_children_are_lighter():
    cb = load_shipped("outsourcing-success-factors")
    themes = cb.children(())
    assert len({t.color.upper() for t in themes}) == len(themes)
    for theme in themes:
        for child in cb.children(theme.path):
            assert luminance(child.color) > luminance(theme.color), child.display
    barriers = load_shipped("co-creation-barriers").codes
    assert len({b.color.upper() for b in barriers}) == len(barriers)
