"""Validation of every field and regime rule, in columns: a bad value is reported on its line and field with a
reason, other rows are unaffected. No database needed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ecommerce.conftest import order, table_of

NOW = datetime(2026, 11, 30, tzinfo=UTC)


def check(rows, **kw):
    from landbridge.ecommerce.rules import rules
    from landbridge.ecommerce.validate import validate
    from landbridge.ecommerce_flow import order_flow

    return validate(table_of(rows), rules(), order_flow(), seller_id=kw.pop("seller_id", "cus_test"), now=NOW, **kw)


def test_a_valid_order_passes():
    c = check(
        [
            order(),
            order(
                regime="9810",
                consignee_type="warehouse",
                weight_kg="300",
                length_cm="120",
                width_cm="100",
                height_cm="150",
                items="200",
                declared_value="2400.00",
                ioss_number=None,
            ),
        ]
    )
    assert c.errors == [] and c.valid == 2


BAD = [
    ("seller_order_id", "has space", "printable ASCII"),
    ("seller_order_id", "x" * 65, "1 to 64"),
    ("order_date", "2026-13-01", "calendar date"),
    ("order_date", "2026-05-10T08:00:00", "time zone"),
    ("order_date", "yesterday", "ISO 8601"),
    ("order_date", "2019-01-01", "first day of the import rules"),
    ("order_date", "2031-01-01", "days ahead"),
    ("weight_kg", "heavy", "not a number"),
    ("weight_kg", "0", "greater than 0"),
    ("weight_kg", "-1", "greater than 0"),
    ("weight_kg", "31", "at most 30 kg for regime 9610"),
    ("length_cm", "1300", "does not fit"),
    ("width_cm", "nan", "not a number"),
    ("height_cm", "1e400", "finite"),
    ("items", "1.5", "whole number"),
    ("items", "0", "1 to"),
    ("declared_value", "12.345", "at most 2 decimals"),
    ("declared_value", "0", "greater than 0"),
    ("declared_value", "abc", "at most 2 decimals"),
    ("currency", "EURO", "ISO 4217"),
    ("currency", "ABC", "ISO 4217"),
    ("currency", "XAU", "no exchange rate"),
    ("hs_codes", "61091", "6, 8 or 10 ASCII digits"),
    ("hs_codes", "６１０９１０", "ASCII digits"),  # full-width digits
    ("hs_codes", "٦١٠٩١٠", "ASCII digits"),  # Arabic-Indic digits
    ("hs_codes", "0001000000", "chapter"),
    ("hs_codes", "7712000000", "chapter"),
    ("hs_codes", "8507600000", "dangerous goods"),
    ("hs_codes", ";".join(["6109100021"] * 11), "at most 10 lines"),
    ("destination_country", "XX", "ISO 3166-1"),
    ("destination_country", "DEU", "ISO 3166-1"),
    ("destination_country", "GB", "outside the EU"),
    ("destination_country", "CH", "outside the EU"),
    ("destination_city", "a\x01b", "control characters"),
    ("destination_postcode", "#12", "letters, digits"),
    ("consignee_name", "x" * 201, "1 to 200"),
    ("regime", "9999", "unknown export regime"),
    ("consignee_type", "business", "ships to individual"),
    ("ioss_number", "IM123", "'IM' and 10 digits"),
    ("promised_by", "2026-05-01", "before the order date"),
    ("ready_at", "2026-05-12T10:00:00", "time zone"),
]


@pytest.mark.parametrize(("field", "value", "reason"), BAD, ids=[f"{f}={v[:12]!r}" for f, v, _ in BAD])
def test_each_field_rule(field, value, reason):
    c = check([order(), order(**{field: value}), order()])
    assert c.valid == 2 and not c.ok[1]
    bad = [e for e in c.errors if e.line == 3]
    assert bad, c.errors
    assert any(e.field in (field, "length_cm") and reason in e.reason for e in bad), bad
    assert all(e.line == 3 for e in c.errors)


@pytest.mark.parametrize(
    "field", ["seller_order_id", "order_date", "weight_kg", "hs_codes", "destination_country", "currency"]
)
def test_required_fields(field):
    c = check([order(**{field: None}), order()])
    assert not c.ok[0] and c.ok[1]
    assert any(e.field == field and "missing" in e.reason for e in c.errors)


REGIME_RULES = [
    ({"regime": "9710", "consignee_type": "individual", "ioss_number": None}, "consignee_type", "business"),
    ({"regime": "9810", "consignee_type": "business", "ioss_number": None}, "consignee_type", "warehouse"),
    ({"regime": "9710", "consignee_type": "business"}, "ioss_number", "consumers only"),
    ({"regime": "1210"}, "bonded_account", "bonded"),
    ({"regime": "1210", "weight_kg": "30.5", "bonded_account": "T7901W000001"}, "weight_kg", "at most 30 kg"),
    ({"declared_value": "200.00"}, "ioss_number", "up to EUR 150"),
    ({"declared_value": "1400.00", "currency": "CNY"}, "ioss_number", "up to EUR 150"),
]


@pytest.mark.parametrize(("over", "field", "reason"), REGIME_RULES)
def test_regime_rules(over, field, reason):
    c = check([order(**over)])
    assert not c.ok[0]
    assert any(e.field == field and reason in e.reason for e in c.errors), c.errors


def test_regime_rules_come_from_the_data_file(tmp_path):
    """Changing the regime file changes the rule: 9610 parcels up to 50 kg."""
    import shutil

    import yaml

    from landbridge.datafiles import DEFAULT_DATA_DIR, DataSource
    from landbridge.ecommerce.rules import load_rules
    from landbridge.ecommerce.validate import validate
    from landbridge.ecommerce_flow import order_flow

    doc = yaml.safe_load((DEFAULT_DATA_DIR / "ecommerce_regimes.yaml").read_text())
    for r in doc["regimes"]:
        if r["code"] == "9610":
            r["max_parcel_weight_kg"] = 50
    (tmp_path / "ecommerce_regimes.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True))
    shutil.copy(DEFAULT_DATA_DIR / "eu_import_rules.yaml", tmp_path)
    rules = load_rules(DataSource(tmp_path))
    c = validate(table_of([order(weight_kg="31")]), rules, order_flow(), seller_id="cus_x", now=NOW)
    assert c.valid == 1


def test_lowercase_codes_and_list_hs_codes_are_accepted():
    import pyarrow as pa

    from landbridge.ecommerce.rules import rules
    from landbridge.ecommerce.validate import validate
    from landbridge.ecommerce_flow import order_flow

    rows = [order(destination_country="de", currency="eur")]
    t = table_of(rows).drop(["hs_codes"]).append_column("hs_codes", pa.array([["6109100021", "6204430090"]]))
    c = validate(t, rules(), order_flow(), seller_id="cus_x", now=NOW)
    assert c.valid == 1
    assert c.cols["hs_codes"][0] == "6109100021;6204430090"
    assert c.cols["tariff_lines"][0] == 2


def test_duplicates_in_a_file_are_refused_after_the_first():
    a = order(seller_order_id="A1")
    c = check([a, order(), dict(a)])
    assert c.ok.tolist() == [True, True, False]
    assert any(e.line == 4 and "first at line 2" in e.reason for e in c.errors)


def test_unknown_and_missing_columns_are_reported_on_the_header():
    import pyarrow as pa

    rows = [order()]
    t = table_of(rows).append_column("weigth", pa.array(["1"])).drop(["currency"])
    from landbridge.ecommerce.rules import rules
    from landbridge.ecommerce.validate import validate
    from landbridge.ecommerce_flow import order_flow

    c = validate(t, rules(), order_flow(), seller_id="cus_x", now=NOW)
    assert c.valid == 0
    msgs = {(e.line, e.field): e.reason for e in c.all_errors}
    assert "did you mean" in msgs[(1, "weigth")]
    assert "missing" in msgs[(1, "currency")]


def test_seller_column_must_match_and_exist():
    c = check([order(seller_id="cus_other"), order()], seller_id="cus_me", known_sellers={"cus_me"})
    assert c.ok.tolist() == [False, True]
    c = check([order(seller_id="cus_a"), order(seller_id="cus_b")], seller_id=None, known_sellers={"cus_a"})
    assert c.ok.tolist() == [True, False]


FIELDS = list(order())


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(FIELDS),
            st.one_of(st.text(max_size=30), st.none(), st.integers().map(str), st.floats().map(str)),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_fuzzed_values_never_crash_and_only_touched_rows_fail(mutations):
    rows = [order() for _ in range(4)]
    touched = set()
    for k, (field, value) in enumerate(mutations):
        i = k % 4
        rows[i][field] = value
        touched.add(i)
    c = check(rows)
    assert c.rows == 4
    assert len(c.ok) == 4
    for i in range(4):
        if i not in touched:
            assert c.ok[i], [e for e in c.errors if e.line == i + 2]
    bad_lines = {e.line for e in c.errors}
    assert bad_lines == {i + 2 for i in range(4) if not c.ok[i]}
