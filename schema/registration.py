"""Registration after strong identification: completeRegistration and confirmEmail."""


class RegistrationMutations:
    """Filled by the registration work of issue 3."""
