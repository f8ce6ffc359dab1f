"""Texts of access grants and of attaching customers to a housing manager's user."""

from __future__ import annotations

from domain.base import Language

FI, SV, EN = Language.FI, Language.SV, Language.EN

TEXTS: dict[str, dict[Language, str]] = {
    "access.self_grant": {
        FI: "Et voi antaa käyttöoikeutta itsellesi.",
        SV: "Du kan inte ge dig själv behörighet.",
        EN: "You cannot grant access to yourself.",
    },
    "access.no_sections": {
        FI: "Valitse vähintään yksi osio.",
        SV: "Välj minst ett avsnitt.",
        EN: "Choose at least one section.",
    },
    "access.duplicate_section": {
        FI: "Sama osio on annettu kahdesti.",
        SV: "Samma avsnitt anges två gånger.",
        EN: "The same section is given twice.",
    },
    "access.no_user": {
        FI: "Käyttäjätunnusta ei löydy.",
        SV: "Användarnamnet finns inte.",
        EN: "No user has that username.",
    },
    "access.staff_user": {
        FI: "Asiakaspalvelun tunnukselle ei voi liittää asiakkaita.",
        SV: "Kunder kan inte kopplas till kundtjänstens konto.",
        EN: "Customers cannot be attached to a customer-service account.",
    },
    "access.no_customer": {
        FI: "Asiakasnumeroa ei löydy.",
        SV: "Kundnumret finns inte.",
        EN: "No customer has that customer number.",
    },
    "access.valid_until_past": {
        FI: "Viimeinen käyttöpäivä ei voi olla menneisyydessä.",
        SV: "Den sista dagen kan inte ligga i det förflutna.",
        EN: "The last day of access cannot be in the past.",
    },
    "access.grant_revoked": {
        FI: "Peruttua käyttöoikeutta ei voi muuttaa. Anna käyttöoikeus uudelleen.",
        SV: "En återkallad behörighet kan inte ändras. Ge behörigheten på nytt.",
        EN: "A revoked grant cannot be changed. Grant access again.",
    },
}
