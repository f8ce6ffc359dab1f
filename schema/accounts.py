"""Account recovery and changes: password reset, username reminder, password and username change."""


class AccountMutations:
    """Filled by the accounts work of issue 3."""
