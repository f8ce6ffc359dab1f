"""The business: SQLModel tables and the rules that act on them, one module per area.

Plain Python over SQLModel / SQLAlchemy; no GraphQL or web framework is imported here.
"""
