"""Mobile tokens: obtainToken and revokeRefreshToken."""


class TokenMutations:
    """Filled by the mobile-token work of issue 3."""
