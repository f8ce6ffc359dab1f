"""Texts of signing in, passwords, account changes, mobile tokens and registration.

``{min}`` and ``{max}`` of the password texts are ``auth.passwords.MIN_LENGTH`` and
``MAX_LENGTH``, given by the caller (the domain does not import ``auth``).
"""

from __future__ import annotations

from domain.base import Language

FI, SV, EN = Language.FI, Language.SV, Language.EN

TEXTS: dict[str, dict[Language, str]] = {
    # -- signing in ------------------------------------------------------------------
    "account.invalid_credentials": {
        FI: "Käyttäjätunnus tai salasana on väärin.",
        SV: "Fel användarnamn eller lösenord.",
        EN: "Wrong username or password.",
    },
    "account.rate_limited": {
        FI: "Liian monta yritystä. Yritä uudelleen {seconds} sekunnin kuluttua.",
        SV: "För många försök. Försök igen om {seconds} sekunder.",
        EN: "Too many attempts. Try again in {seconds} seconds.",
    },
    "account.not_signed_in": {
        FI: "Kirjaudu ensin sisään.",
        SV: "Logga in först.",
        EN: "Sign in first.",
    },
    # -- passwords -------------------------------------------------------------------
    "account.password_too_short": {
        FI: "Salasanassa on oltava vähintään {min} merkkiä.",
        SV: "Lösenordet måste ha minst {min} tecken.",
        EN: "The password must have at least {min} characters.",
    },
    "account.password_too_long": {
        FI: "Salasanassa voi olla enintään {max} merkkiä.",
        SV: "Lösenordet får ha högst {max} tecken.",
        EN: "The password can have at most {max} characters.",
    },
    "account.password_too_common": {
        FI: "Salasana on yleisesti käytetty tai paljastunut tietomurrossa. Valitse toinen salasana.",
        SV: "Lösenordet är vanligt förekommande eller har läckt i ett dataintrång. Välj ett annat.",
        EN: "This password is commonly used or has appeared in a data breach. Choose another one.",
    },
    "account.password_same_as_username_or_email": {
        FI: "Salasana ei voi olla sama kuin käyttäjätunnus tai sähköpostiosoite.",
        SV: "Lösenordet får inte vara samma som användarnamnet eller e-postadressen.",
        EN: "The password cannot be the same as the username or email address.",
    },
    "account.password_not_accepted": {
        FI: "Salasana ei kelpaa.",
        SV: "Lösenordet godkänns inte.",
        EN: "The password is not accepted.",
    },
    "account.wrong_password": {
        FI: "Salasana on väärin.",
        SV: "Lösenordet är fel.",
        EN: "The password is wrong.",
    },
    # -- password reset links --------------------------------------------------------
    "account.invalid_token": {
        FI: "Linkki ei ole voimassa. Se on jo käytetty tai sen tilalle on pyydetty uusi.",
        SV: "Länken är inte giltig. Den har redan använts eller så har en ny begärts.",
        EN: "The link is not valid. It was already used or a newer one was requested.",
    },
    "account.expired_token": {
        FI: "Linkki on vanhentunut. Pyydä uusi linkki.",
        SV: "Länken har gått ut. Begär en ny länk.",
        EN: "The link has expired. Ask for a new one.",
    },
    # -- usernames -------------------------------------------------------------------
    "account.invalid_username": {
        FI: "Käyttäjätunnuksessa on oltava 3–64 merkkiä: kirjaimia, numeroita tai merkkejä . _ -",
        SV: "Användarnamnet ska ha 3–64 tecken: bokstäver, siffror eller tecknen . _ -",
        EN: "The username must have 3–64 characters: letters, digits or . _ -",
    },
    "account.username_taken": {
        FI: "Käyttäjätunnus on jo käytössä.",
        SV: "Användarnamnet är redan upptaget.",
        EN: "This username is already taken.",
    },
    # -- mobile tokens ---------------------------------------------------------------
    "token.one_grant": {
        FI: "Anna joko käyttäjätunnus ja salasana tai uusintatunniste.",
        SV: "Ange antingen användarnamn och lösenord eller en förnyelsetoken.",
        EN: "Give either a username and password or a refresh token.",
    },
    "token.invalid_refresh_token": {
        FI: "Tunniste ei ole voimassa. Kirjaudu uudelleen.",
        SV: "Token är inte giltig. Logga in igen.",
        EN: "The token is not valid. Sign in again.",
    },
    # -- registration after strong identification ------------------------------------
    "registration.identification_invalid": {
        FI: "Tunnistautuminen ei ole voimassa. Tunnistaudu uudelleen.",
        SV: "Identifieringen är inte giltig. Identifiera dig på nytt.",
        EN: "The identification is not valid. Please identify yourself again.",
    },
    "registration.identification_expired": {
        FI: "Tunnistautuminen on vanhentunut. Tunnistaudu uudelleen.",
        SV: "Identifieringen har gått ut. Identifiera dig på nytt.",
        EN: "The identification has expired. Please identify yourself again.",
    },
    "registration.terms_not_accepted": {
        FI: "Hyväksy käyttöehdot rekisteröityäksesi.",
        SV: "Godkänn användarvillkoren för att registrera dig.",
        EN: "Accept the terms of use to register.",
    },
    "registration.already_registered": {
        FI: "Sinulla on jo käyttäjätunnus. Kirjaudu sisään tai pyydä uusi salasana.",
        SV: "Du har redan ett användarkonto. Logga in eller begär ett nytt lösenord.",
        EN: "You already have an account. Sign in, or ask for a new password.",
    },
    "registration.no_customership": {
        FI: "Emme löytäneet tiedoillasi asiakkuutta.",
        SV: "Vi hittade inget kundförhållande med dina uppgifter.",
        EN: "We could not find a customer relationship with your details.",
    },
    "registration.confirmation_invalid": {
        FI: "Vahvistuslinkki ei ole voimassa tai sitä on jo käytetty.",
        SV: "Bekräftelselänken är inte giltig eller har redan använts.",
        EN: "The confirmation link is not valid or has already been used.",
    },
    "registration.confirmation_expired": {
        FI: "Vahvistuslinkki on vanhentunut.",
        SV: "Bekräftelselänken har gått ut.",
        EN: "The confirmation link has expired.",
    },
}
