"""Real networks in scenarios: an edge list plus a node file of initial roles, run end to end."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simulation.experiment.runs import build_model, run_once
from simulation.scenario.loader import load_scenario
from simulation.state import Role

ROOT = Path(__file__).resolve().parents[1]


def _write_scenario(folder: Path, network_lines: str, extra: str = "") -> Path:
    path = folder / "small.yaml"
    path.write_text(
        "name: small\ntime_unit: week\nhorizon: 10\nseed: 3\nreplications: 2\n"
        "market:\n  n_consumers: 6\n  follower_share: 0\n  initial_awareness: 0.5\n"
        f"network:\n{network_lines}{extra}",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def small_market(tmp_path):
    (tmp_path / "ties.edges").write_text("# a ring of six friends\na b\nb c\nc d\nd e\ne f\nf a\n", encoding="utf-8")
    (tmp_path / "roles.csv").write_text(
        "node,role,follows_brand\nb,customer,\nd,follower,\nf,prospect,yes\n", encoding="utf-8"
    )
    return tmp_path


def test_node_roles_are_given_to_the_consumers(small_market):
    path = _write_scenario(small_market, "  kind: edge_list\n  edge_list: ties.edges\n  node_roles: roles.csv\n")
    scenario = load_scenario(path)
    model = build_model(scenario)
    ids = list(model.network.node_ids)
    role = {node: int(model.consumers.role[ids.index(node)]) for node in "abcdef"}
    assert role == {
        "a": Role.PROSPECT,
        "b": Role.CUSTOMER,
        "c": Role.PROSPECT,
        "d": Role.FOLLOWER,
        "e": Role.PROSPECT,
        "f": Role.PROSPECT,
    }
    follows = {node: bool(model.consumers.follows_brand[ids.index(node)]) for node in "abcdef"}
    assert follows == {"a": False, "b": False, "c": False, "d": True, "e": False, "f": True}
    # The past customer is aware and has had its experience; the funnel shows the roles.
    b = ids.index("b")
    assert model.consumers.aware[b] and not np.isnan(model.consumers.satisfaction[b])
    counts = {cls.__name__: len(agents) for cls, agents in model.agents_by_type.items()}
    assert counts.get("PastCustomer") == 1 and counts.get("Follower") == 1


def test_run_once_with_roles_is_reproducible(small_market):
    path = _write_scenario(small_market, "  kind: edge_list\n  edge_list: ties.edges\n  node_roles: roles.csv\n")
    scenario = load_scenario(path)
    first, again = run_once(scenario, replication=1), run_once(scenario, replication=1)
    assert first.timeseries.equals(again.timeseries)
    assert first.timeseries["customers"].iloc[0] >= 1  # the listed past customer stays a customer


def test_node_roles_on_a_generated_network_use_the_models_own_network(tmp_path):
    (tmp_path / "roles.csv").write_text("node,role\n0,customer\n5,follower\n", encoding="utf-8")
    path = _write_scenario(tmp_path, "  kind: random\n  mean_degree: 2\n  node_roles: roles.csv\n")
    scenario = load_scenario(path)
    with_roles = build_model(scenario)
    plain = build_model(
        scenario.model_copy(update={"network": scenario.network.model_copy(update={"node_roles": None})})
    )
    assert np.array_equal(with_roles.network.indptr, plain.network.indptr)
    assert np.array_equal(with_roles.network.indices, plain.network.indices)
    assert with_roles.consumers.role[0] == Role.CUSTOMER and with_roles.consumers.role[5] == Role.FOLLOWER


def test_node_file_communities_set_in_group_and_out_group_ties(small_market):
    # Ring a-b-c-d-e-f-a; {a, b, c} in "north", {d, e} in "south", f unlisted (no community).
    (small_market / "roles.csv").write_text(
        "node,role,community\na,prospect,north\nb,customer,north\nc,prospect,north\nd,follower,south\ne,prospect, south\n",
        encoding="utf-8",
    )
    path = _write_scenario(small_market, "  kind: edge_list\n  edge_list: ties.edges\n  node_roles: roles.csv\n")
    model = build_model(load_scenario(path))
    ids = list(model.network.node_ids)
    same = {
        (ids[int(listener)], ids[int(speaker)]): bool(flag)
        for listener, speaker, flag in zip(model.ties.listener, model.ties.speaker, model.ties.same_community)
    }
    inside = {("a", "b"), ("b", "a"), ("b", "c"), ("c", "b"), ("d", "e"), ("e", "d")}
    assert {pair for pair, flag in same.items() if flag} == inside
    assert len(same) == 12  # the other six ties (c-d, e-f, f-a both ways) cross communities


def test_community_trust_uses_the_node_files_communities(small_market):
    # Out-group trust 0 silences every tie that crosses a community. With no external influence and no
    # product page, peers are the only way to sell: the customer's word sells when everyone shares one
    # community and never when everyone is alone.
    def peer_adopters(community_of) -> list[int]:
        rows = "".join(
            f"{node},{'customer' if node == 'b' else 'prospect'},{community_of(node)}\n" for node in "abcdef"
        )
        (small_market / "roles.csv").write_text("node,role,community\n" + rows, encoding="utf-8")
        path = _write_scenario(small_market, "  kind: edge_list\n  edge_list: ties.edges\n  node_roles: roles.csv\n")
        overrides = [
            "word_of_mouth.out_group_trust=0",
            "word_of_mouth.in_group_trust=1",
            "purchase.p=0",
            "purchase.q=50",
            "word_of_mouth.talk_rate=100",
            "market.initial_awareness=1",
            "reviews.page_visit_rate=0",
            "reviews.review_propensity=0",
            "horizon=52",
        ]
        scenario = load_scenario(path, overrides)
        return [int(run_once(scenario, replication=r).timeseries["adopters"].iloc[-1]) for r in range(10)]

    # adopters count the listed past customer
    assert peer_adopters(lambda node: "") == [1] * 10  # blank: nobody shares a community
    assert sum(peer_adopters(lambda node: "all")) > 20


def test_bad_node_file_names_file_line_and_value(small_market):
    (small_market / "roles.csv").write_text("node,role\nb,customer\nzz,follower\n", encoding="utf-8")
    path = _write_scenario(small_market, "  kind: edge_list\n  edge_list: ties.edges\n  node_roles: roles.csv\n")
    with pytest.raises(ValueError, match=r"roles\.csv.*line 3.*'zz'"):
        build_model(load_scenario(path))


def test_facebook_scenario_runs_end_to_end(tmp_path, facebook_edges):
    (tmp_path / "roles.csv").write_text("node,role\n0,customer\n107,customer\n348,follower\n", encoding="utf-8")
    overrides = [f"network.node_roles={tmp_path / 'roles.csv'}", "horizon=8"]
    scenario = load_scenario(ROOT / "scenarios" / "facebook.yaml", overrides)
    assert scenario.model_parameters()["edge_list"] is not None
    assert Path(scenario.model_parameters()["edge_list"]).resolve() == facebook_edges
    result = run_once(scenario)
    frame = result.timeseries
    assert len(frame) == 8 and result.customer.size == 4039
    ids = list(build_model(scenario).network.node_ids)
    assert result.customer[ids.index(0)] and result.customer[ids.index(107)]
    assert frame["adopters"].iloc[-1] >= 2 and np.isfinite(result.kpis["npv"])
