"""Storage: one engine per process, the portable geometry column, the ORM models, migrations.

Nothing here imports `layers`, `modules` or `app`; dependencies point downwards only.
"""
