"""Scenarios: what the world looks like. One value taken by the planner and the simulation alike.

Spec strings (combine with several --scenario flags or with '+'):
  baseline                          normal operations
  red-sea-closed                    Suez/Bab-el-Mandeb closed: sea goes round the Cape of Good Hope
  border:CROSSING=PCT%              a border crossing at reduced capacity, e.g. border:khorgos=50%
                                    (CROSSING: a crossing id such as brest-malaszewicze, or a place on it;
                                    the share as PCT% or a fraction 0..1; 0% closes the crossing)
  avoid:COUNTRY                     no transit through a country, e.g. avoid:RU (ISO code or name)
  avoid-corridor:CORRIDOR           no trains of a corridor, e.g. avoid-corridor:trans-siberian
  sea-to-rail:PCT%                  shift a share of sea demand to rail (simulation demand)
  reopen:TAG                        run the suspended services of a tag again, e.g. reopen:ukraine
  reopen-suspended                  run every suspended service again
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from landbridge.errors import InvalidRequestError, did_you_mean

VALID_FORMS = (
    "baseline",
    "red-sea-closed",
    "border:CROSSING=PCT% (e.g. border:khorgos=50%)",
    "avoid:COUNTRY (e.g. avoid:RU)",
    "avoid-corridor:CORRIDOR (e.g. avoid-corridor:trans-siberian)",
    "sea-to-rail:PCT% (e.g. sea-to-rail:10%)",
    "reopen:TAG (e.g. reopen:ukraine)",
    "reopen-suspended",
)
COUNTRY_NAMES = {
    "russia": "RU",
    "belarus": "BY",
    "kazakhstan": "KZ",
    "mongolia": "MN",
    "china": "CN",
    "poland": "PL",
    "germany": "DE",
    "georgia": "GE",
    "azerbaijan": "AZ",
    "turkey": "TR",
    "turkiye": "TR",
    "ukraine": "UA",
    "lithuania": "LT",
    "latvia": "LV",
    "finland": "FI",
    "hungary": "HU",
    "serbia": "RS",
    "romania": "RO",
}


@dataclass(frozen=True)
class Scenario:
    name: str = "baseline"
    red_sea_closed: bool = False
    border_capacity: tuple[tuple[str, float], ...] = ()  # (crossing id or place id, capacity factor 0..1)
    avoid_countries: frozenset[str] = field(default_factory=frozenset)
    avoid_corridors: frozenset[str] = field(default_factory=frozenset)
    sea_to_rail_share: float = 0.0
    reopened: frozenset[str] = field(default_factory=frozenset)  # suspension tags run again; "*" = all

    def reopens(self, tag: str) -> bool:
        """True when the scenario runs again the services suspended under `tag`."""
        return "*" in self.reopened or tag in self.reopened

    @property
    def is_baseline(self) -> bool:
        return self == Scenario(name=self.name)

    def capacity_factor(self, crossing_id: str, place_ids: Iterable[str] = ()) -> float:
        keys = {crossing_id, *place_ids}
        f = 1.0
        for key, factor in self.border_capacity:
            if key in keys:
                f = min(f, factor)
        return f

    def describe(self) -> str:
        parts = []
        if self.red_sea_closed:
            parts.append("Red Sea closed (sea via the Cape)")
        for key, factor in self.border_capacity:
            parts.append(f"{key} at {factor:.0%} capacity")
        if self.avoid_countries:
            parts.append("avoiding " + ", ".join(sorted(self.avoid_countries)))
        if self.avoid_corridors:
            parts.append("avoiding corridor " + ", ".join(sorted(self.avoid_corridors)))
        if self.sea_to_rail_share:
            parts.append(f"{self.sea_to_rail_share:.0%} of sea demand shifted to rail")
        if self.reopened:
            parts.append("suspended services reopened: " + ", ".join(sorted(self.reopened)))
        return "; ".join(parts) or "normal operations"


def _percent(text: str, spec: str) -> float:
    """A share in [0, 1] from `PCT%` (0% to 100%) or a fraction between 0 and 1 (`0.5`); nothing else."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(%?)\s*", text)
    share = None
    if m:
        value = float(m.group(1))
        share = value / 100 if m.group(2) else value
    if share is None or not 0 <= share <= 1:
        raise InvalidRequestError(
            f"Scenario {spec!r}: {text.strip()!r} is not a share; write a percentage between 0% and 100% (e.g. 50%) "
            "or a fraction between 0 and 1 (e.g. 0.5)."
        )
    return share


def country_code(text: str, spec: str) -> str:
    """An ISO 3166-1 alpha-2 code from a code or an English country name; a clear error with suggestions."""
    import pycountry

    raw = text.strip()
    code = COUNTRY_NAMES.get(raw.lower(), raw.upper())
    if re.fullmatch(r"[A-Z]{2}", code) and pycountry.countries.get(alpha_2=code) is not None:
        return code
    for c in pycountry.countries:
        names = {c.name.lower(), getattr(c, "official_name", "").lower(), getattr(c, "common_name", "").lower()}
        if raw.lower() in names or raw.upper() == c.alpha_3:
            return str(c.alpha_2)
    candidates = {c.alpha_2: c.name for c in pycountry.countries}
    hint = did_you_mean(raw, [*candidates, *candidates.values(), *COUNTRY_NAMES])
    by_name = {v: k for k, v in candidates.items()}
    suggestions = [
        f"{h} ({candidates[h]})"
        if h in candidates
        else f"{by_name[h]} ({h})"
        if h in by_name
        else f"{COUNTRY_NAMES[h]} ({candidates[COUNTRY_NAMES[h]]})"
        for h in hint
    ]
    extra = f" Did you mean {', '.join(dict.fromkeys(suggestions))}?" if suggestions else ""
    raise InvalidRequestError(
        f"Scenario {spec!r}: {raw!r} is not an ISO 3166-1 country code or a country name.{extra} "
        "Write the two-letter code, e.g. avoid:RU, avoid:KZ."
    )


def parse_scenario(
    specs: Iterable[str] | str | None,
    crossings: dict[str, Iterable[str]] | None = None,
    corridors: Iterable[str] | None = None,
    suspension_tags: Iterable[str] | None = None,
) -> Scenario:
    """Parse spec strings into one Scenario. `crossings` maps crossing id -> its place ids (for checking
    names); `corridors` lists known corridor names; `suspension_tags` the tags of suspended services that
    reopen:TAG may name. Unknown forms list the valid ones."""
    if specs is None:
        specs = []
    if isinstance(specs, str):
        specs = [specs]
    parts = [p.strip() for s in specs for p in s.split("+") if p.strip()]
    red_sea = False
    borders: list[tuple[str, float]] = []
    avoid: set[str] = set()
    avoid_corr: set[str] = set()
    shift = 0.0
    reopened: set[str] = set()
    names = []
    for spec in parts:
        low = spec.lower()
        names.append(low)
        if low in ("baseline", "normal"):
            continue
        if low in ("red-sea-closed", "suez-closed", "red-sea"):
            red_sea = True
            continue
        if low == "reopen-suspended":
            reopened.add("*")
            continue
        kind, sep, arg = low.partition(":")
        if kind == "border" and sep:
            target, eq, pct = arg.partition("=")
            if not eq:
                raise InvalidRequestError(f"Scenario {spec!r}: say the capacity left, e.g. border:{target}=50%.")
            target = target.strip()
            if crossings is not None:
                known = set(crossings) | {p for ps in crossings.values() for p in ps}
                if target not in known:
                    hint = did_you_mean(target, known)
                    extra = f" Did you mean {', '.join(hint)}?" if hint else ""
                    raise InvalidRequestError(
                        f"Scenario {spec!r}: unknown border crossing {target!r}.{extra} "
                        f"Known crossings: {', '.join(sorted(crossings))}."
                    )
            borders.append((target, _percent(pct, spec)))
        elif kind == "avoid" and sep:
            avoid.add(country_code(arg, spec))
        elif kind == "avoid-corridor" and sep:
            corridor = arg.strip()
            if corridors is not None and corridor not in set(corridors):
                hint = did_you_mean(corridor, corridors)
                extra = f" Did you mean {', '.join(hint)}?" if hint else ""
                known = ", ".join(sorted(set(corridors)))
                raise InvalidRequestError(f"Scenario {spec!r}: unknown corridor {corridor!r}.{extra} Known: {known}.")
            avoid_corr.add(corridor)
        elif kind == "sea-to-rail" and sep:
            shift = _percent(arg, spec)
        elif kind == "reopen" and sep and re.fullmatch(r"[a-z0-9][a-z0-9-]*", arg.strip()):
            tag = arg.strip()
            if suspension_tags is not None and tag not in set(suspension_tags):
                tags = sorted(set(suspension_tags))
                hint = did_you_mean(tag, tags)
                extra = f" Did you mean {', '.join(hint)}?" if hint else ""
                listed = (
                    f"Suspended services carry the tags: {', '.join(tags)}." if tags else "No service is suspended."
                )
                raise InvalidRequestError(
                    f"Scenario {spec!r}: no suspended service has the tag {tag!r}.{extra} {listed}"
                )
            reopened.add(tag)
        else:
            hint = did_you_mean(low, ["baseline", "red-sea-closed"])
            extra = f" Did you mean {hint[0]}?" if hint else ""
            raise InvalidRequestError(f"Unknown scenario {spec!r}.{extra} Valid forms: " + "; ".join(VALID_FORMS) + ".")
    name = "+".join(n for n in names if n not in ("baseline", "normal")) or "baseline"
    return Scenario(name, red_sea, tuple(borders), frozenset(avoid), frozenset(avoid_corr), shift, frozenset(reopened))


BASELINE = Scenario()
