"""The Solara front end: explore one strategy step by step, compare every strategy with replications, sweep.

``simulation/app.py`` serves ``page.Page``. Parts: ``controls`` (parameter controls from the schema),
``session`` (the explored model's state and its step listeners), ``explore_view``, ``network_view``
(sampled network, layout cached), ``charts`` (Vega-Lite specs of the live charts, KPI card values),
``live_chart`` (a chart embedded once and fed new rows on every step), ``palette`` (one colour per
meaning), ``text`` (notes and tables as plain text), ``compare_session`` (comparison in the background)
and ``compare_view``, ``sweep_view`` (the sweep command's code, in the background); ``background`` runs
threads inside a session.
"""

SCENARIO_ENV = "WOM_SCENARIO"  # scenario file `run.py ui SCENARIO` hands to the app (here: no Solara import)
