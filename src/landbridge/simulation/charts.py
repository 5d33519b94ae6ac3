"""Charts of a run: PNG (matplotlib, Agg) and one interactive HTML dashboard (plotly, self-contained)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from landbridge.errors import require

if TYPE_CHECKING:
    from landbridge.simulation.kpis import RunResult

Kpis = dict[str, Any]
QueueSeries = dict[str, tuple[list[str], list[int], list[float]]]

MAIN_CROSSINGS = (
    "brest-malaszewicze",
    "alashankou-dostyk",
    "khorgos-altynkol",
    "manzhouli-zabaykalsk",
    "erenhot-zamyn-uud",
)


def _queue_series(first: RunResult) -> QueueSeries:
    """Per crossing: dates, daily maximum queue (trains) and mean wait (hours), from the first run's table."""
    series: QueueSeries = {}
    for row in first.tables.get("border_queues", []):
        dates, q, w = series.setdefault(row["crossing"], ([], [], []))
        dates.append(row["date"])
        q.append(row["max_queue_trains"])
        w.append(row["mean_wait_hours"])
    return series


def _crossings(kpis: Kpis, series: QueueSeries) -> list[str]:
    busy = sorted(series, key=lambda c: -(kpis.get("borders", {}).get(c, {}).get("trains") or 0))
    return [c for c in MAIN_CROSSINGS if c in series] or busy[:5]


def write_charts(folder: Path, kpis: Kpis, first: RunResult) -> list[str]:
    """Write timeseries.png, border_queues.png, transit_times.png and dashboard.html into `folder`;
    returns their names."""
    matplotlib = require("matplotlib", "charts", "The twin's charts (skip them with --no-charts)")

    matplotlib.use("Agg")
    series = _queue_series(first)
    shown = _crossings(kpis, series)
    return [
        _timeseries_png(folder, kpis),
        _queues_png(folder, kpis, series, shown),
        _transit_png(folder, kpis, first),
        write_dashboard(folder, kpis, first, series, shown),
    ]


def _timeseries_png(folder: Path, kpis: Kpis) -> str:
    """Trains (by direction, with EU re-formed trains) and loaded/empty TEU per month."""
    import matplotlib.pyplot as plt

    months = kpis["months"]
    title = f"Landbridge digital twin — {kpis['scenario']['description']} (seed {kpis['seed']})"
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(11, 7.5), sharex=True)
    x = range(len(months))
    west = kpis["westbound_trains_per_month"]
    east = kpis["eastbound_trains_per_month"]
    a1.bar(x, west, label="westbound", color="#1f77b4")
    a1.bar(x, east, bottom=west, label="eastbound", color="#ff7f0e")
    a1.plot(x, kpis["eu_reformed_trains_per_month"], "k.--", label="EU re-formed trains (not counted)")
    a1.set_ylabel("CR Express trains / month")
    a1.legend(loc="lower right", fontsize=8)
    a1.grid(axis="y", alpha=0.3)
    loaded = [v / 1000 for v in kpis["loaded_teu_per_month"]]
    empty = [v / 1000 for v in kpis["empty_teu_per_month"]]
    a2.bar(x, loaded, label="loaded", color="#2ca02c")
    a2.bar(x, empty, bottom=loaded, label="empty (repositioned)", color="#bbbbbb")
    a2.set_ylabel("thousand TEU / month")
    a2.set_xticks(list(x), months, rotation=45, ha="right", fontsize=8)
    a2.legend(loc="lower right", fontsize=8)
    a2.grid(axis="y", alpha=0.3)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(folder / "timeseries.png", dpi=110)
    plt.close(fig)
    return "timeseries.png"


def _queues_png(folder: Path, kpis: Kpis, series: QueueSeries, shown: list[str]) -> str:
    """Daily maximum queue and mean wait at the main crossings."""
    from datetime import date

    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    fig, (b1, b2) = plt.subplots(2, 1, figsize=(11, 7.5), sharex=True)
    for cid in shown:
        dates, q, w = series[cid]
        d = [date.fromisoformat(s) for s in dates]
        name = kpis["borders"].get(cid, {}).get("name", cid)
        b1.plot(d, q, lw=1, label=name)
        b2.plot(d, w, lw=1, label=name)
    b1.set_ylabel("trains waiting (daily max)")
    b2.set_ylabel("mean wait for a track (h)")
    b1.legend(fontsize=8, loc="upper right")
    b1.grid(alpha=0.3)
    b2.grid(alpha=0.3)
    b2.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))  # type: ignore[no-untyped-call]
    fig.suptitle("Border crossings: queues for transshipment tracks", fontsize=10)
    fig.tight_layout()
    fig.savefig(folder / "border_queues.png", dpi=110)
    plt.close(fig)
    return "border_queues.png"


def _transit_png(folder: Path, kpis: Kpis, first: RunResult) -> str:
    """Transit-time distributions of the groups, and p50/p90 of the busiest pairs."""
    import matplotlib.pyplot as plt

    fig, (c1, c2) = plt.subplots(1, 2, figsize=(12, 5.5), gridspec_kw={"width_ratios": [1, 1.3]})
    every = [x for xs in first.samples.values() for x in xs]
    hi = float(sorted(every)[int(0.995 * (len(every) - 1))]) if every else 30.0
    for name, xs in first.samples.items():
        if xs:
            c1.hist([x for x in xs if x <= hi], bins=60, alpha=0.5, label=name, density=True)
    c1.set_xlabel("terminal-to-terminal transit (days; longest 0.5 % not shown)")
    c1.set_ylabel("share of FEU")
    c1.legend(fontsize=8)
    c1.grid(alpha=0.3)
    pairs = sorted(kpis["transit_days"].items(), key=lambda kv: -(kv[1].get("feu") or 0))[:15]
    labels = [k.replace("-rail", "") for k, _ in pairs][::-1]
    p50 = [v["p50"] or 0 for _, v in pairs][::-1]
    p90 = [v["p90"] or 0 for _, v in pairs][::-1]
    y = range(len(pairs))
    c2.barh(y, p90, color="#ffbb78", label="p90")
    c2.barh(y, p50, color="#1f77b4", label="p50")
    c2.set_yticks(list(y), labels, fontsize=7)
    c2.set_xlabel("days (15 busiest pairs)")
    c2.legend(fontsize=8, loc="lower right")
    c2.grid(axis="x", alpha=0.3)
    fig.suptitle("Transit times from simulated runs", fontsize=10)
    fig.tight_layout()
    fig.savefig(folder / "transit_times.png", dpi=110)
    plt.close(fig)
    return "transit_times.png"


def write_dashboard(folder: Path, kpis: Kpis, first: RunResult, series: QueueSeries, shown: list[str]) -> str:
    """dashboard.html: the charts as one interactive page, plotly.js inline (works offline)."""
    require("plotly", "charts", "The twin's interactive dashboard (skip the charts with --no-charts)")
    from plotly.subplots import make_subplots

    months = kpis["months"]
    fig = make_subplots(
        rows=3,
        cols=2,
        specs=[[{"secondary_y": True}, {}], [{"colspan": 2}, None], [{}, {}]],
        subplot_titles=(
            "Trains and TEU per month",
            "Border utilisation",
            "Trains waiting at border crossings (daily max)",
            "Transit-time distributions",
            "p50 / p90 transit by pair",
        ),
        vertical_spacing=0.09,
    )
    fig.add_bar(x=months, y=kpis["westbound_trains_per_month"], name="westbound trains", row=1, col=1)
    fig.add_bar(
        x=months,
        y=kpis["eastbound_trains_per_month"],
        base=kpis["westbound_trains_per_month"],
        name="eastbound trains",
        row=1,
        col=1,
    )
    fig.add_scatter(x=months, y=kpis["teu_per_month"], name="TEU", mode="lines+markers", row=1, col=1, secondary_y=True)
    b = kpis.get("borders", {})
    ids = sorted(b, key=lambda c: -(b[c].get("trains") or 0))
    fig.add_bar(
        x=[b[c]["name"] for c in ids],
        y=[b[c]["utilisation"] for c in ids],
        name="utilisation",
        customdata=[[b[c]["mean_wait_hours"], b[c]["p90_wait_hours"]] for c in ids],
        hovertemplate="%{x}<br>utilisation %{y:.0%}<br>mean wait %{customdata[0]} h, p90 %{customdata[1]} h",
        row=1,
        col=2,
    )
    for cid in shown:
        dates, q, _ = series[cid]
        fig.add_scatter(x=dates, y=q, name=b.get(cid, {}).get("name", cid), mode="lines", row=2, col=1)
    for name, xs in first.samples.items():
        fig.add_histogram(x=xs, name=name, histnorm="probability density", opacity=0.6, nbinsx=60, row=3, col=1)
    pairs = sorted(kpis["transit_days"].items(), key=lambda kv: -(kv[1].get("feu") or 0))[:20]
    fig.add_bar(y=[k for k, _ in pairs], x=[v["p90"] for _, v in pairs], orientation="h", name="p90 days", row=3, col=2)
    fig.add_bar(y=[k for k, _ in pairs], x=[v["p50"] for _, v in pairs], orientation="h", name="p50 days", row=3, col=2)
    fig.update_layout(
        height=1300,
        title=f"Landbridge digital twin — {kpis['scenario']['description']}",
        barmode="overlay",
        legend={"orientation": "h"},
    )
    path = folder / "dashboard.html"
    fig.write_html(path, include_plotlyjs=True, full_html=True)
    return path.name


def write_comparison_chart(folder: Path, labels: list[str], kpis_list: list[Kpis]) -> str:
    """comparison.png: trains and TEU per month of each scenario."""
    matplotlib = require("matplotlib", "charts", "The twin's charts (skip them with --no-charts)")

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.8))
    for label, k in zip(labels, kpis_list):
        a1.plot(k["months"], k["trains_per_month"], marker="o", label=label)
        a2.plot(k["months"], [v / 1000 for v in k["teu_per_month"]], marker="o", label=label)
    a1.set_ylabel("CR Express trains / month")
    a2.set_ylabel("thousand TEU / month")
    for a in (a1, a2):
        a.tick_params(axis="x", rotation=45, labelsize=7)
        a.grid(alpha=0.3)
        a.legend(fontsize=8)
    fig.suptitle("Scenario comparison", fontsize=10)
    fig.tight_layout()
    fig.savefig(folder / "comparison.png", dpi=110)
    plt.close(fig)
    return "comparison.png"
