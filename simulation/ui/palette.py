"""One colour per meaning across the front end (and only that meaning).

Roles: grey prospects, blue followers, orange (past) customers -- customers and adopters are orange in
every chart. Opinions and the valence of messages: red negative, grey neutral, green positive. Money:
purple revenue, brown spend (dashed: what was planned). The Bass reference is dark grey and dashed.
Strategies in the Compare view take a categorical palette of their own, in the scenario's order.
"""

ROLE_COLOURS = {"prospect": "#9e9e9e", "follower": "#1f77b4", "past customer": "#ff7f0e"}
ADOPTERS = ROLE_COLOURS["past customer"]
VALENCE = {"positive": "#2ca02c", "negative": "#d62728", "neutral": "#bbbbbb"}
OPINION_DOMAIN = [-1.0, 0.0, 1.0]
OPINION_RANGE = [VALENCE["negative"], "#d9d9d9", VALENCE["positive"]]
MONEY = {"revenue": "#6a3d9a", "spend": "#8c564b", "planned": "#c49c94"}
BASS = "#444444"
RATING = "#bcbd22"  # the product page's average rating
STRATEGIES = [
    "#4c78a8",
    "#f58518",
    "#54a24b",
    "#e45756",
    "#72b7b2",
    "#b279a2",
    "#ff9da6",
    "#9d755d",
    "#bab0ac",
    "#eeca3b",
]
