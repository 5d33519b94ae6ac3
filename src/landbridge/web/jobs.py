"""Simulation jobs for the Scenarios page: the twin runs in a child process (spawned, so the server's
threads and event loop are not copied and the GIL is not shared), reporting progress through a queue; a thread
in the server collects it. One job runs at a time per server process; the last jobs are kept in memory only
(a restart forgets them, and with `--workers N` each worker has its own: see docs/web.md)."""

from __future__ import annotations

import multiprocessing
import queue
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from landbridge.errors import ConflictError, NotFoundError
from landbridge.timefmt import iso_utc

KEEP_JOBS = 20  # finished jobs kept for GET; older ones are forgotten
JOB_TIMEOUT_S = 900.0  # a run taking longer than this is stopped and reported as failed


def _summary(kpis: dict[str, Any]) -> dict[str, Any]:
    """What the pages show of a run: headline KPIs, monthly series, border queues, transit groups."""
    keys = (
        "months",
        "trains_per_month",
        "teu_per_month",
        "extra_trains_per_month",
        "cancelled_trains_per_month",
        "summary",
        "borders",
        "transit_groups",
        "demand",
        "empties",
        "scenario",
        "seed",
        "start",
        "days",
    )
    return {k: kpis[k] for k in keys if k in kpis}


def _child(q: Any, runs: list[tuple[str, list[str]]], start: str, days: int, seed: int) -> None:
    """Runs in the child process: each (label, specs) in turn; puts ("progress", run, share), ("result", label,
    summary, comparable kpis), then ("done",) or ("error", message)."""
    try:
        from landbridge.simulation import RunSpec, run_one

        for k, (label, specs) in enumerate(runs):
            spec = RunSpec(tuple(specs), date.fromisoformat(start), days, seed)
            q.put(("progress", k, 0.0))

            def report(done: float, total: float, k: int = k) -> None:
                q.put(("progress", k, done / total if total else 1.0))

            result = run_one(spec, progress=report, tables=False)
            q.put(("result", label, _summary(result.kpis)))
        q.put(("done",))
    except Exception as exc:  # reported to the page as the job's error
        q.put(("error", f"{type(exc).__name__}: {exc}"))


@dataclass
class Job:
    id: str
    scenario: list[str]
    start: date
    days: int
    seed: int
    compare_baseline: bool
    created_at: datetime
    status: str = "queued"  # queued | running | done | failed
    progress: float = 0.0  # 0..1 over all runs
    phase: str = "starting"
    runs: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    finished_at: datetime | None = None

    def labels(self) -> list[tuple[str, list[str]]]:
        own = ("+".join(self.scenario) or "baseline", self.scenario)
        return [("baseline", []), own] if self.compare_baseline and self.scenario else [own]

    def out(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "id": self.id,
            "status": self.status,
            "progress": round(self.progress, 3),
            "phase": self.phase,
            "scenario": self.scenario,
            "start": self.start.isoformat(),
            "days": self.days,
            "seed": self.seed,
            "compare_baseline": self.compare_baseline,
            "created_at": iso_utc(self.created_at),
            "finished_at": iso_utc(self.finished_at) if self.finished_at else None,
            "error": self.error,
            "runs": self.runs,
        }
        if self.status == "done" and len(self.runs) > 1:
            doc["comparison"] = comparison(self.runs)
        return doc


def comparison(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The twin's comparison table (`landbridge simulate --compare`): a row per KPI, values per run, deltas
    against the first run."""
    from landbridge.simulation.runner import RunSpec, ScenarioRun
    from landbridge.simulation.runner import comparison as rows

    return rows([ScenarioRun(r["label"], RunSpec(), kpis=r["kpis"]) for r in runs])


class Jobs:
    """The server's simulation jobs (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, Job] = OrderedDict()

    def submit(self, scenario: list[str], start: date, days: int, seed: int, compare_baseline: bool) -> Job:
        with self._lock:
            busy = next((j for j in self._jobs.values() if j.status in ("queued", "running")), None)
            if busy is not None:
                raise ConflictError(
                    f"Simulation {busy.id} is still running ({busy.progress:.0%}); wait for it to finish "
                    f"(GET /v1/operator/simulations/{busy.id}), then start another."
                )
            job = Job("sim_" + secrets.token_hex(6), scenario, start, days, seed, compare_baseline, datetime.now(UTC))
            self._jobs[job.id] = job
            while len(self._jobs) > KEEP_JOBS:
                self._jobs.popitem(last=False)
        threading.Thread(target=self._run, args=(job,), name=f"simulation {job.id}", daemon=True).start()
        return job

    def get(self, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFoundError(
                f"No simulation {job_id[:40]!r} in this server (jobs are kept in memory: the last {KEEP_JOBS} "
                "since the server started)."
            )
        return job

    def latest_done(self) -> Job | None:
        with self._lock:
            done = [j for j in self._jobs.values() if j.status == "done"]
        return done[-1] if done else None

    def _run(self, job: Job) -> None:
        ctx = multiprocessing.get_context("spawn")
        q = ctx.Queue()
        runs = job.labels()
        proc = ctx.Process(
            target=_child, args=(q, runs, job.start.isoformat(), job.days, job.seed), name=job.id, daemon=True
        )
        job.status, job.phase = "running", "starting the twin"
        proc.start()
        deadline = time.monotonic() + JOB_TIMEOUT_S
        try:
            while True:
                try:
                    msg = q.get(timeout=1.0)
                except queue.Empty:
                    if not proc.is_alive():
                        raise RuntimeError(
                            f"the simulation process ended unexpectedly (exit code {proc.exitcode})"
                        ) from None
                    if time.monotonic() > deadline:
                        raise RuntimeError(
                            f"the simulation took longer than {JOB_TIMEOUT_S:.0f} s and was stopped"
                        ) from None
                    continue
                if msg[0] == "progress":
                    k, share = msg[1], float(msg[2])
                    job.phase = f"simulating {runs[k][0]} ({k + 1} of {len(runs)})"
                    job.progress = min(0.99, (k + share) / len(runs))
                elif msg[0] == "result":
                    job.runs.append({"label": msg[1], "kpis": msg[2]})
                elif msg[0] == "done":
                    job.status, job.progress, job.phase = "done", 1.0, "done"
                    break
                else:
                    raise RuntimeError(msg[1])
        except Exception as exc:
            job.status, job.phase, job.error = "failed", "failed", str(exc)
        finally:
            job.finished_at = datetime.now(UTC)
            if proc.is_alive():
                proc.terminate()
            proc.join(timeout=5)
            q.close()
