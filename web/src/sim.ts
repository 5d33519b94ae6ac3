// The latest simulation's results as pages use them (border queues for the network map and operations).
import { ApiError, api } from "./api";

export interface BorderKpi {
  name: string;
  mean_wait_hours: number;
  p90_wait_hours: number;
  max_wait_hours?: number;
  utilisation: number;
  trains_per_day: number;
  capacity_trains_per_day: number;
  max_queue_trains?: number;
}

export interface RunKpis {
  months?: string[];
  trains_per_month?: number[];
  teu_per_month?: number[];
  summary?: Record<string, number | null>;
  borders?: Record<string, BorderKpi>;
  scenario?: { name: string; description: string };
  transit_groups?: Record<string, Record<string, number>>;
}

export interface SimulationJob {
  id: string;
  status: "queued" | "running" | "done" | "failed";
  progress: number;
  phase: string;
  scenario: string[];
  days: number;
  seed: number;
  start: string;
  created_at: string;
  finished_at: string | null;
  error: string | null;
  runs: { label: string; kpis: RunKpis }[];
  comparison?: { kpi: string; values: (number | null)[]; deltas: (number | null)[]; digits: number }[];
}

/** The latest finished simulation on the server, or null when none has run. */
export async function latestSimulation(): Promise<SimulationJob | null> {
  try {
    return await api<SimulationJob>("/v1/simulations/latest");
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

/** The run whose queues pages show: the scenario run (the last one) of a job. */
export function mainRun(job: SimulationJob | null): { label: string; kpis: RunKpis } | null {
  return job && job.runs.length ? job.runs[job.runs.length - 1] : null;
}
