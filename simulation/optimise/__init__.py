"""The best mix for a budget: Optuna search over lever shares, timing and intensity (``space``), every
trial on the same replications (``evaluate``), stored and resumable (``study``), checked against the
scenario's strategies on fresh replications (``result``). Optuna is imported only when a search runs."""
