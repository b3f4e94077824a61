"""Marketing levers the brand pulls (one module each, registered in ``registry``), and strategies."""

from .advertising import Advertising
from .base import Lever, MarketingEffects
from .content import BrandContent
from .price_promotion import PricePromotion
from .quality import QualityImprovement
from .referral import Referral
from .registry import LEVER_CLASSES, LEVER_KINDS, register
from .review_response import ReviewResponse
from .seeding import Seeding
from .strategy import Strategy

__all__ = [
    "LEVER_CLASSES",
    "LEVER_KINDS",
    "Advertising",
    "BrandContent",
    "Lever",
    "MarketingEffects",
    "PricePromotion",
    "QualityImprovement",
    "Referral",
    "ReviewResponse",
    "Seeding",
    "Strategy",
    "register",
]
