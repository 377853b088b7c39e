"""Cluster and account scores: coordination, government link, disclosure."""
