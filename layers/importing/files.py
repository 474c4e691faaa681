"""Which file is being imported, and whether it may be read at all: its kind, its size on
disk (a shapefile: with its .shx and .dbf) and, for a zip, what it unpacks to, all checked
before a byte of it is parsed.

A zip is unpacked here, not by GDAL, so that its entries are counted as they unpack: a
header that lies about an entry's size cannot make it expand past the limit.
"""

from __future__ import annotations

import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from layers.importing.report import Rejected, file_error
from layers.uploads import Unreadable, check_size, read_file, size_text

GEOJSON_SUFFIXES = (".geojson", ".json")
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
SIDE_FILES = (".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".qmd", ".xml")
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
SQLITE_MAGIC = b"SQLite format 3\x00"
SHAPEFILE_MAGIC = b"\x00\x00\x27\x0a"
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Dataset:
    """What to read: a GeoJSON's bytes, or the path of a GeoPackage or shapefile."""

    kind: str  # "geojson", "gpkg" or "shapefile"
    path: Path
    data: bytes | None = None  # GeoJSON only
    note: str | None = None  # how it was found, e.g. inside a zip


def refuse(reason: str, reason_zh: str) -> Rejected:
    return Rejected([file_error(reason, reason_zh)])


@contextmanager
def opened(path: Path, limit: int) -> Iterator[Dataset]:
    """The data set in `path`, checked against `limit` bytes; a zip is unpacked into a
    temporary folder that is removed afterwards."""
    name = path.name
    try:
        if path.is_dir():
            raise refuse(
                f"{path} is a folder: name the file to import (.geojson, .gpkg, .shp or .zip)",
                f"{name} 是文件夹，请指定要导入的文件（.geojson、.gpkg、.shp 或 .zip）",
            )
        size = path.stat().st_size
    except FileNotFoundError:
        raise refuse(f"{path}: no such file", f"文件不存在：{path}") from None
    except OSError as error:
        raise refuse(
            f"{path} cannot be opened ({error.strerror})", f"无法打开文件 {name}"
        ) from None
    if size == 0:
        raise refuse(
            f"{name} is empty (0 bytes): export the boundaries again",
            f"文件 {name} 为空（0 字节），请重新导出边界数据",
        )
    kind = _kind(path)
    if kind == "zip":
        _check(size, limit, name)
        with tempfile.TemporaryDirectory(prefix="onemap-import-") as folder:
            yield _unzipped(path, Path(folder), limit)
        return
    if kind == "geojson":
        try:
            data = read_file(path, limit)
        except Unreadable as error:
            raise refuse(f"{name}: {error.reason}", error.reason_zh) from None
        yield Dataset(kind, path, data)
        return
    if kind == "shapefile":
        size = sum(p.stat().st_size for p in _parts(path) if p.suffix.lower() != ".prj")
    _check(size, limit, name)
    yield Dataset(kind, path)


def _check(size: int, limit: int, name: str) -> None:
    try:
        check_size(size, limit)
    except Unreadable as error:
        raise refuse(f"{name}: {error.reason}: split it", error.reason_zh) from None


def _head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(64)


def _kind(path: Path) -> str:
    """By the file's first bytes where they are unmistakable, else by its suffix."""
    suffix = path.suffix.lower()
    head = _head(path)
    if head.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC)):
        return "zip"
    if head.startswith(SQLITE_MAGIC):
        return "gpkg"
    if suffix == ".shp":
        if not head.startswith(SHAPEFILE_MAGIC):
            raise refuse(
                f"{path.name} is not a shapefile (its header is not a shapefile's): export it "
                "again from your GIS, with its .shx, .dbf and .prj files",
                f"{path.name} 不是有效的 Shapefile（文件头不正确）：请在 GIS 软件中重新导出，"
                "并连同 .shx、.dbf、.prj 文件一起提供",
            )
        return "shapefile"
    if suffix in GEOJSON_SUFFIXES or head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return "geojson"
    if suffix == ".gpkg":
        raise refuse(
            f"{path.name} is not a GeoPackage (it is not an SQLite database): export it "
            "again from your GIS",
            f"{path.name} 不是有效的 GeoPackage 文件：请在 GIS 软件中重新导出",
        )
    if suffix in SIDE_FILES:
        raise refuse(
            f"{path.name} is one of a shapefile's companion files: name its .shp file "
            f"({path.with_suffix('.shp').name}), or zip all of them and import the zip",
            f"{path.name} 是 Shapefile 的附属文件：请指定 .shp 文件，或把所有文件压缩为 zip 后导入",
        )
    shown = suffix or "(no extension)"
    raise refuse(
        f"{path.name}: files of type {shown} cannot be imported: use GeoJSON (.geojson), "
        "a GeoPackage (.gpkg), a shapefile (.shp) or a shapefile zipped (.zip)",
        f"不支持 {suffix or '无扩展名'} 文件：请使用 GeoJSON（.geojson）、GeoPackage（.gpkg）、"
        "Shapefile（.shp）或其 zip 压缩包",
    )


def _parts(shp: Path) -> list[Path]:
    """The shapefile's .shp, .shx and .dbf (and .prj, .cpg when present)."""
    found = {p.suffix.lower(): p for p in shp.parent.glob(f"{_glob_escape(shp.stem)}.*")}
    found[".shp"] = shp
    missing = [s for s in (".shx", ".dbf") if s not in found]
    if missing:
        names = ", ".join(shp.stem + s for s in missing)
        raise refuse(
            f"{shp.name} comes without {names}: a shapefile is several files; copy its .shp, "
            ".shx, .dbf and .prj together (or zip them) and import again",
            f"Shapefile 缺少 {names}：Shapefile 由多个文件组成，请把 .shp、.shx、.dbf、.prj "
            "放在同一文件夹（或压缩为 zip）后重新导入",
        )
    return [found[s] for s in SHAPEFILE_PARTS if s in found]


def _glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[]" else c for c in text)


def _unzipped(path: Path, folder: Path, limit: int) -> Dataset:
    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            members = _members(archive, name)
            declared = sum(info.file_size for info in members)
            if declared > limit:
                raise _too_big(name, limit, f"{size_text(declared)}", f"为 {size_text(declared)}")
            kind, target = _extract(archive, members, folder, limit, name)
    except zipfile.BadZipFile:
        raise refuse(
            f"{name} is not a readable zip archive (damaged or not a zip): zip the "
            "shapefile's files again",
            f"{name} 不是有效的 zip 压缩包（已损坏或不是 zip）：请重新压缩 Shapefile 的全部文件",
        ) from None
    except NotImplementedError:
        raise refuse(
            f"{name} is compressed with a method that cannot be read here: zip it again "
            "with ordinary (deflate) compression",
            f"{name} 的压缩方式无法读取：请用普通 zip（deflate）方式重新压缩",
        ) from None
    if kind == "geojson":
        data = target.read_bytes()
        return Dataset(kind, target, data, f"read {members[0].filename} from {name}")
    main = next(i.filename for i in members if i.filename.lower().endswith(target.suffix))
    return Dataset(kind, target, None, f"read {main} from {name}")


def _members(archive: zipfile.ZipFile, name: str) -> list[zipfile.ZipInfo]:
    """The entries of the one data set in the zip: a shapefile's parts, or one file."""
    entries = [
        info
        for info in archive.infolist()
        if not info.is_dir()
        and not info.filename.startswith("__MACOSX/")
        and not PurePosixPath(info.filename).name.startswith("._")
    ]
    by_suffix: dict[str, list[zipfile.ZipInfo]] = {}
    for info in entries:
        by_suffix.setdefault(PurePosixPath(info.filename).suffix.lower(), []).append(info)
    for suffix in (".shp", ".gpkg", *GEOJSON_SUFFIXES):
        found = by_suffix.get(suffix, [])
        if len(found) > 1:
            shown = ", ".join(info.filename for info in found[:5])
            raise refuse(
                f"{name} holds {len(found)} data sets ({shown}): zip one at a time",
                f"{name} 中有 {len(found)} 个数据文件（{shown}），请每个 zip 只放一个",
            )
        if found:
            chosen = found[0]
            if suffix != ".shp":
                return [chosen]
            stem = str(PurePosixPath(chosen.filename).with_suffix("")).lower()
            parts = [
                info
                for info in entries
                if str(PurePosixPath(info.filename).with_suffix("")).lower() == stem
                and PurePosixPath(info.filename).suffix.lower() in SHAPEFILE_PARTS
            ]
            present = {PurePosixPath(info.filename).suffix.lower() for info in parts}
            missing = [s for s in (".shx", ".dbf") if s not in present]
            if missing:
                raise refuse(
                    f"{name} holds {chosen.filename} without its {', '.join(missing)}: zip "
                    "all of the shapefile's files (.shp, .shx, .dbf, .prj) together",
                    f"{name} 中的 Shapefile 缺少 {'、'.join(missing)} 文件：请把 .shp、.shx、"
                    ".dbf、.prj 一起压缩",
                )
            return parts
    shown = ", ".join(info.filename for info in entries[:5]) or "nothing"
    raise refuse(
        f"{name} holds no shapefile, GeoPackage or GeoJSON (it holds {shown}): zip the "
        "shapefile's .shp, .shx, .dbf and .prj files",
        f"{name} 中没有 Shapefile、GeoPackage 或 GeoJSON 文件：请压缩 Shapefile 的 .shp、.shx、"
        ".dbf、.prj 文件",
    )


def _extract(
    archive: zipfile.ZipFile,
    members: list[zipfile.ZipInfo],
    folder: Path,
    limit: int,
    name: str,
) -> tuple[str, Path]:
    """Unpack the members under fixed names ("data.shp" ...), counting what they unpack to."""
    total = 0
    target = folder
    for info in members:
        if info.flag_bits & 0x1:
            raise refuse(
                f"{name} is password-protected: zip it again without a password",
                f"{name} 设有密码，请不加密码重新压缩",
            )
        suffix = PurePosixPath(info.filename).suffix.lower()
        out = folder / f"data{suffix}"
        try:
            with archive.open(info) as source, out.open("wb") as sink:
                while chunk := source.read(_CHUNK):
                    total += len(chunk)
                    if total > limit:
                        raise _too_big(
                            name, limit, f"more than {size_text(limit)}", f"超过 {size_text(limit)}"
                        )
                    sink.write(chunk)
        except (zlib.error, EOFError):
            raise zipfile.BadZipFile() from None
        if suffix in (".shp", ".gpkg", *GEOJSON_SUFFIXES):
            target = out
    kind = {".shp": "shapefile", ".gpkg": "gpkg"}.get(target.suffix, "geojson")
    return kind, target


def _too_big(name: str, limit: int, unpacked: str, unpacked_zh: str) -> Rejected:
    text = size_text(limit)
    return refuse(
        f"{name} unpacks to {unpacked}, more than the limit of {text}: split the data "
        "into smaller files",
        f"{name} 解压后{unpacked_zh}（上限 {text}），请拆分后分批导入",
    )
