"""Scenario files: a market, a product, a horizon and the marketing strategies to compare."""

from .loader import ScenarioError, apply_overrides, load_scenario, parse_scenario
from .schema import Scenario

__all__ = ["Scenario", "ScenarioError", "apply_overrides", "load_scenario", "parse_scenario"]
