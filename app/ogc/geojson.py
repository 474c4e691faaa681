"""Writing features as GeoJSON text in the asked CRS, geometries converted all at once.

A page of a level collection carries shapely geometries (converted and written in one
vectorised call each); a module's features carry GeoJSON dicts, read into shapely only when
the answer is in another CRS than CRS84.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from app.ogc import crs

# One encoder for every call: json.dumps with options would build a new one each time.
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode


def geometry_texts(features: list[dict], uri: str) -> list[str]:
    """Each feature's geometry as GeoJSON text in `uri` ("null" where it has none)."""
    texts: list[str | None] = [None] * len(features)
    geoms: list[BaseGeometry] = []
    where: list[int] = []
    for index, feature in enumerate(features):
        geometry = feature.get("geometry")
        if geometry is None:
            texts[index] = "null"
        elif isinstance(geometry, BaseGeometry):
            geoms.append(geometry)
            where.append(index)
        elif uri == crs.CRS84:
            texts[index] = _dumps(geometry)
        else:
            geoms.append(shape(geometry))
            where.append(index)
    if geoms:
        converted = crs.geometries_to(np.array(geoms, dtype=object), uri)
        for index, text in zip(where, shapely.to_geojson(converted), strict=True):
            texts[index] = text
    return texts  # type: ignore[return-value]


def feature_text(feature: dict, geometry: str) -> str:
    properties = _dumps(feature.get("properties") or {})
    links = feature.get("links")
    tail = f',"links":{_dumps(links)}' if links else ""
    return (
        f'{{"type":"Feature","id":{_dumps(feature.get("id"))},"geometry":{geometry},'
        f'"properties":{properties}{tail}}}'
    )


def collection_text(
    features: list[dict], uri: str, links: list[dict], matched: int | None = None
) -> str:
    """A FeatureCollection with OGC API members (numberReturned, timeStamp, links)."""
    texts = geometry_texts(features, uri)
    body = ",".join(feature_text(f, g) for f, g in zip(features, texts, strict=True))
    members = {
        "type": "FeatureCollection",
        "timeStamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "numberReturned": len(features),
        "links": links,
    }
    if matched is not None:
        members["numberMatched"] = matched
    return f'{_dumps(members)[:-1]},"features":[{body}]}}'


def single_text(feature: dict, uri: str, links: list[dict]) -> str:
    [geometry] = geometry_texts([feature], uri)
    return feature_text({**feature, "links": links}, geometry)
