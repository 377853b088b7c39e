"""Behavioural traces: what accounts share, and the co-action networks built from it."""

from cib_detect.traces.co_action import co_action_edges, co_action_evidence
from cib_detect.traces.keys import KEY_TRACES

__all__ = ["KEY_TRACES", "co_action_edges", "co_action_evidence"]
