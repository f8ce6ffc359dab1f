"""The account emails, in Finnish, Swedish and English (by ``User.language``).

Each function returns ``(subject, text)``; links are also listed separately by the
caller in the outbox row (``links``), so that ``/dev/outbox`` can show them.
"""

from __future__ import annotations

from domain.base import Language
from domain.texts import SIGNATURE, pick


def _in(language: Language, variants: dict[Language, str]) -> str:
    return pick(variants, language)


def password_reset(language: Language, *, username: str, link: str, days: int) -> tuple[str, str]:
    """The email with a link for choosing a new password."""
    subject = _in(
        language,
        {
            Language.FI: "Salasanan vaihtaminen",
            Language.SV: "Byte av lösenord",
            Language.EN: "Reset your password",
        },
    )
    body = _in(
        language,
        {
            Language.FI: (
                "Hei,\n\n"
                f"verkkopalvelumme käyttäjätunnukselle {username} on pyydetty uutta salasanaa. "
                "Voit valita uuden salasanan tästä linkistä:\n\n"
                f"{link}\n\n"
                f"Linkki toimii yhden kerran ja on voimassa {days} päivää. Jos pyydät uutta linkkiä, "
                "tämä lakkaa toimimasta.\n\n"
                "Jos et itse pyytänyt salasanan vaihtamista, voit jättää tämän viestin huomiotta: "
                "salasanasi pysyy ennallaan."
            ),
            Language.SV: (
                "Hej,\n\n"
                f"ett nytt lösenord har begärts för användarnamnet {username} i vår e-tjänst. "
                "Du kan välja ett nytt lösenord via den här länken:\n\n"
                f"{link}\n\n"
                f"Länken fungerar en gång och gäller i {days} dagar. Om du begär en ny länk slutar "
                "den här att fungera.\n\n"
                "Om du inte själv har begärt ett nytt lösenord kan du låta bli att göra något: "
                "ditt lösenord förblir oförändrat."
            ),
            Language.EN: (
                "Hello,\n\n"
                f"a new password was requested for the username {username} in our Online service. "
                "You can choose a new password with this link:\n\n"
                f"{link}\n\n"
                f"The link works once and is valid for {days} days. If you ask for a new link, "
                "this one stops working.\n\n"
                "If you did not ask for a new password, you can ignore this email: "
                "your password stays as it is."
            ),
        },
    )
    return subject, f"{body}\n\n{_in(language, SIGNATURE)}\n"


def username_reminder(language: Language, *, usernames: list[str], link: str) -> tuple[str, str]:
    """The email telling the username(s) registered with an address."""
    names = "\n".join(f"  {name}" for name in usernames)
    subject = _in(
        language,
        {
            Language.FI: "Käyttäjätunnuksesi",
            Language.SV: "Ditt användarnamn",
            Language.EN: "Your username",
        },
    )
    body = _in(
        language,
        {
            Language.FI: (
                "Hei,\n\n"
                "pyysit muistutusta verkkopalvelumme käyttäjätunnuksesta. "
                "Tähän sähköpostiosoitteeseen liitetyt käyttäjätunnukset:\n\n"
                f"{names}\n\n"
                f"Kirjaudu sisään: {link}\n\n"
                "Jos et itse pyytänyt muistutusta, voit jättää tämän viestin huomiotta."
            ),
            Language.SV: (
                "Hej,\n\n"
                "du bad om en påminnelse om ditt användarnamn i vår e-tjänst. "
                "Användarnamn som är kopplade till den här e-postadressen:\n\n"
                f"{names}\n\n"
                f"Logga in: {link}\n\n"
                "Om du inte själv bad om påminnelsen kan du låta bli att göra något."
            ),
            Language.EN: (
                "Hello,\n\n"
                "you asked for a reminder of your username in our Online service. "
                "The usernames registered with this email address:\n\n"
                f"{names}\n\n"
                f"Sign in: {link}\n\n"
                "If you did not ask for this reminder, you can ignore this email."
            ),
        },
    )
    return subject, f"{body}\n\n{_in(language, SIGNATURE)}\n"


def password_changed(language: Language, *, username: str, by_reset: bool) -> tuple[str, str]:
    """The notice that the account's password was changed (by the user or by a reset link)."""
    subject = _in(
        language,
        {
            Language.FI: "Salasanasi on vaihdettu",
            Language.SV: "Ditt lösenord har bytts",
            Language.EN: "Your password was changed",
        },
    )
    if by_reset:
        how = _in(
            language,
            {
                Language.FI: "salasanan vaihtolinkillä",
                Language.SV: "med en länk för lösenordsbyte",
                Language.EN: "with a password reset link",
            },
        )
    else:
        how = _in(
            language,
            {
                Language.FI: "verkkopalvelun Omat tiedot -sivulla",
                Language.SV: "på sidan Mina uppgifter i e-tjänsten",
                Language.EN: "on the My information page",
            },
        )
    body = _in(
        language,
        {
            Language.FI: (
                "Hei,\n\n"
                f"käyttäjätunnuksesi {username} salasana vaihdettiin juuri {how}. "
                "Kaikki muut kirjautumiset on samalla päätetty.\n\n"
                "Jos et itse vaihtanut salasanaa, pyydä heti uusi salasana verkkopalvelun "
                "kirjautumissivulta ja ota yhteyttä asiakaspalveluumme."
            ),
            Language.SV: (
                "Hej,\n\n"
                f"lösenordet för ditt användarnamn {username} byttes just {how}. "
                "Alla andra inloggningar har samtidigt avslutats.\n\n"
                "Om det inte var du som bytte lösenordet, begär genast ett nytt lösenord på "
                "e-tjänstens inloggningssida och kontakta vår kundtjänst."
            ),
            Language.EN: (
                "Hello,\n\n"
                f"the password of your username {username} was just changed {how}. "
                "Every other sign-in was ended at the same time.\n\n"
                "If you did not change it, ask for a new password on the Online service's "
                "sign-in page straight away and contact our customer service."
            ),
        },
    )
    return subject, f"{body}\n\n{_in(language, SIGNATURE)}\n"


def username_changed(language: Language, *, old: str, new: str) -> tuple[str, str]:
    """The notice that the account's username was changed."""
    subject = _in(
        language,
        {
            Language.FI: "Käyttäjätunnuksesi on vaihdettu",
            Language.SV: "Ditt användarnamn har bytts",
            Language.EN: "Your username was changed",
        },
    )
    body = _in(
        language,
        {
            Language.FI: (
                "Hei,\n\n"
                f"verkkopalvelumme käyttäjätunnuksesi vaihdettiin: {old} → {new}. "
                "Kirjaudu jatkossa uudella tunnuksella.\n\n"
                "Jos et itse vaihtanut tunnusta, ota yhteyttä asiakaspalveluumme."
            ),
            Language.SV: (
                "Hej,\n\n"
                f"ditt användarnamn i vår e-tjänst byttes: {old} → {new}. "
                "Logga in med det nya användarnamnet i fortsättningen.\n\n"
                "Om det inte var du som bytte det, kontakta vår kundtjänst."
            ),
            Language.EN: (
                "Hello,\n\n"
                f"your username in our Online service was changed: {old} → {new}. "
                "From now on, sign in with the new username.\n\n"
                "If you did not change it, contact our customer service."
            ),
        },
    )
    return subject, f"{body}\n\n{_in(language, SIGNATURE)}\n"
