"""Tariffs against the published figures they are calibrated on (data/tariffs.yaml `published`, each with its
source and date), dated periods, cost lines, and currency conversion with the ECB's reference rates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from landbridge.errors import InvalidRequestError
from landbridge.planner import QuoteRequest
from landbridge.pricing import Load, PublishedRate, TariffPeriod
from landbridge.timetable.rides import ride_facts
from tests.conftest import world_for

# Every published figure of tariffs.yaml, each compared with the model by a test below.
CHECKED = {
    *(f"rail-china-eu-2025-0{m}" for m in (1, 2, 3)),
    "erai-1520-h1-2025",
    *(f"wci-shanghai-rotterdam-2025-0{m}" for m in (1, 2, 3, 4)),
    "wci-shanghai-rotterdam-suez-2023-11",
    "air-china-europe-2025-01",
    "air-china-europe-h1-2025",
    "road-ftl-europe-2024-q4",
    "thc-germany-2024-10",
}


def published(world, rate_id: str) -> PublishedRate:
    assert rate_id in CHECKED
    return world.tariffs.published_rate(rate_id)


def within(value: float, low: float, high: float, share: float) -> bool:
    return low * (1 - share) <= value <= high * (1 + share)


def one_feu(period: TariffPeriod) -> Load:
    return Load(1, "40GP", period.container_factor("40GP"), 0.0, None)


def station_to_station(world, period: TariffPeriod, service_id: str, to_stop: str) -> float:
    """USD for one 40' on a train from its first stop to `to_stop`: terminal handling on boarding, freight,
    gauge changes and terminal handling on leaving (the SOC through rate, without trucks)."""
    s = world.timetable.by_id[service_id]
    facts = ride_facts(world.network, s, 0, s.stops.index(to_stop))
    return period.rail_board_usd_per_container(False) + period.ride_price(facts, s.rate_factor).usd(one_feu(period))


def first_day(rate: PublishedRate) -> date:
    return rate.period_start


# ---- rail, 2025 market: 1520 International / ERAI, September 2025 ------------------------------------
@pytest.mark.parametrize("month", ["2025-01", "2025-02", "2025-03"])
def test_rail_china_to_eu_in_the_published_q1_2025_range(world, month):
    """Published per month: Chengdu at the low end, Shenzhen at the high end (USD per FEU, SOC). Compared
    from the Chinese hub to Małaszewicze, the EU entry terminal (the source names no European terminal)."""
    rate = published(world, f"rail-china-eu-{month}")
    period = world.tariffs.period_for(first_day(rate))
    chengdu = station_to_station(world, period, "chengdu-lodz", "malaszewicze")
    shenzhen = station_to_station(world, period, "shenzhen-duisburg", "malaszewicze")
    assert chengdu == pytest.approx(rate.low_usd, rel=0.05), f"Chengdu {chengdu:.0f} vs {rate.low_usd}"
    assert shenzhen == pytest.approx(rate.high_usd, rel=0.10), f"Shenzhen {shenzhen:.0f} vs {rate.high_usd}"
    # Chongqing, the other low-end origin named for January, and a full trip to Duisburg stay in the range.
    chongqing = station_to_station(world, period, "yuxinou-duisburg", "malaszewicze")
    duisburg = station_to_station(world, period, "yuxinou-duisburg", "duisburg-rail")
    assert within(chongqing, rate.low_usd, rate.high_usd, 0.10)
    assert within(duisburg, rate.low_usd, rate.high_usd, 0.05)


def test_rail_prices_fall_month_by_month_in_q1_2025_as_published(world):
    prices = [
        station_to_station(world, world.tariffs.period_for(date(2025, m, 15)), "chengdu-lodz", "lodz-rail")
        for m in (1, 2, 3)
    ]
    assert prices[0] > prices[1] > prices[2]


@pytest.mark.parametrize(("service", "border"), [("chengdu-lodz", "alashankou"), ("xian-duisburg", "khorgos")])
def test_the_1520_mm_section_costs_what_erai_publishes(world, service, border):
    """ERAI composite H1 2025: USD 3,250/FEU on average (3,239-3,292) from the Kazakh-Chinese border to
    Brest, terminal services (the gauge change at the Chinese border) included."""
    rate = published(world, "erai-1520-h1-2025")
    s = world.timetable.by_id[service]
    facts = ride_facts(world.network, s, s.stops.index(border), s.stops.index("brest"))
    for month in (1, 3, 6):
        period = world.tariffs.period_for(date(2025, month, 1))
        section = period.ride_price(facts).freight_usd_per_feu
        section += len(facts.gauge_changes) * period.rail.gauge_change_usd_per_container
        assert section == pytest.approx(3250, rel=0.10), f"{service} {month}: {section:.0f}"
        assert within(section, rate.low_usd, rate.high_usd, 0.10)


# ---- sea: Drewry World Container Index, Shanghai -> Rotterdam ------------------------------------------
def ocean_freight(scenario: str | None, ready: date) -> Decimal:
    """The ocean freight line of a Shanghai port -> Rotterdam port sailing quoted as of `ready`."""
    w = world_for(scenario) if scenario else world_for()
    now = datetime.combine(ready, datetime.min.time(), tzinfo=UTC)
    q = w.planner.quote(
        QuoteRequest("shanghai-port", "rotterdam-port", ready, container_type="40GP", modes=("sea",)), now=now
    )
    direct = [o for o in q.options if any(l.mode == "sea" and l.to == "rotterdam-port" for l in o.legs)]
    lines = [l for o in direct for l in o.cost_lines if l.label.startswith("Ocean freight")]
    return min(l.amount for l in lines)


@pytest.mark.parametrize("month", ["2025-01", "2025-02", "2025-03", "2025-04"])
def test_sea_via_the_cape_follows_the_wci_of_its_period(world, month):
    """In 2025 carriers sailed round the Cape: the red-sea-closed scenario prices what the WCI published."""
    rate = published(world, f"wci-shanghai-rotterdam-{month}")
    freight = float(ocean_freight("red-sea-closed", rate.period_start.replace(day=6)))
    assert within(freight, rate.low_usd, rate.high_usd, 0.05), f"{month}: {freight:.0f}"


def test_sea_via_suez_uses_the_last_rates_before_the_red_sea_diversions(world):
    rate = published(world, "wci-shanghai-rotterdam-suez-2023-11")
    freight = float(ocean_freight(None, date(2025, 3, 3)))
    assert within(freight, rate.low_usd, rate.high_usd, 0.05), f"{freight:.0f}"
    assert freight < float(ocean_freight("red-sea-closed", date(2025, 3, 3))) / 1.5


# ---- air, road and terminal handling -----------------------------------------------------------------
def test_air_is_priced_at_the_published_averages_not_a_peak_week(world):
    jan = published(world, "air-china-europe-2025-01")
    h1 = published(world, "air-china-europe-h1-2025")
    assert world.tariffs.period_for(date(2025, 1, 20)).air.usd_per_kg == pytest.approx(jan.low_usd, rel=0.02)
    for month in (2, 4, 6):
        assert world.tariffs.period_for(date(2025, month, 10)).air.usd_per_kg == pytest.approx(h1.low_usd, rel=0.02)
    assert all(p.air.usd_per_kg < 5.0 for p in world.tariffs.periods)  # not the December 2024 peak week (5.52)


def test_road_rate_within_the_published_european_ftl_range(world):
    rate = published(world, "road-ftl-europe-2024-q4")
    for p in world.tariffs.periods:
        assert rate.low_usd <= p.road.usd_per_feu_km <= rate.high_usd


def test_sea_terminal_handling_as_published(world):
    rate = published(world, "thc-germany-2024-10")
    for p in world.tariffs.periods:
        assert p.sea.terminal_handling_usd_per_container == pytest.approx(rate.low_usd, rel=0.05)


def test_every_published_figure_is_checked(world):
    """A figure added to tariffs.yaml needs a test here, and every figure cites a source and a date."""
    assert {r.id for r in world.tariffs.published} == CHECKED
    for r in world.tariffs.published:
        assert r.source and r.url.startswith("http") and r.period_start <= r.period_end


# ---- periods ---------------------------------------------------------------------------------------
def test_a_quote_uses_the_period_of_its_dates(world):
    """The same train quoted in January and in March 2025: each uses its month's rates."""

    def rail_freight(ready: date) -> Decimal:
        now = datetime.combine(ready, datetime.min.time(), tzinfo=UTC)
        q = world.planner.quote(
            QuoteRequest("chengdu", "lodz-rail", ready, container_type="40GP", modes=("rail",)), now=now
        )
        direct = [o for o in q.options if [l.service for l in o.legs if l.mode == "rail"] == ["chengdu-lodz"]]
        assert direct, [(o.legs) for o in q.options]
        return next(l.amount for l in direct[0].cost_lines if l.label.startswith("Rail freight"))

    jan, mar = rail_freight(date(2025, 1, 6)), rail_freight(date(2025, 3, 3))
    periods = world.tariffs
    s = world.timetable.by_id["chengdu-lodz"]
    facts = ride_facts(world.network, s, 0, len(s.stops) - 1)
    assert float(jan) == pytest.approx(
        periods.period_for(date(2025, 1, 6)).ride_price(facts).freight_usd_per_feu, abs=1
    )
    assert float(mar) == pytest.approx(
        periods.period_for(date(2025, 3, 3)).ride_price(facts).freight_usd_per_feu, abs=1
    )
    assert jan > mar


def test_the_last_period_stays_in_force(world):
    last = world.tariffs.periods[-1]
    assert world.tariffs.period_for(date(2030, 1, 1)) is last
    assert world.tariffs.period_for(date(2020, 1, 1)) is world.tariffs.periods[0]


# ---- currencies: ECB euro foreign exchange reference rates -------------------------------------------
@pytest.mark.parametrize(
    ("day", "usd", "cny"),
    [
        # ECB reference rates (eurofxref-hist), units per EUR, as published for these days.
        (date(2025, 1, 2), "1.0321", "7.5338"),
        (date(2025, 7, 1), "1.181", "8.4584"),
        (date(2026, 10, 30), "1.1172", "7.4326"),
    ],
)
def test_exchange_rates_are_the_ecb_reference_rates(world, day, usd, cny):
    conv = world.rates.conversion("EUR", "USD", day)
    assert conv.on == day and conv.rate == Decimal(usd).quantize(Decimal("0.000001"))
    assert world.rates.conversion("EUR", "CNY", day).rate == Decimal(cny).quantize(Decimal("0.000001"))


def test_prices_are_converted_not_relabelled(world, ready_date):
    usd = world.planner.quote(QuoteRequest("Chongqing", "Duisburg", ready_date))
    eur = world.planner.quote(QuoteRequest("Chongqing", "Duisburg", ready_date, currency="EUR"))
    cny = world.planner.quote(QuoteRequest("Chongqing", "Duisburg", ready_date, currency="cny"))
    assert usd.currency == "USD" and eur.currency == "EUR" and cny.currency == "CNY"
    for u, e, c in zip(usd.options, eur.options, cny.options):
        assert u.key == e.key == c.key
        rate = e.conversion.rate
        assert e.conversion.from_currency == "USD" and e.conversion.on <= date.today()
        assert float(e.cost_total) == pytest.approx(float(u.cost_total) * float(rate), abs=0.01 * len(e.cost_lines))
        assert float(c.cost_total) == pytest.approx(float(u.cost_total) * float(c.conversion.rate), rel=1e-4)
        doc = e.to_dict()["cost"]
        assert doc["currency"] == "EUR" and isinstance(doc["total"], str)
        assert sum(Decimal(l["amount"]) for l in doc["lines"]) == Decimal(doc["total"])
        assert doc["exchange_rate"]["source"].startswith("ECB")


def test_unknown_currency_is_refused_with_the_ones_known(world, ready_date):
    with pytest.raises(InvalidRequestError, match="EUR") as e:
        world.planner.quote(QuoteRequest("Chongqing", "Duisburg", ready_date, currency="EUD"))
    assert e.value.field == "currency"
