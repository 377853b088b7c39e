"""Compatibility modes that reproduce the peer tools exactly, on cib_detect's kernels.

- :mod:`cib_detect.compat.cnt`: the coordination-network-toolkit's directed networks.
- :mod:`cib_detect.compat.coortweet`: CooRTweet's ``detect_groups`` and
  ``generate_coordinated_network``.
"""

from cib_detect.compat import cnt, coortweet

__all__ = ["cnt", "coortweet"]
