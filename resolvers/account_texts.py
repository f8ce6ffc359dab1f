"""Messages of the sign-in throttling and the account mutations, in Finnish, Swedish, English."""

from __future__ import annotations

from auth.passwords import MAX_LENGTH, MIN_LENGTH
from domain.base import Language
from resolvers.texts import pick

ACCOUNT_TEXTS: dict[str, dict[Language, str]] = {
    "RATE_LIMITED": {
        Language.FI: "Liian monta yritystä. Yritä uudelleen {seconds} sekunnin kuluttua.",
        Language.SV: "För många försök. Försök igen om {seconds} sekunder.",
        Language.EN: "Too many attempts. Try again in {seconds} seconds.",
    },
    "NOT_SIGNED_IN": {
        Language.FI: "Kirjaudu ensin sisään.",
        Language.SV: "Logga in först.",
        Language.EN: "Sign in first.",
    },
    "PASSWORD_TOO_SHORT": {
        Language.FI: "Salasanassa on oltava vähintään {min} merkkiä.",
        Language.SV: "Lösenordet måste ha minst {min} tecken.",
        Language.EN: "The password must have at least {min} characters.",
    },
    "PASSWORD_TOO_LONG": {
        Language.FI: "Salasanassa voi olla enintään {max} merkkiä.",
        Language.SV: "Lösenordet får ha högst {max} tecken.",
        Language.EN: "The password can have at most {max} characters.",
    },
    "PASSWORD_TOO_COMMON": {
        Language.FI: "Salasana on yleisesti käytetty tai paljastunut tietomurrossa. Valitse toinen salasana.",
        Language.SV: "Lösenordet är vanligt förekommande eller har läckt i ett dataintrång. Välj ett annat.",
        Language.EN: "This password is commonly used or has appeared in a data breach. Choose another one.",
    },
    "PASSWORD_SAME_AS_USERNAME_OR_EMAIL": {
        Language.FI: "Salasana ei voi olla sama kuin käyttäjätunnus tai sähköpostiosoite.",
        Language.SV: "Lösenordet får inte vara samma som användarnamnet eller e-postadressen.",
        Language.EN: "The password cannot be the same as the username or email address.",
    },
    "WRONG_PASSWORD": {
        Language.FI: "Salasana on väärin.",
        Language.SV: "Lösenordet är fel.",
        Language.EN: "The password is wrong.",
    },
    "INVALID_TOKEN": {
        Language.FI: "Linkki ei ole voimassa. Se on jo käytetty tai sen tilalle on pyydetty uusi.",
        Language.SV: "Länken är inte giltig. Den har redan använts eller så har en ny begärts.",
        Language.EN: "The link is not valid. It was already used or a newer one was requested.",
    },
    "EXPIRED_TOKEN": {
        Language.FI: "Linkki on vanhentunut. Pyydä uusi linkki.",
        Language.SV: "Länken har gått ut. Begär en ny länk.",
        Language.EN: "The link has expired. Ask for a new one.",
    },
    "INVALID_USERNAME": {
        Language.FI: "Käyttäjätunnuksessa on oltava 3–64 merkkiä: kirjaimia, numeroita tai merkkejä . _ -",
        Language.SV: "Användarnamnet ska ha 3–64 tecken: bokstäver, siffror eller tecknen . _ -",
        Language.EN: "The username must have 3–64 characters: letters, digits or . _ -",
    },
    "USERNAME_TAKEN": {
        Language.FI: "Käyttäjätunnus on jo käytössä.",
        Language.SV: "Användarnamnet är redan upptaget.",
        Language.EN: "This username is already taken.",
    },
    "INVALID_EMAIL": {
        Language.FI: "Sähköpostiosoite ei kelpaa.",
        Language.SV: "E-postadressen är ogiltig.",
        Language.EN: "The email address is not valid.",
    },
}


def account_message(code: str, language: Language, **values: object) -> str:
    """The message for ``code`` (a ``UserErrorCode`` name) in ``language``."""
    return pick(ACCOUNT_TEXTS[code], language).format(min=MIN_LENGTH, max=MAX_LENGTH, **values)
