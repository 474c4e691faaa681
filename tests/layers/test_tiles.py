"""layers.tiles without a database: tile addresses, and reading a tile back."""

from __future__ import annotations

import math

import pytest

from layers import tiles
from tests.accounts_fixture import viewer_as


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _field(number: int, payload: bytes | int) -> bytes:
    if isinstance(payload, int):
        return _varint(number << 3) + _varint(payload)
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def test_addresses_outside_the_pyramid_are_refused():
    tiles.check_address(0, 0, 0)
    tiles.check_address(11, 2047, 0)
    for z, x, y in ((-1, 0, 0), (23, 0, 0), (3, 8, 0), (3, 0, -1)):
        with pytest.raises(tiles.BadTile):
            tiles.check_address(z, x, y)


def test_tile_of_finds_the_tile_under_a_point():
    def north_west(x: int, y: int, z: int) -> tuple[float, float]:
        n = 2**z
        lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))
        return x / n * 360 - 180, lat

    for lon, lat, z in ((119.0, 25.43, 11), (118.71, 25.12, 14), (119.3, 25.6, 7)):
        x, y = tiles.tile_of(lon, lat, z)
        west, north = north_west(x, y, z)
        east, south = north_west(x + 1, y + 1, z)
        assert west <= lon < east and south < lat <= north
    assert tiles.tile_of(119.0, 25.43, 11) == (1700, 874)
    assert tiles.tile_of(-180.0, 85.0, 2) == (0, 0)
    assert tiles.tile_of(179.99, -85.0, 2) == (3, 3)


def test_decode_reads_layers_keys_values_and_geometry_types():
    value_code = _field(1, b"350304100001")
    value_count = _field(4, 7)
    feature = _field(2, b"".join(_varint(v) for v in (0, 0, 1, 1))) + _field(3, 3)
    layer = (
        _field(15, 2)
        + _field(1, b"village")
        + _field(2, feature)
        + _field(3, b"code")
        + _field(3, b"count")
        + _field(4, value_code)
        + _field(4, value_count)
        + _field(5, 4096)
    )
    decoded = tiles.decode(_field(3, layer))
    assert decoded == {"village": [{"code": "350304100001", "count": 7, "$type": 3}]}
    assert tiles.decode(b"") == {}


def test_tiles_are_refused_without_postgis():
    class FakeSession:
        def get_bind(self):
            class Bind:
                class dialect:  # noqa: N801 - mimics SQLAlchemy's attribute
                    name = "sqlite"

            return Bind()

    viewer = viewer_as(1, "x", "x", "staff", ["350304100"])
    with pytest.raises(tiles.TilesUnsupported):
        tiles.tile(FakeSession(), viewer.scopes, "village", 11, 1700, 872)
    with pytest.raises(ValueError):
        tiles.tile(FakeSession(), viewer.scopes, "province", 11, 1700, 872)
