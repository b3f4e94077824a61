"""Marketing levers the brand pulls, and strategies that combine them."""

from .levers import (
    Advertising,
    BrandContent,
    Lever,
    PricePromotion,
    QualityImprovement,
    Referral,
    ReviewResponse,
    Seeding,
    Strategy,
)

__all__ = [
    "Advertising",
    "BrandContent",
    "Lever",
    "PricePromotion",
    "QualityImprovement",
    "Referral",
    "ReviewResponse",
    "Seeding",
    "Strategy",
]
