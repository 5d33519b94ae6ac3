"""Trains the twin does not run but a gateway's published count includes.

The published trains per gateway (data/published_flows.yaml) count every train through the gateway,
China-Central Asia and China-Mongolia trains too. The twin runs the CR Express services only
(`cr_express: true`); the other cross-border services of the timetable (`cr_express: false`) are counted
here from the timetable, by their departures in the reported window, so that `kpis.json`
`trains_per_year_by_gateway` compares like with like. They take no transshipment track in the twin.
"""

from __future__ import annotations

from collections.abc import Sequence

from landbridge.timetable.builder import Timetable
from landbridge.timetable.models import Service


def crossings_of(service: Service) -> list[str]:
    """The ids of the border crossings a service passes, in order."""
    return [step.crossing.id for sec in service.sections for step in sec.steps if step.crossing is not None]


def timetable_only_gateway_trains(
    services: Sequence[Service], timetable: Timetable, start_epoch: float, end_epoch: float
) -> dict[str, int]:
    """Per crossing id: departures in [start_epoch, end_epoch) of the rail services the twin does not run
    (not CR Express) that pass it, both directions."""
    out: dict[str, int] = {}
    for s in services:
        if s.mode != "rail" or s.cr_express:
            continue
        passes = crossings_of(s)
        if not passes:
            continue
        n = len(timetable.departure_epochs_between(s, start_epoch, end_epoch))
        for cid in passes:
            out[cid] = out.get(cid, 0) + n
    return dict(sorted(out.items()))
