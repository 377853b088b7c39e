"""Use a detection in networkx (graph analysis) and scikit-learn (a supervised model).

Run from the repository root: ``python examples/networkx_sklearn.py``.
"""

import networkx as nx
import polars as pl
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import classification_report
from sklearn.model_selection import cross_val_predict

import cib_detect as cd

data = cd.datasets.synthetic(50_000, seed=0)
result = cd.detect(data.posts, data.accounts)

# -- networkx: the coordination graph, with scores on nodes and statistics on edges --------
graph = result.to_networkx()
print(f"graph: {graph.number_of_nodes():,} accounts, {graph.number_of_edges():,} edges")
significant = nx.Graph(
    (u, v, d) for u, v, d in graph.edges(data=True) if d.get("q_value", 1.0) <= 0.05
)
centrality = nx.pagerank(significant, weight="weight")
top = sorted(centrality, key=centrality.get, reverse=True)[:5]
for account in top:
    node = graph.nodes[account]
    print(f"  {account}: pagerank {centrality[account]:.4f}, cluster {node['cluster_id']}, "
          f"score {node.get('score', 0):.2f}")  # fmt: skip
components = sorted(nx.connected_components(significant), key=len, reverse=True)
print(f"  {len(components)} connected parts; largest {len(components[0])} accounts")

# -- scikit-learn: account scores as features, the planted truth as labels -----------------
features = [
    c
    for c, t in result.account_scores.schema.items()
    if c not in ("account_id", "cluster_id") and (t.is_numeric() or t == pl.Boolean)
]
table = (
    data.truth.select("account_id", (pl.col("role") == "hidden_state").alias("hidden"))
    .join(result.account_scores, on="account_id", how="left")
    .with_columns(pl.col(features).cast(pl.Float64).fill_nan(0.0).fill_null(0.0))
)
X = table.select(features).to_numpy()
y = table.get_column("hidden").to_numpy()
model = RandomForestClassifier(n_estimators=200, random_state=0, class_weight="balanced")
predicted = cross_val_predict(model, X, y, cv=5)
print(f"\nfeatures: {', '.join(features)}")
print(classification_report(y, predicted, target_names=["other", "hidden_state"], digits=3))
