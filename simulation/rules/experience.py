"""Experience: what a buyer finds when it uses the product.

Equations (docs/MODEL.md, "Experience"):

    s_i ~ clip(Normal(quality, spread), -1, 1)
    o_i <- o_i + w_e (s_i - o_i)
"""

from __future__ import annotations

import numpy as np


def draw_satisfaction(normals: np.ndarray, quality: float, spread: float) -> np.ndarray:
    """Satisfaction of buyers from standard normal draws: clip(quality + spread z, -1, 1)."""
    return np.clip(quality + spread * normals, -1.0, 1.0)


def opinion_after_experience(opinion, satisfaction, experience_weight: float):
    """Experience dominates hearsay: the opinion closes `experience_weight` of the gap to satisfaction."""
    return opinion + experience_weight * (satisfaction - opinion)
