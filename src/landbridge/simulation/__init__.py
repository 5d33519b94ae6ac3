"""The digital twin: a discrete-event simulation of the CR Express network.

    from landbridge.simulation import RunSpec, run_one
    result = run_one(RunSpec(("red-sea-closed",), days=90, seed=1))
    result.kpis["trains_per_month"], result.kpis["transit_days"]["xian->duisburg-rail"]

Model (see docs/simulation.md): demand per origin-destination pair and day from the timetable's capacity,
load factors, seasonality and a scenario's sea-to-rail shift; trains formed per timetable from waiting
boxes (cancelled when nearly empty, extra trains when boxes are left behind); running times with
regional variability and winter slow-downs; border crossings as queues for transshipment tracks;
re-forming to 43-FEU EU trains at the gauge change; empties repositioned by rail or sea.
Engines: `engine.run_fast` (heap-based, the default) and `simpy_model.run_simpy` (the reference).
"""

from landbridge.simulation.kpis import RunResult
from landbridge.simulation.runner import RunSpec, aggregate, run_one, run_replications

__all__ = ["RunResult", "RunSpec", "aggregate", "run_one", "run_replications"]
