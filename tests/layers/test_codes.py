"""Division codes: the 12-digit form, levels, parents and jurisdiction prefixes."""

import pytest

from layers import codes


def test_short_codes_expand_to_twelve_digits():
    assert codes.normalize("3503") == "350300000000"
    assert codes.normalize("350304") == "350304000000"
    assert codes.normalize(350304100) == "350304100000"
    assert codes.normalize("350304100001") == "350304100001"


@pytest.mark.parametrize("bad", ["", "35030", "3503041000011", "35030410000x", "abc", None])
def test_non_codes_are_rejected_with_the_input_named(bad):
    with pytest.raises(codes.InvalidCode, match="not a division code"):
        codes.normalize(bad)


@pytest.mark.parametrize(
    ("code", "level", "prefix", "parent"),
    [
        ("350300000000", "city", "3503", None),
        ("350304000000", "county", "350304", "350300000000"),
        ("350304100000", "town", "350304100", "350304000000"),
        ("350304100001", "village", "350304100001", "350304100000"),
        ("350302001000", "town", "350302001", "350302000000"),  # a 街道, TTT = 001
    ],
)
def test_levels_prefixes_and_parents(code, level, prefix, parent):
    assert codes.level_of(code) == level
    assert codes.prefix(code) == prefix
    assert codes.parent_of(code) == parent


def test_jurisdiction_is_a_prefix_match_that_does_not_leak_to_neighbours():
    assert codes.covers("350304", "350304100001")
    assert codes.covers("350304100000", "350304100001")
    assert not codes.covers("350303", "350304100001")
    assert not codes.covers("350304100", "350304101001")
    assert codes.covers("350300", "350322204001")


def test_town_kinds_follow_the_ttt_digits():
    assert codes.town_kind("350302001") == "街道"
    assert codes.town_kind("350304100") == "镇"
    assert codes.town_kind("350322200") == "乡"
    assert codes.town_kind("350305400") == "特殊"
    assert codes.town_kind("350303500") == "特殊"
