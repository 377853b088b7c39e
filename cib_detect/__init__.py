"""cib_detect: find coordinated inauthentic behaviour and undisclosed government coordination.

Public names are re-exported here explicitly.
"""

from cib_detect import compat, datasets, errors, normalize
from cib_detect.detection import Detection
from cib_detect.evaluation import Evaluation, evaluate
from cib_detect.io import read_accounts, read_posts, scan_posts
from cib_detect.io.validate import validate_accounts, validate_posts
from cib_detect.pipeline import detect
from cib_detect.traces import co_action_edges, co_action_evidence

__version__ = "0.1.0"

__all__ = [
    "Detection",
    "Evaluation",
    "__version__",
    "co_action_edges",
    "co_action_evidence",
    "compat",
    "datasets",
    "detect",
    "errors",
    "evaluate",
    "normalize",
    "read_accounts",
    "read_posts",
    "scan_posts",
    "validate_accounts",
    "validate_posts",
]
