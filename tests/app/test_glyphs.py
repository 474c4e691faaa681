"""The map's glyphs: SDF glyph PBFs in MapLibre's format, made from an installed CJK font,
covering every character of every unit name, served to logged-in viewers only.

PBFs are read back here with a protobuf reader of this file's own (not app.glyphs'), so a
mistake in the app's encoder cannot hide behind the same mistake in its decoder.
"""

from __future__ import annotations

import math

import pytest

from app import glyphs

LEVELS = ("city", "county", "town", "village")
PLOTLY_STACK = "Open Sans Regular,Arial Unicode MS Regular"  # what plotly's text asks for


# --- an independent reader of the protobuf wire format ------------------------------------


def varint(data: bytes, at: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        byte = data[at]
        value, shift, at = value | (byte & 0x7F) << shift, shift + 7, at + 1
        if byte < 0x80:
            return value, at


def message(data: bytes) -> dict[int, list]:
    """Field number -> values (ints for varints, bytes for length-delimited)."""
    found: dict[int, list] = {}
    at = 0
    while at < len(data):
        key, at = varint(data, at)
        if key & 7 == 0:
            value, at = varint(data, at)
        elif key & 7 == 2:
            size, at = varint(data, at)
            value, at = data[at : at + size], at + size
            assert len(value) == size, "truncated"
        else:
            raise AssertionError(f"wire type {key & 7} in a glyph PBF")
        found.setdefault(key >> 3, []).append(value)
    return found


def zigzag(value: int) -> int:
    return (value >> 1) ^ -(value & 1)


def read_pbf(data: bytes) -> tuple[str, str, dict[int, dict]]:
    """(fontstack name, range, code point -> glyph fields) of a glyphs message."""
    top = message(data)
    assert list(top) == [1] and len(top[1]) == 1  # one fontstack
    stack = message(top[1][0])
    found = {}
    for raw in stack.get(3, []):
        fields = message(raw)
        glyph = {
            "id": fields[1][0],
            "bitmap": fields.get(2, [b""])[0],
            "width": fields[3][0],
            "height": fields[4][0],
            "left": zigzag(fields[5][0]),
            "top": zigzag(fields[6][0]),
            "advance": fields[7][0],
        }
        found[glyph["id"]] = glyph
    return stack[1][0].decode(), stack[2][0].decode(), found


# --- the distance field and the encoding, without an app ----------------------------------


def test_a_square_outline_gives_the_distances_maplibre_expects():
    # A 10 px square: 255 well inside, 191 on the outline, 64 px/8 per pixel outside.
    ring = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0), (0.0, 0.0)]
    bitmap = glyphs.distance_field([ring], 10, 10, (0, 0))
    side = 10 + 2 * glyphs.BUFFER
    assert len(bitmap) == side * side
    rows = [bitmap[r * side : (r + 1) * side] for r in range(side)]
    centre = rows[side // 2][side // 2]
    assert centre == 255  # 4.5 px inside: beyond the two pixels the inner range holds
    just_inside = rows[side // 2][glyphs.BUFFER]  # pixel centre 0.5 px inside the left edge
    just_outside = rows[side // 2][glyphs.BUFFER - 1]  # 0.5 px outside
    assert just_inside == 255 - int(-0.5 * 32 + 64)
    assert just_outside == 255 - int(0.5 * 32 + 64)
    corner = math.hypot(2.5, 2.5)  # the buffer's corner pixel from the square's corner
    assert rows[0][0] == 255 - int(corner * 32 + 64)


def test_a_hollow_glyph_is_outside_in_its_middle():
    font = glyphs.Font(glyphs.find_font())
    square = font.glyph("口")
    side = square.width + 2 * glyphs.BUFFER
    middle = square.bitmap[(square.height // 2 + glyphs.BUFFER) * side + side // 2]
    assert middle < 191  # the hole of 口 is not ink
    stroke = font.glyph("一")
    side = stroke.width + 2 * glyphs.BUFFER
    middle = stroke.bitmap[(stroke.height // 2 + glyphs.BUFFER) * side + side // 2]
    assert middle >= 191  # the middle of 一's one stroke is


def test_glyph_messages_read_back_field_by_field():
    glyph = glyphs.Glyph(0x897F, bytes(range(48)), 2, 2, -3, -21, 24)
    name, span, found = read_pbf(glyphs.range_pbf("某字体", 35072, [glyph]))
    assert (name, span) == ("某字体", "35072-35327")
    assert found[0x897F] == {
        "id": 0x897F,
        "bitmap": bytes(range(48)),
        "width": 2,
        "height": 2,
        "left": -3,
        "top": -21,
        "advance": 24,
    }


def test_ranges_are_whole_blocks_of_256():
    assert glyphs.range_start("35072-35327") == 35072
    for bad in ("35073-35328", "0-254", "-256--1", "65536-65791", "a-b", "0"):
        with pytest.raises(ValueError):
            glyphs.range_start(bad)


def test_a_configured_font_that_is_not_there_is_named(tmp_path):
    with pytest.raises(glyphs.NoFont, match="glyphs_font"):
        glyphs.find_font(str(tmp_path / "missing.ttf"))
    (tmp_path / "bad.ttf").write_bytes(b"not a font")
    with pytest.raises(glyphs.NoFont, match="cannot read"):
        glyphs.Font(tmp_path / "bad.ttf")


def test_the_store_renders_a_range_once_and_reads_it_back(tmp_path):
    store = glyphs.GlyphStore("", tmp_path)
    chars = frozenset("西天尾镇")
    first = store.glyphs(35072, chars)  # 西 and 角's range: only 西 is asked for
    assert [chr(g.id) for g in first] == ["西"]
    cached = list(tmp_path.rglob("*.pbf"))
    assert len(cached) == 1
    again = glyphs.GlyphStore("", tmp_path).glyphs(35072, chars)  # a new process: from disk
    assert again == first


# --- served -------------------------------------------------------------------------------


def every_name(client) -> list[str]:
    names = []
    for level in LEVELS:
        features = client.get(f"/api/v1/labels/{level}.geojson").get_json()["features"]
        names += [f["properties"][key] for f in features for key in ("name", "label")]
    return names


def test_the_served_glyphs_cover_every_character_of_every_unit_name(client):
    names = every_name(client)
    assert len(names) == 2 * 1042
    wanted = {c for name in names for c in name}
    ranges = sorted({ord(c) // 256 * 256 for c in wanted})
    covered: set[int] = set()
    for start in ranges:
        span = f"{start}-{start + 255}"
        response = client.get(f"/map/glyphs/{PLOTLY_STACK}/{span}.pbf")
        assert response.status_code == 200 and response.mimetype == "application/x-protobuf"
        name, answered_span, found = read_pbf(response.data)
        assert (name, answered_span) == (PLOTLY_STACK, span)
        for code, glyph in found.items():
            assert start <= code <= start + 255
            size = (glyph["width"] + 6) * (glyph["height"] + 6) if glyph["width"] else 0
            assert len(glyph["bitmap"]) == size
            assert 10 <= glyph["advance"] <= 30
        covered |= set(found)
    missing = sorted(c for c in wanted if ord(c) not in covered)
    assert missing == []
    assert len(wanted) > 400  # the names of 1,042 units use several hundred characters


def test_a_range_holds_only_the_characters_the_app_uses(client):
    response = client.get("/map/glyphs/OneMap Sans/19968-20223.pbf")  # 一 … 乞 …
    _, _, found = read_pbf(response.data)
    assert 0 < len(found) < 40  # the font has all 256 of this block
    assert ord("三") in found  # 三山村, 三江口镇, …


def test_digits_and_latin_letters_are_there_for_counts_and_codes(client):
    _, _, found = read_pbf(client.get("/map/glyphs/OneMap Sans/0-255.pbf").data)
    assert {ord(c) for c in "0123456789ABCxyz"} <= set(found)
    assert found[ord(" ")]["width"] == 0 and found[ord(" ")]["advance"] > 0


def test_glyphs_revalidate_by_etag_and_travel_gzip(client):
    url = "/map/glyphs/OneMap Sans/22784-23039.pbf"
    first = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip"
    assert first.headers["Cache-Control"] == "private, no-cache"
    again = client.get(
        url, headers={"Accept-Encoding": "gzip", "If-None-Match": first.get_etag()[0]}
    )
    assert again.status_code == 304


def test_bad_ranges_are_404_and_nobody_gets_glyphs(client, anonymous):
    assert client.get("/map/glyphs/OneMap Sans/1-256.pbf").status_code == 404
    assert client.get("/map/glyphs/OneMap Sans/65536-65791.pbf").status_code == 404
    response = anonymous.get("/map/glyphs/OneMap Sans/0-255.pbf")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
