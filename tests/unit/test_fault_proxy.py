"""The fault proxy's reading of BigQuery requests: which jobs mutate which table, which rules apply."""

from __future__ import annotations

import json

import pytest

from local_stack.fault_proxy import Rule, classify, mutated_table


@pytest.mark.parametrize(
    ("sql", "table"),
    [
        (
            "-- hash\nupdate `nba_analytics.player_game_summary`\nset data_hash = 'x'",
            "nba_analytics.player_game_summary",
        ),
        ("merge `p.nba_analytics.t` as target using (select 1) as s on false", "nba_analytics.t"),
        ("/* a\n b */ insert into `d.log` (a) values (1)", "d.log"),
        ("delete from d.t where true", "d.t"),
        ("select * from d.t where note = 'update d.other'", None),
        ("with u as (select 1) select * from u", None),
    ],
)
def test_mutating_statements_name_the_table_they_write(sql, table):
    assert mutated_table(sql) == table


def test_a_dry_run_is_never_a_mutating_statement():
    body = {"configuration": {"dryRun": True, "query": {"query": "update `d.t` set a = 1 where true"}}}
    assert classify(json.dumps(body).encode())[:2] == ("dry_run", "d.t")
    body["configuration"]["dryRun"] = False
    assert classify(json.dumps(body).encode())[:2] == ("mutating", "d.t")


def test_rules_skip_then_fire_the_given_number_of_times_on_their_table_only():
    rule = Rule({"action": "serialize", "table": "d.t", "skip": 1, "times": 2})
    fired = [
        rule.applies(kind, table)
        for kind, table in [("mutating", "d.other"), ("query", None)] + [("mutating", "d.t")] * 4
    ]
    assert fired == [False, False, False, True, True, False]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"action": "explode"}, "action 'explode' is not one of"),
        ({"action": "delay", "match": "everything"}, "match 'everything' is not one of"),
        ({"action": "serialize", "match": "any"}, "serialize fails a job; match must name jobs"),
    ],
)
def test_a_bad_rule_is_refused_with_the_reason(spec, message):
    with pytest.raises(ValueError, match=message):
        Rule(spec)
