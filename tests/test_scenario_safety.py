"""Hostile or careless scenario files: refused quickly with one line naming file, line, field and what is allowed."""

from __future__ import annotations

import os
import tracemalloc
import warnings

import pytest
from test_scenario import GOOD, problems

from simulation import WordOfMouthModel
from simulation.parameters import MAX_SEED
from simulation.scenario import ScenarioError, load_scenario, parse_scenario
from simulation.scenario.checks import ScenarioWarning
from simulation.scenario.yaml_reader import MAX_BYTES, MAX_DEPTH, MAX_VALUES


def only(text: str, overrides=()) -> str:
    found = problems(text, overrides)
    assert len(found) == 1, found
    assert "\n" not in found[0]
    return found[0]


# ------------------------------------------------------------------ YAML within limits
def test_billion_laughs_is_refused_at_once():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n"
    for level in "bcdefghij":
        previous = chr(ord(level) - 1)
        bomb += f"{level}: &{level} [" + ", ".join([f"*{previous}"] * 9) + "]\n"
    assert len(bomb) < 500  # a few hundred bytes, 10^9 values once expanded
    tracemalloc.start()
    message = only(bomb)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 64e6  # refused before the 10^9 values were built
    assert message.startswith("s.yaml:2: ") and f"more than {MAX_VALUES:,} values" in message


def test_aliases_within_the_budget_are_fine():
    text = GOOD.replace("  n_consumers: 500", "  n_consumers: &size 500\n  follower_share: 0.05") + "seed: *size\n"
    assert parse_scenario(text, "s.yaml").seed == 500


def test_merge_keys_are_not_mistaken_for_repeated_keys():
    text = GOOD + "product: &p {quality: 0.5, price: 10}\npurchase: {p: 0.05}\n"
    text = text.replace("product: &p {quality: 0.5, price: 10}", "x-defaults: &p {quality: 0.5, price: 10}")
    text += "product:\n  <<: *p\n  price: 20\n"
    message = only(text)  # the anchor's own key is unknown, nothing else is wrong
    assert "x-defaults: unknown key" in message


def test_self_referencing_alias_is_refused():
    message = only("name: &a [x, *a]\n")
    assert message == "s.yaml:1: an alias refers to itself"


def test_deep_nesting_is_refused():
    message = only("a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert message.startswith("s.yaml:1: nested more than") and str(MAX_DEPTH) in message


def test_files_above_the_size_limit_are_refused_before_reading(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text(GOOD + "# padding\n" * (MAX_BYTES // 10 + 1))
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    assert error.value.problems == [
        f"{path}: the file has {path.stat().st_size:,} bytes; a scenario file may have at most {MAX_BYTES:,} bytes"
    ]


def test_text_above_the_size_limit_is_refused():
    assert "a scenario file may have at most" in only(GOOD + " " * MAX_BYTES)


def test_repeated_keys_are_refused_with_both_lines():
    message = only(GOOD.replace("  n_consumers: 500", "  n_consumers: 500\n  n_consumers: 600"))
    assert message == (
        "s.yaml:5: market.n_consumers: key given twice (first on line 4); keep one (YAML would silently use the last)"
    )


def test_non_utf8_files_name_the_line(tmp_path):
    path = tmp_path / "latin.yaml"
    path.write_bytes(GOOD.replace("name: test", "name: caf\xe9").encode("latin-1"))
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    assert error.value.problems == [f"{path}:1: not UTF-8 text (byte 0xe9); save the scenario as UTF-8"]


def test_utf16_is_named_and_a_utf8_bom_is_fine(tmp_path):
    path = tmp_path / "wide.yaml"
    path.write_bytes(GOOD.encode("utf-16"))
    with pytest.raises(ScenarioError, match="UTF-16 text; save the scenario as UTF-8"):
        load_scenario(path)
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert load_scenario(path).name == "test"


def test_forbidden_characters_and_odd_documents():
    assert "character #x0000 is not allowed" in only("name: a\x00b\n")
    assert "not valid YAML" in only(GOOD + "---\nname: second\n")
    assert "not valid YAML" in only("? [a, b]\n: 1\n")  # a list as a key


def test_not_a_regular_file(tmp_path):
    with pytest.raises(ScenarioError, match="not a regular file"):
        load_scenario(tmp_path)
    if hasattr(os, "mkfifo"):  # reading a FIFO would block forever
        os.mkfifo(tmp_path / "pipe.yaml")
        with pytest.raises(ScenarioError, match="not a regular file"):
            load_scenario(tmp_path / "pipe.yaml")


def test_exponent_numbers_are_numbers():
    scenario = parse_scenario(GOOD.replace("n_consumers: 500", "n_consumers: 5e3"), "s.yaml", ["seed=1e3"])
    assert scenario.market.n_consumers == 5000 and scenario.seed == 1000


# ------------------------------------------------------------------ numbers
@pytest.mark.parametrize(
    ("edit", "path", "value"),
    [
        ("      - kind: quality\n        cost: .inf\n", "strategies.ads.levers.1.cost", "inf"),
        ("      - kind: advertising\n        reach: .nan\n", "strategies.ads.levers.1.reach", "nan"),
        ("      - kind: referral\n        reward: -.inf\n", "strategies.ads.levers.1.reward", "-inf"),
        ("      - kind: advertising\n        cpm: 1e400\n", "strategies.ads.levers.1.cpm", "inf"),
    ],
)
def test_non_finite_numbers_are_refused(edit, path, value):
    message = only(GOOD + edit)
    assert message == f"s.yaml:12: {path} = {value}: not a finite number; expected a finite number"


def test_an_infinite_talk_rate_keeps_its_meaning():
    # inf = exactly one message per step (the reductions use it); NaN is never a rate.
    assert parse_scenario(GOOD, "s.yaml", ["word_of_mouth.talk_rate=.inf"]).word_of_mouth.talk_rate == float("inf")
    assert "talk_rate = nan: not a finite number" in only(GOOD, ["word_of_mouth.talk_rate=.nan"])


@pytest.mark.parametrize("seed", [2**63, 2**64, 2**70])
def test_seeds_beyond_int64_are_refused(seed):
    message = only(GOOD + f"seed: {seed}\n")
    assert message == f"s.yaml:11: seed = {seed}: Input should be less than or equal to {MAX_SEED}"
    with pytest.raises(ValueError, match=r"'seed' = .* expected a whole number in \[0, 2\^63 - 1\]"):
        WordOfMouthModel(n_consumers=100, seed=seed)


def test_replications_may_not_run_past_the_largest_seed():
    message = only(GOOD + f"seed: {MAX_SEED - 5}\nreplications: 10\n")
    assert message == (
        f"s.yaml:11: seed: {MAX_SEED - 5} + 10 replications goes beyond 2^63 - 1; "
        f"the largest seed for 10 replications is {MAX_SEED - 9}"
    )
    scenario = parse_scenario(GOOD + f"seed: {MAX_SEED - 5}\nreplications: 6\n", "s.yaml")
    model = WordOfMouthModel(**scenario.model_kwargs(None, 5)).run(2)
    assert model.seed == MAX_SEED


# ------------------------------------------------------------------ messages blame the right place
def test_a_set_problem_is_blamed_on_the_set():
    assert only(GOOD, ["strategies.ads.levers.0.kind=foo"]).startswith(
        "--set strategies.ads.levers.0.kind=foo: strategies.ads.levers.0.kind = 'foo': not a lever kind; allowed: advertising,"
    )
    assert only(GOOD, ["baseline=nope"]) == (
        "--set baseline=nope: baseline: 'nope' is not one of the strategies: none, ads"
    )
    bad = "product.incidents=[{start: 5, end: 2, quality_shift: 0}]"
    assert only(GOOD, [bad]) == f"--set {bad}: product.incidents.0: end (2) must be after start (5)"


def test_a_problem_the_file_and_a_set_share_names_both():
    text = GOOD.replace("reach: 0.1", "reach: 0.1\n        end: 4")
    message = only(text, ["strategies.ads.levers.0.start=6"])
    assert message == (
        "s.yaml:9 (with --set strategies.ads.levers.0.start=6): strategies.ads.levers.0: end (4) must be after start (6)"
    )


def test_a_wrong_lever_kind_in_the_file_is_blamed_on_its_line():
    message = only(GOOD.replace("kind: advertising", "kind: advertizing"))
    assert message.startswith("s.yaml:9: strategies.ads.levers.0.kind = 'advertizing': not a lever kind; allowed: ")


def test_line_breaks_in_values_and_keys_never_break_a_message():
    message = only(GOOD.replace("kind: advertising", 'kind: "\\n\\u2028x"'))
    assert "kind = '\\n\\u2028x': not a lever kind" in message
    message = only(GOOD + '"odd\\nkey\\x85": 1\n')
    assert message.startswith("s.yaml:11: odd\\nkey\\x85: unknown key")


def test_long_values_are_cut_in_messages():
    message = only(GOOD.replace("horizon: 10", "horizon: " + "x" * 5000))
    assert len(message) < 300 and message.startswith("s.yaml:2: horizon = 'xxxx") and "...:" in message
    listed = only(GOOD.replace("horizon: 10", "horizon: [" + ", ".join(["1"] * 1000) + "]"))
    assert len(listed) < 200  # the list itself is not echoed


# ------------------------------------------------------------------ warnings
def test_levers_and_incidents_outside_the_horizon_are_warned_about():
    text = (
        GOOD.replace("reach: 0.1", "reach: 0.1\n        start: 10")
        + "product:\n  incidents:\n    - {start: 12, end: 14, quality_shift: -1}\n"
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parse_scenario(text, "s.yaml")
    messages = [str(w.message) for w in caught if issubclass(w.category, ScenarioWarning)]
    assert messages == [
        "s.yaml:11: strategies.ads.levers.0.start = 10: at or after the horizon (10 steps, counted from 0): "
        "this advertising lever never acts",
        "s.yaml:14: product.incidents.0.start = 12: at or after the horizon (10 steps, counted from 0): "
        "this incident never happens",
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parse_scenario(GOOD, "s.yaml")  # nothing to warn about


def test_strategies_that_all_take_the_default_name_are_refused_not_crashed():
    # Found by the long fuzz profile: names repeated only by default escaped the data checks, and the
    # schema's message was skipped as if they had told it, leaving no problem and no scenario.
    with pytest.raises(ScenarioError) as error:
        parse_scenario("strategies:\n- description: a\n- description: b\n", "s.yaml")
    assert error.value.problems == ["s.yaml:1: strategies: strategy names must be unique; repeated: baseline"]
