"""Consolidation before a departure: limits and grouping respected, a booking for the containers of each group
(capacity reserved, never oversold), oldest first with carry-over, late orders flagged, small containers held,
other trains for sellers who allow them, statuses, manifests. Each test has a database of its own."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import select

from tests.booking.helpers import fresh_departure, set_capacity
from tests.ecommerce.conftest import import_rows, make_seller, operator, order

H48 = timedelta(hours=48)


def pallets(n, country, ready_before, *, regime="9810", promised=None, step_min=10, **over):
    """n B2B consignments of 1.2 m3 and 200 kg, ready one after another (oldest first) before `ready_before`."""
    out = []
    for k in range(n):
        ready = ready_before - timedelta(minutes=step_min * (n - k))
        out.append(
            order(
                regime=regime,
                consignee_type="warehouse" if regime == "9810" else "business",
                ioss_number=None,
                weight_kg="200",
                length_cm="120",
                width_cm="100",
                height_cm="100",
                items="40",
                declared_value="800.00",
                destination_country=country,
                order_date=(ready - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                ready_at=ready.strftime("%Y-%m-%dT%H:%M:%SZ"),
                promised_by=promised,
                **over,
            )
        )
    return out


def run(db, dep_id, now):
    from landbridge.ecommerce.consolidation import consolidate

    return db.write(lambda s: consolidate(s, operator(), dep_id, now))


def orders_of(db):
    """Every order row with its derived status and container (None while waiting)."""
    from landbridge.ecommerce.models import LOADS, ORDERS, order_status

    q = (
        select(ORDERS, order_status().label("status"), LOADS.c.container_id)
        .select_from(ORDERS)
        .outerjoin(LOADS, LOADS.c.order_id == ORDERS.c.id)
    )
    return db.read(lambda s: s.execute(q).all())


def containers_of(db):
    from landbridge.ecommerce.models import Container

    return db.read(lambda s: s.execute(select(Container)).scalars().all())


def test_limits_grouping_and_a_booking_for_each_group(fresh_db, world):
    from landbridge.booking import capacity
    from landbridge.booking.models import LIVE_STATUSES, Booking, BookingReservation
    from landbridge.ecommerce import packing
    from landbridge.ecommerce_flow import order_flow

    dep = fresh_departure(world, "chengdu-ecommerce")
    cut = dep.departure - H48
    seller = make_seller(fresh_db)
    rows = pallets(130, "DE", cut) + pallets(60, "PL", cut) + pallets(30, "FR", cut, regime="9710")
    parcels = [
        order(
            ready_at=(cut - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            order_date="2026-01-05",
            promised_by="2027-12-31",
        )
        for _ in range(40)
    ]
    assert import_rows(fresh_db, rows + parcels, seller.customer_id).imported
    summary = run(fresh_db, dep.id, cut)
    flow = order_flow()
    box = world.catalog.container(flow.container_type)
    cap_m3, cap_kg = box.volume_m3 * flow.stowage_factor, box.max_payload_kg
    cs = containers_of(fresh_db)
    os_ = orders_of(fresh_db)
    assert len(cs) == len(summary["containers"]) > 0
    by_c: dict[str, list] = {}
    for o in os_:
        if o.container_id:
            by_c.setdefault(o.container_id, []).append(o)
    groups: dict[tuple, list] = {}
    for c in cs:
        mine = by_c[c.id]
        assert c.volume_m3 <= cap_m3 + 1e-6 and c.weight_kg <= cap_kg + 1e-6
        assert {(o.regime, o.hub) for o in mine} == {(c.regime, c.hub)}  # one regime, one hub per container
        assert sum(o.volume_m3 for o in mine) == pytest.approx(c.volume_m3, rel=1e-6)
        assert c.parcels == len(mine) and all(o.status == "loaded" for o in mine)
        groups.setdefault((c.regime, c.hub), []).append(c)
    for group_cs in groups.values():
        vol = np.array([o.volume_m3 for c in group_cs for o in by_c[c.id]])
        kg = np.array([o.weight_kg for c in group_cs for o in by_c[c.id]])
        assert len(group_cs) <= packing.lower_bound(vol, kg, cap_m3, cap_kg) + 1
    # one booking per (hub, regime) on this departure, holding as many containers as the group
    bookings = fresh_db.read(lambda s: {b.id: b for b in s.scalars(select(Booking))})
    for (_regime, hub), group_cs in groups.items():
        ids = {c.booking_id for c in group_cs}
        assert len(ids) == 1
        b = bookings[ids.pop()]
        assert b.containers == len(group_cs) and b.destination == hub and b.status in LIVE_STATUSES
        res = fresh_db.read(
            lambda s, bid=b.id: s.scalars(select(BookingReservation).where(BookingReservation.booking_id == bid)).all()
        )
        assert [r.departure_id for r in res] == [dep.id]
    detail = fresh_db.read(lambda s: capacity.departure_detail(s, world, dep.id))
    assert detail["booked_feu"] == pytest.approx(len(cs) * box.feu)
    assert fresh_db.read(capacity.reconcile)["ok"]


def test_capacity_is_never_oversold_oldest_go_first_and_the_rest_wait_for_the_next_train(fresh_db, world):
    dep = fresh_departure(world, "chengdu-ecommerce")
    set_capacity(fresh_db, world, dep, 2)  # two FEU left on this train
    cut = dep.departure - H48
    seller = make_seller(fresh_db)
    assert import_rows(fresh_db, pallets(200, "DE", cut, promised="2027-12-31"), seller.customer_id).imported
    first = run(fresh_db, dep.id, cut)
    assert len(first["containers"]) == 2 and first["orders_waiting"] > 0
    os_ = orders_of(fresh_db)
    loaded = [o.ready_at for o in os_ if o.status == "loaded"]
    waiting = [o.ready_at for o in os_ if o.status == "waiting"]
    assert max(loaded) <= min(waiting)  # oldest first
    # the next e-commerce departure takes what was left behind
    sv = dep.service
    nxt = world.timetable.departure_from_epoch(
        sv, world.timetable.next_departure_epoch(sv, dep.departure.timestamp() + 60)
    )
    second = run(fresh_db, nxt.id, nxt.departure - H48)
    assert second["orders_loaded"] == len(waiting)
    assert all(o.status == "loaded" for o in orders_of(fresh_db))


def test_orders_of_a_cancelled_container_go_back_to_the_queue_for_the_next_departure(fresh_db, world):
    from landbridge.booking import capacity
    from landbridge.booking import service as booking
    from landbridge.ecommerce import service

    dep = fresh_departure(world, "chengdu-ecommerce")
    cut = dep.departure - H48
    seller = make_seller(fresh_db)
    rep = import_rows(fresh_db, pallets(108, "DE", cut, promised="2027-12-31"), seller.customer_id)
    first = run(fresh_db, dep.id, cut)
    assert first["orders_loaded"] == 108 and first["released_orders"] == 0
    booking_ids = {c["booking_id"] for c in first["containers"]}
    fresh_db.write(
        lambda s: [booking.change_status(s, operator(), b, "cancelled", "shipper withdrew") for b in booking_ids]
    )
    oid = rep.inserted_ids[0]
    shown = fresh_db.read(lambda s: service.get_order(s, seller.principal, oid, now=cut))
    assert shown["status"] == "container_cancelled"
    # two full containers of 54 pallets; the next e-commerce departure takes them again (oldest first), in new
    # containers with a new booking
    sv = dep.service
    nxt = world.timetable.departure_from_epoch(
        sv, world.timetable.next_departure_epoch(sv, dep.departure.timestamp() + 60)
    )
    second = run(fresh_db, nxt.id, nxt.departure - H48)
    assert second["released_orders"] == 108 and second["orders_loaded"] == 108
    assert not booking_ids & {c["booking_id"] for c in second["containers"]}
    os_ = orders_of(fresh_db)
    new_containers = {c["id"] for c in second["containers"]}
    assert all(o.status == "loaded" and o.container_id in new_containers for o in os_)
    after = fresh_db.read(lambda s: service.get_order(s, seller.principal, oid, now=nxt.departure - H48))
    assert after["status"] == "booked" and after["train"]["departure_id"] == nxt.id
    # nothing released twice; the cancelled train's capacity is free again
    third = run(fresh_db, dep.id, cut)
    assert third["released_orders"] == 0 and third["orders_loaded"] == 0
    assert fresh_db.read(lambda s: capacity.departure_detail(s, world, dep.id))["booked_feu"] == 0
    assert fresh_db.read(capacity.reconcile)["ok"]


def test_orders_past_their_promised_date_are_flagged(fresh_db, world):
    from landbridge.ecommerce import service

    dep = fresh_departure(world, "chengdu-ecommerce")
    set_capacity(fresh_db, world, dep, 1)
    cut = dep.departure - H48
    seller = make_seller(fresh_db)
    soon = (cut + timedelta(days=3)).date().isoformat()  # before any train could reach the hub
    assert import_rows(fresh_db, pallets(120, "DE", cut, promised=soon), seller.customer_id).imported
    s = run(fresh_db, dep.id, cut)
    assert s["late_loaded"] == s["orders_loaded"] > 0
    assert s["late_waiting"] == s["orders_waiting"] > 0
    page = fresh_db.read(lambda x: service.list_orders(x, seller.principal, limit=200, now=cut))
    assert all(o["late"] for o in page["items"])


def test_a_nearly_empty_container_waits_unless_its_orders_would_be_late(fresh_db, world):
    dep = fresh_departure(world, "chengdu-ecommerce")
    cut = dep.departure - H48
    seller = make_seller(fresh_db)
    assert import_rows(fresh_db, pallets(3, "DE", cut, promised="2027-12-31"), seller.customer_id).imported
    assert run(fresh_db, dep.id, cut)["orders_loaded"] == 0  # 3.6 m3 of 65: held for the next train
    # promised after this train reaches Łódź but before the next one would
    at_lodz = dep.time_at(dep.service.stops.index("lodz-rail"), arriving=True)
    urgent = pallets(2, "PL", cut, promised=(at_lodz + timedelta(days=1)).date().isoformat())
    assert import_rows(fresh_db, urgent, seller.customer_id).imported
    s = run(fresh_db, dep.id, cut)
    assert s["orders_loaded"] == 2 and {c["hub"] for c in s["containers"]} == {"lodz-rail"}


def _first_ecommerce_train_of_next_year(world):
    """The first e-commerce departure of next year: the other trains after it have their cut-off in the old year."""
    year = date.today().year + 1
    return next(
        d
        for d, _i, _j in world.timetable.departures(date(year, 1, 1), date(year, 1, 8), "chengdu", None, "rail")
        if d.service.id == "chengdu-ecommerce"
    )


@pytest.mark.parametrize(("allow", "new_year"), [(True, False), (False, False), (True, True)])
def test_other_trains_take_left_behind_orders_of_sellers_who_allow_it(fresh_db, world, allow, new_year):
    dep = _first_ecommerce_train_of_next_year(world) if new_year else fresh_departure(world, "chengdu-ecommerce")
    set_capacity(fresh_db, world, dep, 1)
    cut = dep.departure - H48
    seller = make_seller(fresh_db, allow_other_trains=allow)
    assert import_rows(fresh_db, pallets(100, "PL", cut, promised="2027-12-31"), seller.customer_id).imported
    run(fresh_db, dep.id, cut)
    left = sum(o.status == "waiting" for o in orders_of(fresh_db))
    assert left > 0
    other = next(
        d
        for d, _i, _j in world.timetable.departures(
            dep.departure.date(), dep.departure.date() + timedelta(days=3), "chengdu", "lodz-rail", "rail"
        )
        if d.service.id.startswith("chengdu-lodz") and d.departure > dep.departure
    )
    s = run(fresh_db, other.id, other.departure - H48)
    assert (s["orders_loaded"] > 0) is allow
    if allow:
        assert len(s["containers"]) <= 10 and all(c["hub"] == "lodz-rail" for c in s["containers"])


def test_status_follows_the_container_and_the_train(fresh_db, world):
    from landbridge.ecommerce import service

    dep = fresh_departure(world, "chengdu-ecommerce")
    cut = dep.departure - H48
    seller = make_seller(fresh_db)
    rep = import_rows(fresh_db, pallets(60, "DE", cut, promised="2027-12-31"), seller.customer_id)
    oid = rep.inserted_ids[0]
    assert fresh_db.read(lambda s: service.get_order(s, seller.principal, oid, now=cut))["status"] == "waiting"
    run(fresh_db, dep.id, cut)
    o = fresh_db.read(lambda s: service.get_order(s, seller.principal, oid, now=cut))
    assert o["status"] == "booked" and o["train"]["departure_id"] == dep.id
    assert o["customs"]["ics2_ens_due"] is not None
    moving = fresh_db.read(lambda s: service.get_order(s, seller.principal, oid, now=dep.departure + timedelta(days=2)))
    assert moving["status"] == "in_transit"
    there = fresh_db.read(lambda s: service.get_order(s, seller.principal, oid, now=dep.arrival + timedelta(days=1)))
    assert there["status"] == "at_hub"


def test_tenancy_a_seller_never_sees_another_sellers_orders(fresh_db):
    from landbridge.ecommerce import service
    from landbridge.errors import NotFoundError, PermissionDeniedError

    a, b = make_seller(fresh_db, "A"), make_seller(fresh_db, "B")
    ra = import_rows(fresh_db, [order(), order()], a.customer_id)
    rb = import_rows(fresh_db, [order()], b.customer_id)
    with pytest.raises(NotFoundError):
        fresh_db.read(lambda s: service.get_order(s, b.principal, ra.inserted_ids[0]))
    mine = fresh_db.read(lambda s: service.list_orders(s, b.principal))
    assert [o["id"] for o in mine["items"]] == rb.inserted_ids
    assert fresh_db.read(lambda s: service.list_orders(s, b.principal, seller_id=a.customer_id))["items"] == []
    everyone = fresh_db.read(lambda s: service.list_orders(s, operator()))
    assert len(everyone["items"]) == 3
    with pytest.raises(PermissionDeniedError):
        fresh_db.read(lambda s: service.backlog(s, b.principal))


def test_manifests_and_declarations_with_totals(fresh_db, world, tmp_path):
    from landbridge.ecommerce import manifests

    dep = fresh_departure(world, "chengdu-ecommerce")
    cut = dep.departure - H48
    seller = make_seller(fresh_db)
    rows = pallets(70, "DE", cut, promised="2027-12-31") + pallets(60, "DE", cut, regime="9710", promised="2027-12-31")
    rows += [
        order(
            ready_at=(cut - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            hs_codes="6109100021;6204430090",
            promised_by="2026-01-01" if False else None,
        )
        for _ in range(30)
    ]
    assert import_rows(fresh_db, rows, seller.customer_id).imported
    run(fresh_db, dep.id, cut)
    files = fresh_db.read(lambda s: manifests.write_manifests(s, dep.id, tmp_path / "out"))
    cs = containers_of(fresh_db)
    assert len([f for f in files if f.suffix == ".pdf"]) == len(cs) + len({c.regime for c in cs})
    assert all(f.read_bytes()[:4] == b"%PDF" for f in files if f.suffix == ".pdf")
    c = cs[0]
    with open(next(f for f in files if f.name.endswith(f"{c.id}.csv")), encoding="utf-8") as fh:
        lines = list(csv.DictReader(fh))
    total = lines[-1]
    assert total["order_id"] == "TOTAL" and int(total["items"]) == c.items and len(lines) - 1 == c.parcels
    reg = fresh_db.read(lambda s: manifests.regime_manifest(s, dep.id, "9710"))
    assert reg["declaration"] == "per_consignment" and reg["export_declaration"]
    assert {d["form"] for d in reg["export_declaration"]} <= {"list", "declaration"}
    ens = fresh_db.read(lambda s: manifests.ics2_ens(s, dep.id))
    assert len(ens["house_consignments"]) == sum(x.parcels for x in cs)
    assert ens["ens_due"] < ens["first_eu_arrival"]


def test_consolidation_window_and_trains_without_ecommerce_are_clear_errors(fresh_db, world):
    from landbridge.errors import ConflictError, GoneError, InvalidRequestError

    dep = fresh_departure(world, "chengdu-ecommerce")
    with pytest.raises(ConflictError, match="opens at its cut-off"):
        run(fresh_db, dep.id, dep.departure - H48 - timedelta(hours=1))
    with pytest.raises(GoneError):
        run(fresh_db, dep.id, dep.departure + timedelta(minutes=1))
    xian = fresh_departure(world, "xian-duisburg")
    with pytest.raises(InvalidRequestError, match="does not carry e-commerce cargo from chengdu"):
        run(fresh_db, xian.id, xian.departure - H48)


def test_operator_views_fill_backlog_forecast(fresh_db, world):
    from landbridge.ecommerce import service

    dep = fresh_departure(world, "chengdu-ecommerce")
    set_capacity(fresh_db, world, dep, 1)
    cut = dep.departure - H48
    seller = make_seller(fresh_db)
    import_rows(fresh_db, pallets(100, "DE", cut, promised="2027-12-31"), seller.customer_id)
    run(fresh_db, dep.id, cut)
    fill = fresh_db.read(
        lambda s: service.fill_rates(s, operator(), dep.departure.date(), dep.departure.date() + timedelta(days=1))
    )
    assert [t["departure_id"] for t in fill["trains"]] == [dep.id]
    assert 0 < fill["containers"][0]["fill_volume"] <= 1
    back = fresh_db.read(lambda s: service.backlog(s, operator(), now=cut))
    assert back["hubs"][0]["hub"] == "duisburg-rail" and back["hubs"][0]["orders"] > 0
    fc = fresh_db.read(lambda s: service.forecast(s, operator(), 3))
    assert len(fc["departures"]) == 3 and all(d["free_containers"] >= 0 for d in fc["departures"])


def test_customs_follow_the_rules_in_force_when_the_train_enters_the_eu(fresh_db, world):
    """An order sold in June 2026 (duty relief) that enters the EU after 1 July 2026 owes the flat EUR 3 per
    tariff subheading once it is on a train."""
    from landbridge.ecommerce import service

    dep = fresh_departure(world, "chengdu-ecommerce")
    cut = dep.departure - H48
    seller = make_seller(fresh_db)
    at_hub = dep.time_at(dep.service.stops.index("duisburg-rail"), arriving=True)
    parcels = [
        order(
            order_date="2026-06-15T10:00:00Z",
            ready_at=(cut - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            promised_by=(at_hub + timedelta(days=1)).date().isoformat(),
            hs_codes="6109100021;6204430090;6109100021",
            items="3",
        )
        for _ in range(5)
    ]
    rep = import_rows(fresh_db, parcels, seller.customer_id)
    assert rep.imported, rep.errors
    before = fresh_db.read(lambda s: service.get_order(s, seller.principal, rep.inserted_ids[0], now=cut))
    assert before["customs"]["duty_eur"] == "0.00" and before["customs"]["rules_date"] == "2026-06-15"
    assert run(fresh_db, dep.id, cut)["orders_loaded"] == 5
    after = fresh_db.read(lambda s: service.get_order(s, seller.principal, rep.inserted_ids[0], now=cut))
    assert after["customs"]["duty_eur"] == "6.00"  # two distinct subheadings
    entry = next(k for k, p in enumerate(dep.service.stops) if world.network.places[p].country == "PL")
    assert after["customs"]["rules_date"] == dep.time_at(entry, arriving=True).date().isoformat()
    assert after["customs"]["import_declaration"] == "H7"


def _pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    # pypdf reads the CJK fallback font's two-byte codes with a NUL before each character: drop them
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).replace("\x00", "")


def test_manifest_pdfs_print_chinese_and_russian_consignee_names(fresh_db, world, tmp_path):
    from landbridge.ecommerce import manifests

    dep = fresh_departure(world, "chengdu-ecommerce")
    cut = dep.departure - H48
    seller = make_seller(fresh_db)
    names = ["王秀英", "Иван Петров", "Zofia Wąsowska"]
    rows = pallets(54, "PL", cut, promised="2027-12-31")
    for k, name in enumerate(names):
        rows[k]["consignee_name"] = name
    assert import_rows(fresh_db, rows, seller.customer_id).imported
    assert run(fresh_db, dep.id, cut)["orders_loaded"] == 54
    files = fresh_db.read(lambda s: manifests.write_manifests(s, dep.id, tmp_path / "out"))
    (container_pdf,) = [f for f in files if f.suffix == ".pdf" and "_regime_" not in f.name]
    data = container_pdf.read_bytes()
    text = _pdf_text(data)
    assert all(name in text for name in names), text[:500]
    assert b"NotoSansCJK" in data  # the Han characters come from the embedded CJK fallback font
    assert "Totals:" in text  # the line after the fallback-font cells is still in the main font
    (regime_pdf,) = [f for f in files if f.name.endswith("_regime_9810.pdf")]
    assert "跨境电商出口海外仓" in _pdf_text(regime_pdf.read_bytes())  # the regime's Chinese name, no longer cut


@pytest.mark.parametrize("limit", ["volume", "weight"])
def test_the_orders_read_for_a_departure_are_the_oldest_that_can_fit_over_all_hubs(fresh_db, world, limit):
    """The orders read must be exactly those (over all hubs, oldest first) whose running total before them is
    within the limit, and the counts those of every eligible order."""
    from landbridge.ecommerce import consolidation
    from landbridge.ecommerce.models import QUEUE

    Q = QUEUE.c
    dep = fresh_departure(world, "chengdu-ecommerce")
    cut = dep.departure - H48
    seller = make_seller(fresh_db)
    # two hubs, ready times interleaved (and sometimes equal: then the id decides), sizes differing
    other = [{**r, "weight_kg": "350", "height_cm": "60"} for r in pallets(30, "PL", cut, step_min=11)]
    rows = pallets(30, "DE", cut, step_min=7) + other
    assert import_rows(fresh_db, rows, seller.customer_id).imported
    hubs = ["duisburg-rail", "lodz-rail"]
    where = [Q.hub.in_(hubs), Q.ready_at <= cut]
    every = fresh_db.read(
        lambda s: s.execute(
            select(Q.order_id.label("id"), Q.volume_m3, Q.weight_kg).where(*where).order_by(Q.ready_at, Q.order_id)
        ).all()
    )
    size = np.array([r.volume_m3 if limit == "volume" else r.weight_kg for r in every])
    before = np.cumsum(size) - size
    for most in (0.1, float(size[0]), float(before[7]), float(before[31]) + 0.01, float(before[-1]), 1e9):
        limits = (most, 1e12) if limit == "volume" else (1e12, most)
        got, total, late = fresh_db.read(lambda s, limits=limits: consolidation._waiting(s, where, *limits, {}))
        assert list(got["id"]) == [r.id for r, b in zip(every, before) if b <= most]
        assert (total, late) == (len(every), len(every))  # with no next train, every order would be late


def test_on_sqlite_waiting_orders_are_read_through_the_queue_index_without_a_sort(fresh_db):
    """The queue's index serves a hub's eligible orders in age order, with their volume (no table read, no
    sort)."""
    from landbridge.ecommerce.models import QUEUE

    if fresh_db.dialect != "sqlite":
        pytest.skip("a SQLite query plan")
    Q = QUEUE.c
    cut = datetime(2027, 3, 1, tzinfo=UTC)
    q = select(Q.order_id, Q.volume_m3).where(Q.hub == "lodz-rail", Q.ready_at <= cut).order_by(Q.ready_at, Q.order_id)
    compiled = q.compile(fresh_db.engine)  # with its bound parameters, as it runs
    params = tuple(compiled.params[k] for k in compiled.positiontup or [])
    with fresh_db.engine.connect() as conn:
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), params))
    assert "ix_ecommerce_queue_hub_ready" in plan and "TEMP B-TREE" not in plan, plan


def test_the_queue_migration_moves_waiting_and_loaded_orders_both_ways(fresh_db, world):
    """Migration ecomq_0001 with orders in the database: down to the order row's status and container_id, and up
    again to the queue and the loads, every order keeps its status, container and queue entry (ready time, size,
    promised date)."""
    from sqlalchemy import text

    from landbridge.ecommerce.models import QUEUE
    from landbridge.migrations import downgrade, upgrade

    dep = fresh_departure(world, "chengdu-ecommerce")
    set_capacity(fresh_db, world, dep, 2)  # some orders are loaded, the rest wait
    cut = dep.departure - H48
    seller = make_seller(fresh_db)
    assert import_rows(fresh_db, pallets(200, "DE", cut, promised="2027-12-31"), seller.customer_id).imported
    run(fresh_db, dep.id, cut)
    before = {o.id: (o.status, o.container_id) for o in orders_of(fresh_db)}
    assert {s for s, _c in before.values()} == {"waiting", "loaded"}
    queued = fresh_db.read(lambda s: sorted(map(tuple, s.execute(select(QUEUE)).all())))
    downgrade(fresh_db, "ecom_0003")
    fresh_db.dispose()
    down = fresh_db.read(
        lambda s: {r[0]: (r[1], r[2]) for r in s.execute(text("SELECT id, status, container_id FROM ecommerce_orders"))}
    )
    assert down == before
    upgrade(fresh_db)
    fresh_db.dispose()
    assert {o.id: (o.status, o.container_id) for o in orders_of(fresh_db)} == before
    assert fresh_db.read(lambda s: sorted(map(tuple, s.execute(select(QUEUE)).all()))) == queued
    assert len(queued) == sum(s == "waiting" for s, _c in before.values())
