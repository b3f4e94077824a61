"""Marketing levers the brand pulls (one module each, registered in ``registry``), and strategies."""

from .advertising import Advertising
from .ask_for_reviews import AskForReviews
from .base import Lever, MarketingEffects
from .content import BrandContent
from .incentivised_reviews import IncentivisedReviews
from .price_promotion import PricePromotion
from .quality import QualityImprovement
from .recall import Recall
from .referral import Referral
from .registry import LEVER_CLASSES, LEVER_KINDS, register
from .review_response import ReviewResponse
from .seeding import Seeding
from .strategy import Strategy

__all__ = [
    "LEVER_CLASSES",
    "LEVER_KINDS",
    "Advertising",
    "AskForReviews",
    "BrandContent",
    "IncentivisedReviews",
    "Lever",
    "MarketingEffects",
    "PricePromotion",
    "QualityImprovement",
    "Recall",
    "Referral",
    "ReviewResponse",
    "Seeding",
    "Strategy",
    "register",
]
