"""The query layer: what the store knows, as plain functions over a SQLAlchemy session that
return frozen dataclasses. One place for each query; the operations console's pages and the
CLI views both call it. Every query takes a `Scope` (ebt/queries/scope.py), so a supplier's
user only ever reads its own rows.
"""
