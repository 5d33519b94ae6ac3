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
  closure:CROSSING=FROM..TO         a border crossing closed from day FROM to day TO (inclusive, ISO dates,
                                    UTC days), e.g. closure:brest-malaszewicze=2025-09-11..2025-09-25
                                    (the Polish-Belarusian border closure of September 2025)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

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
    "closure:CROSSING=FROM..TO (e.g. closure:brest-malaszewicze=2025-09-11..2025-09-25)",
)
# Dates a closure may name: the calendar the timetable and the twin are meant for (a typo such as 2205 or
# 1025 is refused rather than silently having no effect).
CLOSURE_FIRST = date(2000, 1, 1)
CLOSURE_LAST = date(2100, 12, 31)
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
    """What the world looks like: Red Sea closed, border crossings at a share of their capacity (0 closes
    them), countries and corridors avoided, sea demand shifted to rail, suspended services reopened, crossings
    closed for a window of days."""

    name: str = "baseline"
    red_sea_closed: bool = False
    border_capacity: tuple[tuple[str, float], ...] = ()  # (crossing id or place id, capacity factor 0..1)
    avoid_countries: frozenset[str] = field(default_factory=frozenset)
    avoid_corridors: frozenset[str] = field(default_factory=frozenset)
    sea_to_rail_share: float = 0.0
    reopened: frozenset[str] = field(default_factory=frozenset)  # suspension tags run again; "*" = all
    closures: tuple[tuple[str, date, date], ...] = ()  # (crossing id or place id, first day, last day) closed

    def reopens(self, tag: str) -> bool:
        """True when the scenario runs again the services suspended under `tag`."""
        return "*" in self.reopened or tag in self.reopened

    @property
    def is_baseline(self) -> bool:
        return self == Scenario(name=self.name)

    def capacity_factor(self, crossing_id: str, place_ids: Iterable[str] = ()) -> float:
        """The share of capacity left (0..1) at a crossing, given its id and the places on it."""
        keys = {crossing_id, *place_ids}
        f = 1.0
        for key, factor in self.border_capacity:
            if key in keys:
                f = min(f, factor)
        return f

    def closures_at(self, crossing_id: str, place_ids: Iterable[str] = ()) -> list[tuple[date, date]]:
        """The windows (first day, last day, inclusive, UTC days) in which a crossing is closed."""
        keys = {crossing_id, *place_ids}
        return [(a, b) for key, a, b in self.closures if key in keys]

    def without_closures(self) -> Scenario:
        """The same scenario with no dated closure (what the twin's timetable runs: its trains still leave
        and meet the closure at the border)."""
        if not self.closures:
            return self
        from dataclasses import replace

        return replace(self, closures=())

    def describe(self) -> str:
        """One line for people, e.g. "Red Sea closed (sea via the Cape); khorgos at 50% capacity"."""
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
        for key, first, last in self.closures:
            parts.append(f"{key} closed {first.isoformat()} to {last.isoformat()}")
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


def _border(spec: str, arg: str, crossings: Mapping[str, Iterable[str]] | None) -> tuple[str, float]:
    """`CROSSING=SHARE` of a border spec: the crossing (id or a place on it, checked when `crossings` is
    given) and the share of capacity left."""
    target, eq, pct = arg.partition("=")
    if not eq:
        raise InvalidRequestError(f"Scenario {spec!r}: say the capacity left, e.g. border:{target}=50%.")
    target = _known_crossing(spec, target.strip(), crossings)
    return target, _percent(pct, spec)


def _known_crossing(spec: str, target: str, crossings: Mapping[str, Iterable[str]] | None) -> str:
    """A crossing id or a place on one, checked against `crossings` when given (with a did-you-mean)."""
    if crossings is not None:
        known = set(crossings) | {p for ps in crossings.values() for p in ps}
        if target not in known:
            hint = did_you_mean(target, known)
            extra = f" Did you mean {', '.join(hint)}?" if hint else ""
            raise InvalidRequestError(
                f"Scenario {spec!r}: unknown border crossing {target!r}.{extra} "
                f"Known crossings: {', '.join(sorted(crossings))}."
            )
    return target


def _closure_day(spec: str, text: str) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidRequestError(
            f"Scenario {spec!r}: {text.strip()!r} is not a date; write FROM..TO as ISO dates (YYYY-MM-DD), "
            "e.g. closure:brest-malaszewicze=2025-09-11..2025-09-25."
        ) from None
    if not CLOSURE_FIRST <= day <= CLOSURE_LAST:
        raise InvalidRequestError(
            f"Scenario {spec!r}: {day.isoformat()} is out of range; a closure's dates lie between "
            f"{CLOSURE_FIRST.isoformat()} and {CLOSURE_LAST.isoformat()}."
        )
    return day


def _closure(spec: str, arg: str, crossings: Mapping[str, Iterable[str]] | None) -> tuple[str, date, date]:
    """`CROSSING=FROM..TO` of a closure spec: the crossing and its first and last closed day (inclusive)."""
    target, eq, window = arg.partition("=")
    target = target.strip()
    first_text, dots, last_text = window.partition("..")
    if not eq or not dots:
        raise InvalidRequestError(
            f"Scenario {spec!r}: say the days it is closed, FROM..TO (inclusive), "
            f"e.g. closure:{target or 'brest-malaszewicze'}=2025-09-11..2025-09-25."
        )
    _known_crossing(spec, target, crossings)
    first, last = _closure_day(spec, first_text), _closure_day(spec, last_text)
    if first > last:
        raise InvalidRequestError(
            f"Scenario {spec!r}: the closure starts ({first.isoformat()}) after it ends ({last.isoformat()}); "
            "write FROM..TO with FROM on or before TO."
        )
    return target, first, last


def _corridor(spec: str, arg: str, corridors: Iterable[str] | None) -> str:
    corridor = arg.strip()
    if corridors is not None and corridor not in set(corridors):
        hint = did_you_mean(corridor, corridors)
        extra = f" Did you mean {', '.join(hint)}?" if hint else ""
        listed = ", ".join(sorted(set(corridors)))
        raise InvalidRequestError(f"Scenario {spec!r}: unknown corridor {corridor!r}.{extra} Known: {listed}.")
    return corridor


def _reopen_tag(spec: str, arg: str, suspension_tags: Iterable[str] | None) -> str:
    tag = arg.strip()
    if suspension_tags is not None and tag not in set(suspension_tags):
        tags = sorted(set(suspension_tags))
        hint = did_you_mean(tag, tags)
        extra = f" Did you mean {', '.join(hint)}?" if hint else ""
        known = f"Suspended services carry the tags: {', '.join(tags)}." if tags else "No service is suspended."
        raise InvalidRequestError(f"Scenario {spec!r}: no suspended service has the tag {tag!r}.{extra} {known}")
    return tag


KINDS = ("border", "avoid", "avoid-corridor", "sea-to-rail", "reopen", "closure")


def _unknown(spec: str) -> InvalidRequestError:
    kind, sep, arg = spec.lower().partition(":")
    if sep and kind not in KINDS and (kinds := did_you_mean(kind, KINDS)):
        hint = [f"{kinds[0]}:{arg}"]
    else:
        hint = did_you_mean(spec.lower(), ["baseline", "red-sea-closed", "reopen-suspended"])
    extra = f" Did you mean {hint[0]}?" if hint else ""
    return InvalidRequestError(f"Unknown scenario {spec!r}.{extra} Valid forms: " + "; ".join(VALID_FORMS) + ".")


@dataclass
class _Draft:
    """A scenario being parsed, spec by spec."""

    red_sea: bool = False
    borders: list[tuple[str, float]] = field(default_factory=list)
    avoid: set[str] = field(default_factory=set)
    avoid_corridors: set[str] = field(default_factory=set)
    shift: float = 0.0
    reopened: set[str] = field(default_factory=set)
    closures: list[tuple[str, date, date]] = field(default_factory=list)

    def add(
        self,
        spec: str,
        crossings: Mapping[str, Iterable[str]] | None,
        corridors: Iterable[str] | None,
        suspension_tags: Iterable[str] | None = None,
    ) -> None:
        low = spec.lower()
        if low in ("baseline", "normal"):
            return
        if low in ("red-sea-closed", "suez-closed", "red-sea"):
            self.red_sea = True
            return
        if low == "reopen-suspended":
            self.reopened.add("*")
            return
        kind, sep, arg = low.partition(":")
        if not sep:
            raise _unknown(spec)
        if kind == "border":
            self.borders.append(_border(spec, arg, crossings))
        elif kind == "avoid":
            self.avoid.add(country_code(arg, spec))
        elif kind == "avoid-corridor":
            self.avoid_corridors.add(_corridor(spec, arg, corridors))
        elif kind == "closure":
            self.closures.append(_closure(spec, arg, crossings))
        elif kind == "sea-to-rail":
            self.shift = _percent(arg, spec)
        elif kind == "reopen" and re.fullmatch(r"[a-z0-9][a-z0-9-]*", arg.strip()):
            self.reopened.add(_reopen_tag(spec, arg, suspension_tags))
        else:
            raise _unknown(spec)


def parse_scenario(
    specs: Iterable[str] | str | None,
    crossings: Mapping[str, Iterable[str]] | None = None,
    corridors: Iterable[str] | None = None,
    suspension_tags: Iterable[str] | None = None,
) -> Scenario:
    """Parse spec strings into one Scenario. `crossings` maps crossing id -> its place ids (for checking
    names); `corridors` lists known corridor names; `suspension_tags` the tags of suspended services that
    reopen:TAG may name. Unknown forms list the valid ones; every refusal is an InvalidRequestError that
    says what to write instead."""
    if specs is None:
        specs = []
    if isinstance(specs, str):
        specs = [specs]
    parts = [p.strip() for s in specs for p in s.split("+") if p.strip()]
    draft = _Draft()
    for spec in parts:
        draft.add(spec, crossings, corridors, suspension_tags)
    names = [p.lower() for p in parts]
    name = "+".join(n for n in names if n not in ("baseline", "normal")) or "baseline"
    return Scenario(
        name,
        draft.red_sea,
        tuple(draft.borders),
        frozenset(draft.avoid),
        frozenset(draft.avoid_corridors),
        draft.shift,
        frozenset(draft.reopened),
        tuple(draft.closures),
    )


BASELINE = Scenario()
