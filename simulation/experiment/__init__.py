"""Running scenarios: single runs and their KPIs, strategy comparisons, reports."""
