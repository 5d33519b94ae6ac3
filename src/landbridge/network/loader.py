"""Load and validate the network from data files (shipped defaults, optionally a user's folder)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from landbridge.datafiles import DataSource, require_known, validate_entries
from landbridge.errors import DataError
from landbridge.network.models import BorderCrossing, Network, Place, RailLink, SeaRoute

PLACES = "places.yaml"
CITIES = "european_cities.csv"
# Destination cities by region: (file, region). Europe; the 1520 mm area, Central Asia and Mongolia.
CITY_FILES = ((CITIES, "europe"), ("eurasian_cities.csv", "eurasia"))
RAIL_LINKS = "rail_links.yaml"
CROSSINGS = "border_crossings.yaml"
RAIL_GEOMETRY = "derived/rail_geometry.json"
ROAD_DISTANCES = "derived/road_distances.json"
SEA_ROUTES = "derived/sea_routes.json"
PLACE_NAMES = "derived/place_names.json"
UNLOCODES = "unlocodes.yaml"


def _json(src: DataSource, name: str) -> dict[str, Any]:
    p = src.path(name)
    if not p.exists():
        return {}
    try:
        doc: dict[str, Any] = json.loads(p.read_text(encoding="utf-8"))
        return doc
    except json.JSONDecodeError as exc:
        raise DataError(src.display(name), f"not valid JSON at line {exc.lineno}: {exc.msg}") from None


def load_places(src: DataSource) -> tuple[dict[str, Place], dict[str, str]]:
    sources: dict[str, str] = {}
    doc = src.yaml(PLACES)
    sources[PLACES] = str(doc.get("source", ""))
    places = {p.id: p for p in validate_entries(src.display(PLACES), doc.get("places"), Place, section="places")}
    for name, region in CITY_FILES:
        _load_cities(src, name, region, places, sources)
    names_doc = _json(src, PLACE_NAMES)
    if names_doc:
        sources[PLACE_NAMES] = str(names_doc.get("source", ""))
    for pid, entry in (names_doc.get("places") or {}).items():
        # Chinese and Russian names from GeoNames, so that 重庆 or Москва resolve (build_network_data.py).
        p = places.get(pid)
        if p is not None:
            extra = tuple(n for n in entry.get("names", ()) if n not in p.aliases)
            places[pid] = p.model_copy(update={"aliases": p.aliases + extra})
    _apply_unlocodes(src, places, sources)
    city_ids = frozenset(q.id for q in places.values() if q.kind == "city")
    for p in places.values():
        if p.kind in ("hub", "border", "junction", "terminal") and p.gauge_mm is None:
            raise DataError(src.display(PLACES), "rail places need gauge_mm", entry=p.id, field="gauge_mm")
        if p.city is not None:
            require_known(src.display(PLACES), p.id, "city", p.city, city_ids)
    return places, sources


def _apply_unlocodes(src: DataSource, places: dict[str, Place], sources: dict[str, str]) -> None:
    """Set each place's UN/LOCODE from unlocodes.yaml (code, where it was checked, or why there is none).

    Raises DataError for an unknown place, a code of another country than the place's, a code that differs
    from one given in places.yaml, or an entry with neither a code nor a reason. (That every shipped hub,
    terminal, border station, port and airport has an entry is checked by the tests, not here: a user's
    network may add places before their codes are known.)"""
    doc = src.yaml(UNLOCODES, optional=True)
    if not doc:
        return
    file = src.display(UNLOCODES)
    sources[UNLOCODES] = str(doc.get("source", ""))
    issue = str(doc.get("list_issue", "")).strip()
    raw = doc.get("codes") or {}
    if not isinstance(raw, dict):
        raise DataError(file, "expected a mapping of place id to entry under 'codes'")
    from landbridge.network.entries import LocodeEntry  # the files' models load when a file is read

    for pid, value in raw.items():
        require_known(file, str(pid), "place", str(pid), list(places))
        try:
            e = LocodeEntry.model_validate(value)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise DataError(file, err["msg"], entry=str(pid), field=".".join(map(str, err["loc"])) or None) from None
        p = places[pid]
        for fld, code in (("code", e.code), ("carrier_code", e.carrier_code)):
            if code is not None and code[:2] != p.country:
                raise DataError(
                    file, f"{code} is a code of {code[:2]}, but {pid} lies in {p.country}", entry=str(pid), field=fld
                )
        if p.unlocode is not None and e.code != p.unlocode:
            raise DataError(file, f"places.yaml gives {p.unlocode}; give the code in one place", entry=str(pid))
        if e.code is not None:
            where = f"UN/LOCODE {issue}: " if issue else "UN/LOCODE: "
            note = f"{where}{e.entry} ({e.functions or '?'}, {e.status or '?'})" + (f"; {e.note}" if e.note else "")
        else:
            note = f"no UN/LOCODE: {e.reason}"
        aliases = p.aliases + ((e.carrier_code,) if e.carrier_code and e.carrier_code not in p.aliases else ())
        places[pid] = p.model_copy(update={"unlocode": e.code, "unlocode_note": note, "aliases": aliases})


def _load_cities(src: DataSource, name: str, region: str, places: dict[str, Place], sources: dict[str, str]) -> None:
    rows, csv_source = src.csv_rows(name)
    sources[name] = csv_source
    file = src.display(name)
    for n, row in enumerate(rows, start=2):
        label = row.get("id") or f"line {n}"
        try:
            city = Place.model_validate(
                {
                    "id": row.get("id"),
                    "name": row.get("name"),
                    "kind": "city",
                    "country": row.get("country"),
                    "lat": row.get("lat"),
                    "lon": row.get("lon"),
                    "unlocode": row.get("unlocode") or None,
                    "aliases": tuple(a for a in (row.get("aliases") or "").split("|") if a),
                    "region": region,
                }
            )
        except ValidationError as exc:
            err = exc.errors()[0]
            raise DataError(file, err["msg"], entry=label, field=".".join(map(str, err["loc"]))) from None
        if city.id in places:
            raise DataError(file, "id already used by another place; ids must be unique", entry=city.id, field="id")
        places[city.id] = city


def load_network(src: DataSource) -> Network:
    """The network from the data folder (the user's files over the shipped ones). Raises DataError naming
    file, entry and field of the first problem."""
    places, sources = load_places(src)
    rail_ids = frozenset(p.id for p in places.values() if p.is_rail)
    links = _rail_links(src, places, rail_ids, sources)
    crossings = _crossings(src, places, rail_ids, sources)
    road, sea = _derived_routes(src)
    return Network(places, links, crossings, road, sea, sources)


def _link_geometry(
    geometry: dict[str, Any], label: str, reverse_label: str, a: Place, b: Place
) -> tuple[tuple[tuple[float, float], ...], dict[str, Any] | None]:
    """The derived line of a link (either direction, turned to run from a to b), or the straight line."""
    geo = geometry.get(label) or geometry.get(reverse_label)
    if not geo:
        return ((a.lon, a.lat), (b.lon, b.lat)), None
    coords = tuple((float(x), float(y)) for x, y in geo["coordinates"])
    return (coords if label in geometry else tuple(reversed(coords))), geo


def _rail_links(
    src: DataSource, places: dict[str, Place], rail_ids: frozenset[str], sources: dict[str, str]
) -> list[RailLink]:
    doc = src.yaml(RAIL_LINKS)
    sources[RAIL_LINKS] = str(doc.get("source", ""))
    defaults = doc.get("defaults") or {}
    speed_by_country: dict[str, Any] = defaults.get("speed_kmh_by_country") or {}
    traction_by_country: dict[str, Any] = defaults.get("traction_by_country") or {}
    default_speed = float(defaults.get("speed_kmh", 30))
    default_traction = str(defaults.get("traction", "electric"))
    geometry = _json(src, RAIL_GEOMETRY).get("links") or {}
    file = src.display(RAIL_LINKS)
    from landbridge.network.entries import RailLinkEntry

    entries = validate_entries(file, doc.get("links"), RailLinkEntry, section="links", unique=False)
    links: list[RailLink] = []
    seen: set[frozenset[str]] = set()
    for e in entries:
        label = f"{e.from_}|{e.to}"
        for fld, pid in (("from", e.from_), ("to", e.to)):
            require_known(file, label, fld, pid, rail_ids)
        a, b = places[e.from_], places[e.to]
        if a.gauge_mm != b.gauge_mm:
            raise DataError(
                file,
                f"{a.id} is {a.gauge_mm} mm and {b.id} is {b.gauge_mm} mm; a change of gauge must be a border crossing",
                entry=label,
                field="to",
            )
        key = frozenset((a.id, b.id))
        if key in seen:
            raise DataError(file, "link listed twice", entry=label)
        seen.add(key)
        coords, geo = _link_geometry(geometry, label, f"{e.to}|{e.from_}", a, b)
        distance = e.distance_km or (geo or {}).get("distance_km")
        if not distance:
            raise DataError(
                file,
                "no derived rail distance; run `python tools/build_network_data.py` or give distance_km",
                entry=label,
                field="distance_km",
            )
        # The slower of the two countries' typical speeds governs a cross-border link.
        speed = e.speed_kmh or min(
            float(speed_by_country.get(a.country, default_speed)), float(speed_by_country.get(b.country, default_speed))
        )
        traction = e.traction or traction_by_country.get(a.country, default_traction)
        links.append(RailLink(a.id, b.id, float(distance), float(speed), traction, int(a.gauge_mm or 0), coords))
    return links


def _crossings(
    src: DataSource, places: dict[str, Place], rail_ids: frozenset[str], sources: dict[str, str]
) -> list[BorderCrossing]:
    doc = src.yaml(CROSSINGS)
    sources[CROSSINGS] = str(doc.get("source", ""))
    file = src.display(CROSSINGS)
    crossings: list[BorderCrossing] = []
    from landbridge.network.entries import CrossingEntry

    for c in validate_entries(file, doc.get("crossings"), CrossingEntry, section="crossings"):
        for fld, pid in (("from", c.from_), ("to", c.to)):
            require_known(file, c.id, fld, pid, rail_ids)
        a, b = places[c.from_], places[c.to]
        if c.transshipment_at is not None and c.transshipment_at not in (a.id, b.id):
            raise DataError(file, "must be one of the two sides, from or to", entry=c.id, field="transshipment_at")
        crossings.append(
            BorderCrossing(
                c.id,
                c.name,
                a.id,
                b.id,
                c.mode,
                c.distance_km,
                c.processing_hours,
                c.trains_per_day,
                c.typical_utilisation,
                int(a.gauge_mm or 0),
                int(b.gauge_mm or 0),
                c.source,
                c.transshipment_at,
                c.capacity_basis,
                c.capacity_source,
                c.import_hours,
                frozenset(c.import_countries),
            )
        )
    return crossings


def _derived_routes(
    src: DataSource,
) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], dict[str, SeaRoute]]]:
    """Road distances and sea routes derived at build time (data/derived/)."""
    road = {}
    for key, v in (_json(src, ROAD_DISTANCES).get("pairs") or {}).items():
        x, _, y = key.partition("|")
        road[(x, y)] = float(v["distance_km"])
    sea: dict[tuple[str, str], dict[str, SeaRoute]] = {}
    for key, variants in (_json(src, SEA_ROUTES).get("routes") or {}).items():
        x, _, y = key.partition("|")
        sea[(x, y)] = {
            name: SeaRoute(float(v["distance_km"]), tuple((float(p[0]), float(p[1])) for p in v["coordinates"]))
            for name, v in variants.items()
        }
    return road, sea


@lru_cache(maxsize=4)
def _cached(user_dir: str | None) -> Network:
    return load_network(DataSource(user_dir))


def default_network(user_dir: str | Path | None = None) -> Network:
    """The network, loaded once per process for a given data folder."""
    return _cached(str(user_dir) if user_dir else None)
