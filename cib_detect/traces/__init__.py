"""Behavioural traces: their declarations (:mod:`.registry`), key functions (:mod:`.keys`),
similarity and profile traces (:mod:`.similarity`, :mod:`.temporal`) and the tables they
return (:mod:`.tables`)."""
