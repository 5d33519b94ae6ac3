"""Suspended services (the routes through Ukraine since 2022) and the scenarios that reopen them."""

from __future__ import annotations

import pytest

from landbridge.errors import InvalidRequestError
from landbridge.scenarios import parse_scenario
from landbridge.world import load_world, scenario_from_specs, suspension_tags
from tests.clirun import cli


def test_suspension_tags_come_from_the_data():
    assert "ukraine" in suspension_tags()


@pytest.mark.parametrize("spec, hint", [("reopen:ukrane", "ukraine"), ("reopen:ukraina", "ukraine")])
def test_reopen_an_unknown_tag_suggests_the_known_one(spec, hint):
    with pytest.raises(InvalidRequestError) as e:
        parse_scenario(spec, suspension_tags={"ukraine"})
    msg = str(e.value)
    assert f"Did you mean {hint}?" in msg and "Suspended services carry the tags: ukraine" in msg


def test_reopen_with_no_suspended_service_says_so():
    with pytest.raises(InvalidRequestError, match="No service is suspended"):
        parse_scenario("reopen:ukraine", suspension_tags=())


def test_reopen_a_known_tag_runs_its_services_again():
    base = load_world()
    reopened = load_world(scenario_from_specs("reopen:ukraine"))
    assert "xian-kyiv" not in base.timetable.by_id
    assert "xian-kyiv" in reopened.timetable.by_id


def test_cli_refuses_an_unknown_tag_with_exit_2(ready_date):
    r = cli("quote", "Xian", "Kyiv", "--ready", ready_date.isoformat(), "--scenario", "reopen:ukrane")
    assert r.exit_code == 2
    assert "did you mean ukraine" in (r.error or "").lower()
