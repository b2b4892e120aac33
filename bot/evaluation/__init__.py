"""The replay evaluation (``incident-bot eval``): each scenario replayed through the live
pipeline, its conclusions read off what the pipeline computed, and judged against ``expect``.

``conclusions`` reads what the bot concluded (one place, so new analysis connects there),
``judge`` applies the format's comparison rules, ``replay`` runs a scenario on a throwaway
database, ``report`` writes the result for people and for tools.
"""
