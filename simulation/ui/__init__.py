"""The Solara front end: explore one strategy step by step, compare every strategy with replications.

``simulation/app.py`` serves ``page.Page``. Parts: ``controls`` (parameter controls from the schema),
``session`` (the explored model's state), ``explore_view``, ``network_view`` (sampled network, layout
cached), ``charts`` (live charts and KPI cards), ``vega`` (charts updated in place), ``compare_session``
(comparison in the background) and ``compare_view``; ``background`` runs threads inside a session.
"""
