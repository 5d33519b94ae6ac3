"""Static maps (PNG/SVG/PDF via matplotlib) of the network and of quote options. No base-map tiles
are needed: the rail network itself, ports and cities give the geography."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from landbridge.errors import require
from landbridge.planner.geometry import leg_coordinates

matplotlib = require("matplotlib", "charts", "Maps")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (after the check that names the extra to install)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from landbridge.planner import Quote
    from landbridge.world import World

GAUGE_COLOURS = {1435: "#4a6fa5", 1520: "#c0392b", 1668: "#8e44ad"}
MODE_STYLE = {"rail": ("#1f77b4", "-"), "sea": ("#17becf", "-"), "air": ("#9467bd", ":"), "truck": ("#7f7f7f", "--")}
OPTION_COLOURS = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#469990", "#9a6324"]


def _draw_network(ax: Axes, world: World, alpha: float = 1.0) -> None:
    net = world.network
    for link in net.rail_links:
        xs, ys = zip(*link.coordinates)
        ax.plot(xs, ys, color=GAUGE_COLOURS.get(link.gauge_mm, "grey"), lw=0.8, alpha=alpha)
    for c in net.crossings:
        a, b = net.places[c.a], net.places[c.b]
        style = ":" if c.mode == "ferry" else "-"
        ax.plot([a.lon, b.lon], [a.lat, b.lat], style, color="black", lw=1.2, alpha=alpha)
        if c.is_gauge_change:
            ax.plot(b.lon, b.lat, marker="D", color="black", ms=4, alpha=alpha)
    kinds = {
        "hub": ("o", "#d62728", 4),
        "terminal": ("s", "#1f77b4", 3),
        "port": ("^", "#17becf", 4),
        "airport": ("P", "#9467bd", 4),
        "city": (".", "#999999", 2),
    }
    for kind, (m, col, ms) in kinds.items():
        pts = [(p.lon, p.lat) for p in net.places.values() if p.kind == kind]
        if pts:
            xs, ys = zip(*pts)
            ax.plot(xs, ys, m, color=col, ms=ms, ls="none", alpha=alpha, label=kind)


def _frame(ax: Axes, lons: Sequence[float], lats: Sequence[float], pad: float = 3.0) -> None:
    ax.set_xlim(min(lons) - pad, max(lons) + pad)
    ax.set_ylim(min(lats) - pad, max(lats) + pad)
    ax.set_aspect(1.4)
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.grid(alpha=0.2)


def _save(fig: Figure, path: Path) -> None:
    tmp = path.with_name(path.stem + ".tmp" + path.suffix)
    fig.savefig(tmp, dpi=130, bbox_inches="tight")
    plt.close(fig)
    tmp.replace(path)


def network_map(world: World, path: Path) -> None:
    """Draw the whole network (rail by gauge, crossings, places by kind) to a PNG, SVG or PDF file."""
    fig, ax = plt.subplots(figsize=(16, 7))
    _draw_network(ax, world)
    lons = [p.lon for p in world.network.places.values()]
    lats = [p.lat for p in world.network.places.values()]
    _frame(ax, lons, lats)
    ax.set_title("Landbridge network: rail by gauge (blue 1435, red 1520, purple 1668 mm); ◆ gauge changes")
    ax.legend(loc="lower left", fontsize=8)
    _save(fig, path)


def quote_map(world: World, quote: Quote, path: Path) -> None:
    """Draw each option of a quote along its real geometry over a faint network, to a PNG, SVG or PDF file."""
    fig, ax = plt.subplots(figsize=(16, 7))
    _draw_network(ax, world, alpha=0.25)
    lons: list[float] = []
    lats: list[float] = []
    for n, o in enumerate(quote.options):
        colour = OPTION_COLOURS[n % len(OPTION_COLOURS)]
        for k, leg in enumerate(o.legs):
            coords = leg_coordinates(leg, world.network, world.timetable)
            xs, ys = zip(*coords)
            lons += xs
            lats += ys
            style = MODE_STYLE.get(leg.mode, ("black", "-"))[1]
            label = (
                f"{n + 1}. {o.mode} {o.p50_days:.0f} d, {o.cost_total:,.0f} {o.currency}"
                + (f" ({', '.join(o.labels)})" if o.labels else "")
                if k == 0
                else None
            )
            ax.plot(xs, ys, style, color=colour, lw=2.2 - 0.15 * n, alpha=0.85, label=label)
    for p in (quote.origin, quote.destination):
        ax.plot(p.lon, p.lat, "*", color="gold", mec="black", ms=16)
        ax.annotate(p.name, (p.lon, p.lat), xytext=(6, 6), textcoords="offset points", fontsize=10, weight="bold")
    _frame(ax, lons, lats)
    ax.set_title(
        f"{quote.origin.name} → {quote.destination.name}: {len(quote.options)} options "
        f"(scenario: {quote.scenario.describe()})"
    )
    ax.legend(loc="lower left", fontsize=8)
    _save(fig, path)
