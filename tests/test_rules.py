"""Keyword rules: plural and inflected forms of a codebook keyword are found."""
from coding.rules import KeywordRules


def test_plural_of_a_keyword_is_matched_even_where_the_lookup_table_is_asymmetric():
    # The lookup table maps 'meeting' to 'meet' but 'meetings' to 'meeting'.
    rules = KeywordRules({1: ["meeting"], 2: ["weekly report"], 3: ["escalat*"]})
    hits = rules.match(["We hold governance meetings monthly.", "The weekly reports are late.",
                        "They escalated it to the board.", "Nothing relevant here."])
    assert hits == [{1: ["meeting"]}, {2: ["weekly report"]}, {3: ["escalat*"]}, {}]
