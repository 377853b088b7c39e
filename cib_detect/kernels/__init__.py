"""Numba kernels: C-contiguous fixed-dtype numpy arrays in, numpy arrays out.

Modules here import only numpy, numba and ``cib_detect._config``; import the kernels from
their module (``from cib_detect.kernels.account_pairs import account_pair_stats``).
"""
