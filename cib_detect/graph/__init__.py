"""Account-pair graphs: significance, fusion, backbone extraction and networkx interop."""

from cib_detect.graph.backbone import BACKBONE_METHODS, backbone, disparity_alpha
from cib_detect.graph.interop import edges_to_networkx

__all__ = ["BACKBONE_METHODS", "backbone", "disparity_alpha", "edges_to_networkx"]
