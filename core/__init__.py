"""The bottom layer: low-level parts every app shares (request types, access and roles,
sending Celery tasks after commit, capped pagination, bulk inserts, HTML builders).

It imports no app of this project; `make check` holds that (import-linter).
"""
