"""The engine: the rule steps ``WordOfMouthModel`` runs in order each sub-step (``schedule.SCHEDULE``).

Each step is a function ``step(model, effects, record)`` that reads and writes the market's state (the model's
consumers, ties and product page) and this sub-step's ``StepRecord``; its rule's equations live in
``simulation.rules`` and, for the compiled kernels, ``simulation._compiled``. How messages are delivered
(the three paths, their reusable buffers and their split over threads) is ``delivery``.
"""
