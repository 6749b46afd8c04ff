"""The read side: SELECT -> frames and view objects.

Each query takes an open SQLAlchemy `Session` (the calling service opens it and checks
access first) and, where rows belong to a caseload, a `scope`: a boolean clause on
`Couple` from `core.services.access.caseload_scope`. Queries import models and pure
domain modules only, never `core.services`.
"""
