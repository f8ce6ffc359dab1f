"""Texts of personal API tokens: creating them, and what a program cannot do."""

from __future__ import annotations

from domain.base import Language

FI, SV, EN = Language.FI, Language.SV, Language.EN

TEXTS: dict[str, dict[Language, str]] = {
    "api_token.name_required": {
        FI: "Anna avaimelle nimi.",
        SV: "Ge nyckeln ett namn.",
        EN: "Give the token a name.",
    },
    "api_token.name_too_long": {
        FI: "Nimessä voi olla enintään {max} merkkiä.",
        SV: "Namnet får ha högst {max} tecken.",
        EN: "The name can have at most {max} characters.",
    },
    "api_token.read_only": {
        FI: "Ohjelman avaimella voi vain lukea tietoja: valitse jokaiselle osiolle lukuoikeus.",
        SV: "Med ett programs nyckel kan man bara läsa uppgifter: välj läsbehörighet för varje avsnitt.",
        EN: "A program's token can only read: choose READ for every section.",
    },
    "api_token.unknown_location": {
        FI: "Käyttöpaikkaa ei löydy tältä asiakkaalta.",
        SV: "Förbrukningsplatsen hittades inte hos den här kunden.",
        EN: "The customer has no such location of use.",
    },
    "api_token.too_many": {
        FI: "Asiakkaalla voi olla käytössä enintään {max} avainta. Peru ensin jokin vanha.",
        SV: "Kunden kan ha högst {max} nycklar i bruk. Återkalla först någon gammal.",
        EN: "A customer can have at most {max} tokens in use. Revoke an old one first.",
    },
    "api_token.writes_refused": {
        FI: "Ohjelman avaimella voi vain lukea tietoja; muutokset tehdään kirjautuneena.",
        SV: "Med ett programs nyckel kan man bara läsa uppgifter; ändringar görs inloggad.",
        EN: "A program's API token can only read; changes are made signed in.",
    },
}
