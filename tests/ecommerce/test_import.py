"""Importing order files (CSV, Parquet, JSON Lines) through the command and the service: all or nothing, partial
with --skip-invalid, never duplicated, changes reported, a crash leaves nothing; fuzzed files never crash the
importer and a bad file is never half-imported. On SQLite and on PostgreSQL."""

from __future__ import annotations

import csv
import json
import secrets

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.ecommerce.conftest import import_rows, make_seller, order

runner = CliRunner()


def count_orders(db, seller_id: str) -> int:
    from landbridge.ecommerce.models import Order

    return db.read(lambda s: s.scalar(select(func.count()).select_from(Order).where(Order.seller_id == seller_id)))


def write_csv(path, rows):
    names = list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=names)
        w.writeheader()
        w.writerows(rows)


def cli(db, *args):
    from landbridge.cli import app

    return runner.invoke(app, ["ecommerce", *args, "--database", db.url])


def test_a_file_with_bad_rows_imports_nothing_and_reports_every_bad_row(db, tmp_path):
    seller = make_seller(db)
    rows = [order(), order(weight_kg="-2"), order(), order(hs_codes="61O9100021", destination_country="UK"), order()]
    f = tmp_path / "orders.csv"
    write_csv(f, rows)
    r = cli(db, "import", str(f), "--seller", seller.customer_id, "--json")
    assert r.exit_code == 2, r.output
    doc = json.loads(r.stdout)
    assert doc["imported"] is False and doc["inserted"] == 0
    got = {(e["line"], e["field"]) for e in doc["errors"]}
    assert got == {(3, "weight_kg"), (5, "hs_codes"), (5, "destination_country")}
    assert all(e["value"] and e["reason"] for e in doc["errors"])
    assert count_orders(db, seller.customer_id) == 0
    table = cli(db, "import", str(f), "--seller", seller.customer_id)
    assert table.exit_code == 2 and "weight_kg" in table.stdout and "Nothing imported" in table.stderr
    assert "Traceback" not in table.output


def test_skip_invalid_imports_the_valid_rows_and_writes_the_rejected_ones(db, tmp_path):
    seller = make_seller(db)
    rows = [order(), order(currency="ZZZ"), order(), order(items="0")]
    f = tmp_path / "orders.csv"
    write_csv(f, rows)
    r = cli(db, "import", str(f), "--seller", seller.customer_id, "--skip-invalid", "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["inserted"] == 2 and doc["rejected"] == 2
    assert count_orders(db, seller.customer_id) == 2
    with open(doc["rejected_file"], encoding="utf-8") as fh:
        rejected = list(csv.DictReader(fh))
    assert [x["line"] for x in rejected] == ["3", "5"]
    assert "currency" in rejected[0]["errors"] and rejected[0]["seller_order_id"] == rows[1]["seller_order_id"]


def test_importing_again_never_duplicates_and_changes_are_reported_not_applied(db, tmp_path):
    from landbridge.ecommerce.models import Order

    seller = make_seller(db)
    rows = [order(), order(), order()]
    f = tmp_path / "orders.csv"
    write_csv(f, rows)
    assert cli(db, "import", str(f), "--seller", seller.customer_id).exit_code == 0
    again = json.loads(cli(db, "import", str(f), "--seller", seller.customer_id, "--json").stdout)
    assert (again["inserted"], again["unchanged"], again["changed"]) == (0, 3, [])
    rows[1]["weight_kg"] = "2.5"
    rows.append(order())
    write_csv(f, rows)
    third = json.loads(cli(db, "import", str(f), "--seller", seller.customer_id, "--json").stdout)
    assert third["inserted"] == 1 and third["unchanged"] == 2
    assert [(c["line"], c["seller_order_id"], c["fields"]) for c in third["changed"]] == [
        (3, rows[1]["seller_order_id"], ["weight_kg"])
    ]
    assert count_orders(db, seller.customer_id) == 4
    kept = db.read(
        lambda s: s.scalar(select(Order.weight_kg).where(Order.seller_order_id == rows[1]["seller_order_id"]))
    )
    assert kept == pytest.approx(1.2)


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_parquet_and_json_lines(db, tmp_path, fmt):
    import pyarrow as pa

    from landbridge.ecommerce.orderfile import write_table
    from tests.ecommerce.conftest import table_of

    seller = make_seller(db)
    rows = [order(), order(regime="1210", bonded_account="T7901W000042")]
    t = table_of(rows)
    t = t.set_column(t.column_names.index("weight_kg"), "weight_kg", pa.array([1.2, 0.4]))  # typed numbers
    f = tmp_path / f"orders.{fmt}"
    write_table(t, f)
    r = cli(db, "import", str(f), "--seller", seller.customer_id, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["inserted"] == 2


def test_broken_json_lines_and_ragged_csv_rows_are_reported_by_line(db, tmp_path):
    seller = make_seller(db)
    f = tmp_path / "o.jsonl"
    good = order()
    f.write_text(
        json.dumps(good) + "\n" + "{not json\n" + "\n" + json.dumps({**order(), "items": "two"}) + "\n[1, 2]\n"
    )
    doc = json.loads(cli(db, "import", str(f), "--seller", seller.customer_id, "--json").stdout)
    assert {(e["line"], e["field"]) for e in doc["errors"]} == {(2, "(line)"), (4, "items"), (5, "(line)")}
    g = tmp_path / "o.csv"
    write_csv(g, [order(), order()])
    g.write_text(g.read_text() + "a,b,c\n")
    doc = json.loads(cli(db, "import", str(g), "--seller", seller.customer_id, "--json").stdout)
    assert [(e["line"], e["field"]) for e in doc["errors"]] == [(4, "(row)")]
    assert count_orders(db, seller.customer_id) == 0


def test_unknown_seller_file_type_and_missing_file_are_clear_errors(db, tmp_path):
    f = tmp_path / "o.csv"
    write_csv(f, [order()])
    r = cli(db, "import", str(f), "--seller", "cus_nobody")
    assert r.exit_code != 0 and "No seller" in str(r.exception or r.output)
    r = cli(db, "import", str(tmp_path / "o.xlsx"), "--seller", "cus_nobody")
    assert "unknown file type" in str(r.exception or r.output)


def test_a_crash_in_the_middle_of_an_import_leaves_nothing(db, monkeypatch):
    from landbridge.ecommerce import imports

    seller = make_seller(db)

    def boom(*a, **k):
        raise RuntimeError("power cut after the orders were written")

    monkeypatch.setattr(imports, "insert", boom)  # the import record, written after the bulk insert
    with pytest.raises(RuntimeError):
        import_rows(db, [order() for _ in range(50)], seller.customer_id)
    assert count_orders(db, seller.customer_id) == 0


def test_an_import_written_in_several_chunks_stores_every_order_once_with_its_digest(db, monkeypatch):
    """The rows go in CHUNK at a time (SQLite) or PART at a time (PostgreSQL: validated, prepared and copied part
    by part, the copies in a thread of their own; on a first import the content digests are computed part by
    part): with tiny chunks every order is stored once, ids ascend with the ready time (the rows of this file
    are in time order within each part, and the parts follow each other in time), and a re-import finds every
    order unchanged (the per-chunk digests are those of the whole file)."""
    from landbridge.ecommerce import imports
    from landbridge.ecommerce.models import Order

    monkeypatch.setattr(imports, "CHUNK", 7)
    monkeypatch.setattr(imports, "PART", 7)
    seller = make_seller(db)
    rows = [
        order(order_date=f"2026-05-{10 + (i * 7) % 9:02d}T08:00:00Z", declared_value=f"{10 + i}.50") for i in range(40)
    ]
    if db.dialect == "postgresql":  # parts in time order, rows shuffled within each part
        rows = [
            order(order_date=f"2026-05-{10 + i // 7:02d}T{(i * 5) % 7:02d}:00:00Z", declared_value=f"{10 + i}.50")
            for i in range(40)
        ]
    rep = import_rows(db, rows, seller.customer_id)
    assert rep.imported and rep.inserted == 40 and count_orders(db, seller.customer_id) == 40
    stored = db.read(
        lambda s: s.execute(
            select(Order.id, Order.ready_at, Order.seller_order_id, Order.declared_value)
            .where(Order.seller_id == seller.customer_id)
            .order_by(Order.id)
        ).all()
    )
    assert [r.ready_at for r in stored] == sorted(r.ready_at for r in stored)
    by_key = {r.seller_order_id: r for r in stored}
    assert rep.inserted_ids == [by_key[r["seller_order_id"]].id for r in rows]
    assert [str(by_key[r["seller_order_id"]].declared_value) for r in rows] == [r["declared_value"] for r in rows]
    again = import_rows(db, rows, seller.customer_id)
    assert (again.inserted, again.unchanged, again.changed) == (0, 40, [])
    edited = import_rows(db, [{**rows[9], "weight_kg": "1.3"}], seller.customer_id)
    assert [(c["seller_order_id"], c["fields"]) for c in edited.changed] == [
        (rows[9]["seller_order_id"], ["weight_kg"])
    ]


def test_a_failure_in_a_later_chunk_leaves_nothing(db, monkeypatch):
    from landbridge.ecommerce import imports

    seller = make_seller(db)
    monkeypatch.setattr(imports, "CHUNK", 5)
    monkeypatch.setattr(imports, "PART", 5)
    built = imports._chunk_columns
    calls = []

    def third_fails(*a, **k):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full while the third chunk was prepared")
        return built(*a, **k)

    monkeypatch.setattr(imports, "_chunk_columns", third_fails)
    with pytest.raises(RuntimeError):
        import_rows(db, [order() for _ in range(30)], seller.customer_id)
    assert len(calls) >= 3 and count_orders(db, seller.customer_id) == 0


def count_queued(db) -> int:
    from landbridge.ecommerce.models import QueuedOrder

    return db.read(lambda s: s.scalar(select(func.count()).select_from(QueuedOrder)))


def sends(monkeypatch) -> list[int]:
    """Count the parts handed to the COPY thread (PostgreSQL)."""
    from landbridge.ecommerce import imports

    sent: list[int] = []
    send = imports._Sender.send

    def counted(self, part):
        sent.append(len(part[0]))
        return send(self, part)

    monkeypatch.setattr(imports._Sender, "send", counted)
    return sent


def test_a_bad_row_in_a_later_part_rolls_back_the_parts_written_and_reports_every_bad_row(fresh_db, monkeypatch):
    """PostgreSQL writes the parts before the first bad one while it validates the next: the rows already
    written are rolled back, the rest of the file is still validated, and the report is the one a validation of
    the whole file gives (duplicates across parts included). SQLite validates the whole file first."""
    from landbridge.ecommerce import imports
    from landbridge.ecommerce.rules import rules
    from landbridge.ecommerce.validate import validate
    from landbridge.ecommerce_flow import order_flow
    from tests.ecommerce.conftest import table_of

    db = fresh_db
    seller = make_seller(db)
    monkeypatch.setattr(imports, "PART", 5)
    sent = sends(monkeypatch)
    rows = [order() for _ in range(30)]
    rows[23] = order(weight_kg="-1")
    rows[26] = order(currency="QQQ", destination_country="UK")
    rows[29] = dict(rows[4])  # a duplicate of a row in the first part
    rep = import_rows(db, rows, seller.customer_id)
    assert not rep.imported and rep.inserted == 0 and rep.valid == 27
    assert count_orders(db, seller.customer_id) == 0 and count_queued(db) == 0
    whole = validate(table_of(rows), rules(), order_flow(), seller_id=seller.customer_id, first_line=2)
    assert [e.to_dict() for e in rep.errors] == [e.to_dict() for e in whole.errors]
    assert {(e.line, e.field) for e in rep.errors} == {
        (25, "weight_kg"),
        (28, "currency"),
        (28, "destination_country"),
        (31, "seller_order_id"),
    }
    assert "first at line 6" in rep.errors[-1].reason
    if db.dialect == "postgresql":
        assert len(sent) == 4  # the four parts before the bad row were written, then rolled back
    good = import_rows(db, [order() for _ in range(12)], seller.customer_id)  # the savepoint left the session usable
    assert good.imported and count_orders(db, seller.customer_id) == 12 == count_queued(db)


def test_skip_invalid_in_parts_imports_the_valid_rows_of_every_part(fresh_db, monkeypatch):
    from landbridge.ecommerce import imports

    db = fresh_db
    seller = make_seller(db)
    monkeypatch.setattr(imports, "PART", 4)
    rows = [order() for _ in range(18)]
    rows[1] = order(items="0")
    rows[9] = order(currency="ZZZ")
    rows[17] = dict(rows[16])
    rows[2] = dict(rows[0])  # a duplicate inside the first part (found in it, before the whole file is looked at)
    rep = import_rows(db, rows, seller.customer_id, skip_invalid=True)
    assert rep.imported and rep.inserted == 14 and [e.line for e in rep.errors] == [3, 4, 11, 19]
    assert "first at line 2" in rep.errors[1].reason and "first at line 18" in rep.errors[3].reason
    assert count_orders(db, seller.customer_id) == 14 == count_queued(db)
    valid = [r for k, r in enumerate(rows) if k not in (1, 2, 9, 17)]
    assert len(rep.inserted_ids) == 14
    stored = dict(
        db.read(
            lambda s: s.execute(
                select(imports.Order.id, imports.Order.seller_order_id).where(
                    imports.Order.seller_id == seller.customer_id
                )
            ).all()
        )
    )
    assert [stored[i] for i in rep.inserted_ids] == [r["seller_order_id"] for r in valid]  # in the input's order


def test_reimport_in_parts_reports_the_changes_of_every_part(db, monkeypatch):
    from landbridge.ecommerce import imports

    seller = make_seller(db)
    monkeypatch.setattr(imports, "PART", 3)
    rows = [order() for _ in range(10)]
    assert import_rows(db, rows, seller.customer_id).inserted == 10
    rows[1] = {**rows[1], "weight_kg": "2.5"}
    rows[8] = {**rows[8], "destination_city": "Bonn"}
    rows.append(order())
    rep = import_rows(db, rows, seller.customer_id)
    assert (rep.inserted, rep.unchanged) == (1, 8)
    assert [(c["line"], c["seller_order_id"], c["fields"]) for c in rep.changed] == [
        (3, rows[1]["seller_order_id"], ["weight_kg"]),
        (10, rows[8]["seller_order_id"], ["destination_city"]),
    ]
    assert count_orders(db, seller.customer_id) == 11
    bad = import_rows(db, [*rows, order(), order(items="0")], seller.customer_id)  # a bad row in the last part
    assert not bad.imported and (bad.inserted, bad.unchanged, bad.changed) == (0, 0, [])
    assert [e.line for e in bad.errors] == [14] and count_orders(db, seller.customer_id) == 11


LINE = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60),
    st.sampled_from(["", ",,,", '"unterminated', "\x00\x01", "9610,1,2,3", "ÿþ", "\ufeffseller_order_id"]),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.integers(0, 4), min_size=1, max_size=6), st.lists(LINE, max_size=3), st.sampled_from(["csv", "jsonl"])
)
def test_fuzzed_files_never_crash_and_are_never_half_imported(db, tmp_path_factory, picks, junk, fmt):
    from landbridge.ecommerce.imports import import_table
    from landbridge.ecommerce.orderfile import read_order_file

    seller = make_seller(db)
    variants = [order(), order(weight_kg="x"), order(currency="QQQ"), order(hs_codes="12"), order()]
    rows = [dict(variants[p], seller_order_id=f"F{k}-{secrets.token_hex(3)}") for k, p in enumerate(picks)]
    path = tmp_path_factory.mktemp("fuzz") / f"o.{fmt}"
    if fmt == "csv":
        write_csv(path, rows)
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with path.open("a", encoding="utf-8", errors="surrogatepass") as fh:
        for line in junk:
            fh.write(line + "\n")
    f = read_order_file(path)
    rep = db.write(
        lambda s: import_table(
            s, f.table, lines=f.lines, seller_id=seller.customer_id, source="fuzz", actor="t", read_errors=f.errors
        )
    )
    stored = count_orders(db, seller.customer_id)
    if rep.errors:
        assert not rep.imported and stored == 0
    else:
        assert rep.imported and stored == rep.inserted == len(rows)
    for e in rep.errors:
        assert e.line >= 1 and e.field and e.reason


@pytest.mark.parametrize(
    "seconds",
    [
        [1_798_761_600, 1_798_761_599, 1_830_297_599, 1_709_208_000],  # new year, its eve, leap day 2024
        [-86_401, -1, 0, 86_399, 4_102_444_800],  # before 1970, the epoch, 2100
        [0, 253_402_300_799],  # a span too wide for the day table (falls back to formatting each value)
        [],
    ],
)
def test_sqlite_time_texts_are_those_sqlalchemy_stores(seconds):
    import numpy as np

    from landbridge.ecommerce.imports import _sqlite_days, _sqlite_times

    v = np.array(seconds, dtype=np.int64).astype("datetime64[s]")
    expect = [d.strftime("%Y-%m-%d %H:%M:%S.%f") for d in v.astype(object)]
    assert _sqlite_times(v) == expect
    days = v.astype("datetime64[D]")
    assert _sqlite_days(days) == [d.isoformat() for d in days.astype(object)]


def test_key_columns_compare_bytes_on_postgresql(db):
    """Migration ecompg_0001: the e-commerce key columns are `COLLATE "C"` on PostgreSQL (index comparisons
    without strcoll); the seller, joined to the customers, keeps the database's collation."""
    if db.dialect != "postgresql":
        pytest.skip("a PostgreSQL column collation")
    from sqlalchemy import text

    rows = db.read(
        lambda s: s.execute(
            text(
                "SELECT table_name, column_name, coalesce(collation_name, '') FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name LIKE 'ecommerce_%' AND data_type LIKE '%char%'"
            )
        ).all()
    )
    c = {(t, col) for t, col, coll in rows if coll == "C"}
    assert c == {
        ("ecommerce_containers", "id"),
        ("ecommerce_orders", "id"),
        ("ecommerce_orders", "seller_order_id"),
        ("ecommerce_queue", "order_id"),
        ("ecommerce_queue", "hub"),
        ("ecommerce_loads", "order_id"),
        ("ecommerce_loads", "container_id"),
    }
