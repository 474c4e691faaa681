"""Map label glyphs made by the app itself: MapLibre's SDF glyph PBFs from an installed CJK font.

MapLibre draws text from signed-distance-field bitmaps it fetches per fontstack and range of
256 code points (`{fontstack}/{start}-{end}.pbf`). Any fontstack a style or plotly names is
answered from the one font found here, with only the characters the app's texts use (every
unit name, the map's fixed words, ASCII): 470 characters instead of the font's 34,600, so a
range holds a few glyphs and a city view's labels cost a few kilobytes.

The format (MapLibre's `glyphs.proto`): message `glyphs` { repeated `fontstack` = 1 }, a
fontstack { `name` = 1, `range` = 2, repeated `glyph` = 3 }, a glyph { `id` = 1 (code point),
`bitmap` = 2 (one byte per pixel, (width+6)×(height+6): a 3-pixel buffer around the glyph),
`width` = 3, `height` = 4, `left` = 5 (sint32), `top` = 6 (sint32, from the ascender),
`advance` = 7 }, all measured at 24 px. A pixel holds 255 − (signed distance × 32 + 64)
clamped to 0–255: 191 on the outline, more inside, fading to 0 eight pixels outside.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from fontTools.pens.basePen import BasePen

LOGGER = logging.getLogger(__name__)

SIZE = 24  # MapLibre lays out glyphs from PBFs measured at 24 px
BUFFER = 3
RADIUS = 8  # distances beyond 8 px saturate
CUTOFF = 0.25  # the share of the byte range kept for distances inside the outline
RANGE = 256
# Fonts tried in order when the `glyphs_font` setting names none: Debian's Noto Sans CJK
# (fonts-noto-cjk) draws best; WenQuanYi Micro Hei (fonts-wqy-microhei) is what CI installs.
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
# Words the map may draw besides unit names (level names, the approximate-boundary mark,
# module layer words), and the characters numbers and codes need.
MAP_WORDS = (
    "莆田市区县镇街村居社区委员会示意辖区重点部位水位雨量站台风七级十级十二级风圈演练预警"
    "高中低风险巡查离线底图天地图高德地图影像矢量注记自定义瓦片空白东南西北"
    "（）、，。：；·—《》“”【】"
)
ASCII = "".join(chr(c) for c in range(0x20, 0x7F))


class NoFont(RuntimeError):
    """No CJK font is installed (or the configured one cannot be read)."""


def find_font(configured: str = "") -> Path:
    """The font file to draw labels with: the configured one, else the first installed."""
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise NoFont(f"glyphs_font {configured!r} is not a file")
        return path
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    raise NoFont(
        "no CJK font found for map labels: install fonts-wqy-microhei or fonts-noto-cjk, "
        "or set glyphs_font"
    )


def range_start(text: str) -> int:
    """The first code point of a `{start}-{end}` range MapLibre asks for (ValueError if bad)."""
    start_text, _, end_text = text.partition("-")
    start, end = int(start_text), int(end_text)
    if start < 0 or start % RANGE or end != start + RANGE - 1 or end > 0xFFFF:
        raise ValueError(f"not a glyph range: {text!r}")
    return start


def charset(texts: Iterable[str]) -> frozenset[str]:
    """The characters labels may need: those of `texts`, the map's words and ASCII."""
    chars = set(ASCII) | set(MAP_WORDS)
    for text in texts:
        chars.update(text)
    return frozenset(c for c in chars if c.isprintable() and ord(c) <= 0xFFFF)


# --- protobuf wire format: just what glyph messages need -------------------------------


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _uint_field(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def _sint_field(number: int, value: int) -> bytes:
    return _uint_field(number, (value << 1) ^ (value >> 31))  # zigzag, 32-bit


def _bytes_field(number: int, value: bytes) -> bytes:
    return _varint((number << 3) | 2) + _varint(len(value)) + value


# --- outlines and distance fields -------------------------------------------------------


class _FlatteningPen(BasePen):
    """Collects a glyph's contours, components drawn in, as closed polylines in pixels
    (curves cut into segments about a pixel long)."""

    def __init__(self, glyph_set, scale: float) -> None:
        super().__init__(glyph_set)
        self.scale = scale
        self.rings: list[list[tuple[float, float]]] = []
        self._ring: list[tuple[float, float]] = []

    def _moveTo(self, point) -> None:  # noqa: N802 - fontTools' pen protocol
        self._finish()
        self._ring = [point]

    def _lineTo(self, point) -> None:  # noqa: N802
        self._ring.append(point)

    def _qCurveToOne(self, control, end) -> None:  # noqa: N802
        start = self._getCurrentPoint()
        for t in self._params(start, control, end):
            u = 1 - t
            self._ring.append(
                (
                    u * u * start[0] + 2 * u * t * control[0] + t * t * end[0],
                    u * u * start[1] + 2 * u * t * control[1] + t * t * end[1],
                )
            )

    def _curveToOne(self, first, second, end) -> None:  # noqa: N802
        start = self._getCurrentPoint()
        for t in self._params(start, first, second, end):
            u = 1 - t
            a, b, c, d = u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t
            self._ring.append(
                (
                    a * start[0] + b * first[0] + c * second[0] + d * end[0],
                    a * start[1] + b * first[1] + c * second[1] + d * end[1],
                )
            )

    def _closePath(self) -> None:  # noqa: N802
        self._finish()

    def _endPath(self) -> None:  # noqa: N802
        self._finish()

    def _params(self, *points) -> np.ndarray:
        length = sum(math.dist(a, b) for a, b in zip(points, points[1:], strict=False))
        steps = max(2, min(16, math.ceil(length * self.scale)))  # segments about 1 px long
        return np.linspace(0, 1, steps + 1)[1:]

    def _finish(self) -> None:
        if len(self._ring) > 1:
            ring = [(x * self.scale, y * self.scale) for x, y in self._ring]
            if ring[0] != ring[-1]:
                ring.append(ring[0])
            self.rings.append(ring)
        self._ring = []


def _segments(rings: list[list[tuple[float, float]]]) -> tuple[np.ndarray, np.ndarray]:
    starts, ends = [], []
    for ring in rings:
        points = np.asarray(ring, dtype=np.float64)
        starts.append(points[:-1])
        ends.append(points[1:])
    return np.concatenate(starts), np.concatenate(ends)


def distance_field(
    rings: list[list[tuple[float, float]]], width: int, height: int, origin: tuple[int, int]
) -> bytes:
    """The SDF bitmap (rows top to bottom) of a glyph whose bounding box starts at `origin`.

    Each pixel centre's distance to the nearest outline segment, negative inside (non-zero
    winding, as TrueType and CFF fill), mapped to a byte as MapLibre reads it."""
    columns, rows = width + 2 * BUFFER, height + 2 * BUFFER
    xs = np.arange(columns) + 0.5 + origin[0] - BUFFER
    ys = np.arange(rows)[::-1] + 0.5 + origin[1] - BUFFER  # row 0 is the top
    px, py = (grid.ravel()[:, None] for grid in np.meshgrid(xs, ys))
    a, b = _segments(rings)
    ax, ay, bx, by = a[:, 0], a[:, 1], b[:, 0], b[:, 1]
    dx, dy = bx - ax, by - ay
    length2 = np.where(dx * dx + dy * dy == 0, 1.0, dx * dx + dy * dy)
    t = np.clip(((px - ax) * dx + (py - ay) * dy) / length2, 0.0, 1.0)
    distance = np.sqrt(((ax + t * dx - px) ** 2 + (ay + t * dy - py) ** 2).min(axis=1))
    side = dx * (py - ay) - (px - ax) * dy  # > 0: the point lies left of the segment
    upward = (ay <= py) & (by > py) & (side > 0)
    downward = (ay > py) & (by <= py) & (side < 0)
    inside = (upward.sum(axis=1) - downward.sum(axis=1)) != 0
    signed = np.where(inside, -distance, distance) * (256 / RADIUS) + CUTOFF * 256
    return (255 - np.clip(signed, 0, 255).astype(np.uint8)).astype(np.uint8).tobytes()


@dataclass(frozen=True)
class Glyph:
    """One glyph as the PBF carries it."""

    id: int
    bitmap: bytes
    width: int
    height: int
    left: int
    top: int
    advance: int

    def message(self) -> bytes:
        body = _uint_field(1, self.id)
        if self.width and self.height:
            body += _bytes_field(2, self.bitmap)
        body += _uint_field(3, self.width) + _uint_field(4, self.height)
        body += _sint_field(5, self.left) + _sint_field(6, self.top)
        return body + _uint_field(7, self.advance)


class Font:
    """One face of an installed font, drawn at MapLibre's 24 px."""

    def __init__(self, path: Path) -> None:
        from fontTools.ttLib import TTCollection, TTFont

        try:
            if path.suffix.lower() in (".ttc", ".otc"):
                face = TTCollection(str(path), lazy=True).fonts[0]
            else:
                face = TTFont(str(path), lazy=True)
        except Exception as error:  # fontTools raises several kinds for a bad file
            raise NoFont(f"cannot read font {path}: {error}") from error
        self.path = path
        self.scale = SIZE / face["head"].unitsPerEm
        self.ascender = math.ceil(face["hhea"].ascent * self.scale)  # FreeType's rounding
        self.cmap = face.getBestCmap()
        self.glyph_set = face.getGlyphSet()
        self._lock = threading.Lock()  # fontTools decompiles tables lazily: not thread-safe

    @property
    def key(self) -> str:
        """Names this font's glyphs in caches: its path, size and modification time."""
        stat = self.path.stat()
        text = f"{self.path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{SIZE}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def has(self, char: str) -> bool:
        return ord(char) in self.cmap

    def glyph(self, char: str) -> Glyph | None:
        """The glyph of one character, or None when the font has none."""
        name = self.cmap.get(ord(char))
        if name is None:
            return None
        pen = _FlatteningPen(self.glyph_set, self.scale)
        with self._lock:
            glyph = self.glyph_set[name]
            glyph.draw(pen)
            advance = round(glyph.width * self.scale)
        pen._finish()
        if not pen.rings:  # a space: advance only
            return Glyph(ord(char), b"", 0, 0, 0, -self.ascender, advance)
        points = np.concatenate([np.asarray(r) for r in pen.rings])
        left, bottom = (round(v) for v in points.min(axis=0))
        right, top = (round(v) for v in points.max(axis=0))
        width, height = right - left, top - bottom
        if width <= 0 or height <= 0:
            return Glyph(ord(char), b"", 0, 0, 0, -self.ascender, advance)
        bitmap = distance_field(pen.rings, width, height, (left, bottom))
        return Glyph(ord(char), bitmap, width, height, left, top - self.ascender, advance)


def range_pbf(fontstack: str, start: int, glyphs: Iterable[Glyph]) -> bytes:
    """The PBF of one fontstack's range holding these glyphs."""
    body = _bytes_field(1, fontstack.encode("utf-8"))
    body += _bytes_field(2, f"{start}-{start + RANGE - 1}".encode())
    for glyph in sorted(glyphs, key=lambda g: g.id):
        body += _bytes_field(3, glyph.message())
    return _bytes_field(1, body)


class GlyphStore:
    """Glyphs of the app's characters, rendered on first use and kept in memory and on disk.

    A range's glyphs are rendered once per font and character set (its file under
    `cache_dir` is named by both), so a restart or a second worker reads them back."""

    def __init__(self, font_setting: str, cache_dir: Path) -> None:
        self.font_setting = font_setting
        self.cache_dir = cache_dir
        self._font: Font | None = None
        self._ranges: dict[tuple[int, str], list[Glyph]] = {}
        self._lock = threading.Lock()

    def font(self) -> Font:
        with self._lock:
            if self._font is None:
                self._font = Font(find_font(self.font_setting))
            return self._font

    def glyphs(self, start: int, chars: frozenset[str]) -> list[Glyph]:
        """The glyphs among `chars` that fall in the range beginning at `start`."""
        wanted = "".join(sorted(c for c in chars if start <= ord(c) < start + RANGE))
        digest = hashlib.sha256(wanted.encode("utf-8")).hexdigest()[:12]
        key = (start, digest)
        with self._lock:
            if key in self._ranges:
                return self._ranges[key]
        font = self.font()
        path = self.cache_dir / font.key / f"{start}-{digest}.pbf"
        made = _read_cached(path)
        if made is None:
            made = [g for g in (font.glyph(c) for c in wanted) if g is not None]
            _write_cached(path, made)
        with self._lock:
            self._ranges[key] = made
        return made


def _read_cached(path: Path) -> list[Glyph] | None:
    if not path.is_file():
        return None
    try:
        return list(decode_range(path.read_bytes())[1])
    except (OSError, ValueError, IndexError):
        LOGGER.warning("glyph cache %s unreadable: rendering again", path)
        return None


def _write_cached(path: Path, glyphs: list[Glyph]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}-{threading.get_ident()}.tmp")
        temporary.write_bytes(range_pbf("cache", 0, glyphs))
        temporary.replace(path)  # atomic: another worker reads all of it or nothing
    except OSError as error:
        LOGGER.warning("glyph cache not written (%s): kept in memory only", error)


# --- reading PBFs back (the cache, and tests) -------------------------------------------


def _read_varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, at


def fields(data: bytes) -> list[tuple[int, int | bytes]]:
    """(field number, value) of a protobuf message: varints as int, length-delimited as bytes."""
    found: list[tuple[int, int | bytes]] = []
    at = 0
    while at < len(data):
        key, at = _read_varint(data, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, at = _read_varint(data, at)
            found.append((number, value))
        elif wire == 2:
            size, at = _read_varint(data, at)
            if at + size > len(data):
                raise ValueError("truncated field")
            found.append((number, data[at : at + size]))
            at += size
        else:
            raise ValueError(f"unexpected wire type {wire}")
    return found


def _unzigzag(value: int) -> int:
    return (value >> 1) ^ -(value & 1)


def decode_range(data: bytes) -> tuple[str, list[Glyph], str]:
    """(fontstack name, glyphs, range text) of a one-fontstack glyph PBF."""
    (number, stack), *_ = fields(data)
    if number != 1 or not isinstance(stack, bytes):
        raise ValueError("not a glyphs message")
    name, range_text, glyphs = "", "", []
    for number, value in fields(stack):
        if number == 1:
            name = value.decode("utf-8")
        elif number == 2:
            range_text = value.decode("utf-8")
        elif number == 3:
            parts = dict.fromkeys(range(1, 8), 0) | {2: b""}
            parts.update(fields(value))
            glyphs.append(
                Glyph(
                    parts[1],
                    parts[2],
                    parts[3],
                    parts[4],
                    _unzigzag(parts[5]),
                    _unzigzag(parts[6]),
                    parts[7],
                )
            )
    return name, glyphs, range_text
