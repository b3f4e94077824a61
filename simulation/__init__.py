"""Word-of-mouth marketing simulator: an agent-based model of a product's market on a social network."""

from .marketing.strategy import Strategy
from .model import WordOfMouthModel
from .parameters import PARAMETERS

__all__ = ["PARAMETERS", "Strategy", "WordOfMouthModel"]
