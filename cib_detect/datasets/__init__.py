"""Datasets: the synthetic generator with planted campaigns and bundled reference lists."""

from cib_detect.datasets.reference import state_media_domains
from cib_detect.datasets.synthetic import (
    COORDINATED_ROLES,
    DEFAULT_ROLE_SHARES,
    HIDDEN_VARIANTS,
    ROLES,
    SyntheticData,
    synthetic,
)

__all__ = [
    "COORDINATED_ROLES",
    "DEFAULT_ROLE_SHARES",
    "HIDDEN_VARIANTS",
    "ROLES",
    "SyntheticData",
    "state_media_domains",
    "synthetic",
]
