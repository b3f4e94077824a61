"""Robustness across uncertain markets: every strategy over a Latin-hypercube ensemble of markets (run and
stored through ``simulation.sweep``), regret against the best strategy in each market, and PRIM scenario
discovery (EMA Workbench) of the conditions under which the chosen strategy loses."""
