"""Texts of input checks that every form shares: missing, too long, too many, twice, email address."""

from __future__ import annotations

from domain.base import Language

FI, SV, EN = Language.FI, Language.SV, Language.EN

TEXTS: dict[str, dict[Language, str]] = {
    "input.required": {
        FI: "Pakollinen tieto puuttuu.",
        SV: "Uppgiften är obligatorisk.",
        EN: "This field is required.",
    },
    "input.too_long": {
        FI: "Arvossa voi olla enintään {max} merkkiä.",
        SV: "Värdet får ha högst {max} tecken.",
        EN: "The value can have at most {max} characters.",
    },
    "input.too_many": {
        FI: "Tietoja voi olla enintään {max}.",
        SV: "Högst {max} uppgifter.",
        EN: "At most {max} entries.",
    },
    "input.duplicate": {
        FI: "Sama tieto on annettu kahdesti.",
        SV: "Samma uppgift anges två gånger.",
        EN: "The same value is given twice.",
    },
    "input.invalid_email": {
        FI: "Sähköpostiosoite ei kelpaa.",
        SV: "E-postadressen är inte giltig.",
        EN: "The email address is not valid.",
    },
}
