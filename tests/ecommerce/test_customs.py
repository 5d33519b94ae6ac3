"""What each order owes and which declarations it needs, under the rules in force on its date; and the dated
rules themselves checked against their published sources."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest


def customs(
    day: str,
    *,
    value=40.0,
    currency="EUR",
    ioss=True,
    consignee="individual",
    lines=1,
    rate=0.12,
    regime="9610",
    country="DE",
):
    from landbridge.ecommerce.rules import rules

    r = rules().customs(
        regime=np.array([regime], dtype=object),
        consignee_type=np.array([consignee], dtype=object),
        declared_value=np.array([value]),
        currency=np.array([currency], dtype=object),
        country=np.array([country], dtype=object),
        has_ioss=np.array([ioss]),
        tariff_lines=np.array([lines]),
        duty_rate=np.array([rate]),
        days=np.array([np.datetime64(day, "D")]),
    )
    return {k: (v[0].item() if hasattr(v[0], "item") else v[0]) for k, v in r.items()}


def test_low_value_before_july_2026_is_duty_free_h7_vat_through_ioss():
    c = customs("2026-06-30", value=40.0, lines=2)
    assert c["import_declaration"] == "H7"
    assert c["duty_eur"] == 0
    assert c["vat_via"] == "ioss" and c["vat_eur"] == pytest.approx(40 * 0.19)


def test_flat_eur_3_per_distinct_tariff_subheading_from_1_july_2026():
    """Council, 12 December 2025 / 11 February 2026: EUR 3 per item category (tariff subheading) in parcels
    under EUR 150 to consumers, sellers registered in IOSS, 1 July 2026 - 1 July 2028."""
    assert customs("2026-07-01", lines=1)["duty_eur"] == 3
    assert customs("2026-07-01", lines=2)["duty_eur"] == 6  # the Council's example: silk and wool blouses
    assert customs("2026-07-01", lines=2)["import_declaration"] == "H7"
    assert customs("2028-06-30", lines=3)["duty_eur"] == 9


def test_flat_duty_applies_to_ioss_sellers_only_others_keep_the_relief():
    c = customs("2026-08-01", ioss=False)
    assert c["duty_eur"] == 0 and c["vat_via"] == "import"
    assert c["vat_eur"] == pytest.approx(40 * 0.19)


def test_above_eur_150_full_declaration_tariff_duty_and_import_vat():
    c = customs("2026-03-01", value=500.0, ioss=False, rate=0.12)
    assert c["import_declaration"] == "H1"
    assert c["duty_eur"] == pytest.approx(60.0)
    assert c["vat_eur"] == pytest.approx((500 + 60) * 0.19)


def test_permanent_regime_after_the_interim_duty_charges_the_tariff():
    c = customs("2028-07-01", value=40.0, rate=0.12)
    assert c["import_declaration"] == "H1" and c["duty_eur"] == pytest.approx(4.8)


def test_currency_converted_at_the_dated_rate_and_cny_threshold_for_b2b_lists():
    from landbridge.ecommerce.rules import rules

    per_eur = rules().eur_rate(np.array(["CNY"], dtype=object), np.array([np.datetime64("2026-03-01", "D")]))[0]
    c = customs("2026-03-01", value=1000.0, currency="CNY", ioss=True)
    assert c["value_eur"] == pytest.approx(round(1000 / per_eur, 2))
    # 9710: list declaration up to RMB 5,000 a consignment (GACC 75/2020), a customs declaration above
    small = customs("2026-03-01", value=4000.0, currency="CNY", ioss=False, consignee="business", regime="9710")
    big = customs("2026-03-01", value=6000.0, currency="CNY", ioss=False, consignee="business", regime="9710")
    assert (small["export_declaration"], big["export_declaration"]) == ("list", "declaration")
    assert customs("2026-03-01", value=6000.0, currency="CNY", ioss=False)["export_declaration"] == "list"  # 9610


@pytest.mark.parametrize(
    ("country", "day", "rate"),
    [
        ("RO", "2025-07-31", 0.19),
        ("RO", "2025-08-01", 0.21),
        ("EE", "2025-06-30", 0.22),
        ("EE", "2025-07-01", 0.24),
        ("SK", "2024-12-31", 0.20),
        ("SK", "2025-01-01", 0.23),
        ("FI", "2024-09-01", 0.255),
        ("DE", "2026-01-01", 0.19),
    ],
)
def test_vat_rates_change_on_their_dates(country, day, rate):
    """European Commission, VAT rates applied in the Member States (changes of 2024-2025)."""
    from landbridge.ecommerce.rules import rules

    got = rules().vat_rate(np.array([country], dtype=object), np.array([np.datetime64(day, "D")]))[0]
    assert got == pytest.approx(rate)


def test_published_figures_in_the_rules_files():
    """The dated rules match their sources (cited in the files)."""
    from landbridge.ecommerce.rules import EU27, rules

    r = rules()
    eu = r.eu
    assert eu.low_value_threshold_eur == 150  # Reg. 1186/2009 art. 23(1); Directive 2017/2455 (IOSS)
    assert eu.ioss_from == date(2021, 7, 1)
    flat = [p for p in eu.low_value_duty if p.kind == "flat_per_item"]
    assert len(flat) == 1 and flat[0].flat_eur == 3
    assert (flat[0].valid_from, flat[0].valid_to) == (date(2026, 7, 1), date(2028, 7, 1))
    assert eu.ics2_rail.from_ == date(2025, 4, 1) and eu.ics2_rail.mandatory_from == date(2025, 9, 1)
    assert eu.ics2_rail.ens_hours_before_arrival == 2 and eu.ics2_rail.min_hs_digits == 6
    assert sorted(eu.vat_standard_rate) == sorted(EU27) and len(EU27) == 27
    assert set(r.regimes) == {"9610", "9710", "9810", "1210"}
    assert r.regimes["9710"].list_declaration_max_value_cny == 5000  # GACC Announcement 75/2020
    assert r.regimes["9810"].consignee_types == ("warehouse",)
    assert r.regimes["1210"].requires_bonded_stock
    for key in ("regimes", "eu", "operations"):
        assert len(r.sources[key]) > 50


def test_a_broken_rules_file_names_file_block_and_field(tmp_path):
    import shutil

    from landbridge.datafiles import DEFAULT_DATA_DIR, DataSource
    from landbridge.ecommerce.rules import load_rules
    from landbridge.errors import DataError

    for f in ("ecommerce_regimes.yaml", "ecommerce_operations.yaml"):
        shutil.copy(DEFAULT_DATA_DIR / f, tmp_path)
    text = (
        (DEFAULT_DATA_DIR / "eu_import_rules.yaml")
        .read_text()
        .replace("low_value_threshold_eur: 150", "low_value_threshold_eur: -1")
    )
    (tmp_path / "eu_import_rules.yaml").write_text(text)
    with pytest.raises(DataError) as e:
        load_rules(DataSource(tmp_path))
    assert "eu_import_rules.yaml" in str(e.value) and "low_value_threshold_eur" in str(e.value)
