"""Messages shown to people, in Finnish, Swedish and English (``Accept-Language``)."""

from __future__ import annotations

from domain.base import Language
from domain.texts import pick

TEXTS: dict[str, dict[Language, str]] = {
    "invalid_credentials": {
        Language.FI: "Käyttäjätunnus tai salasana on väärin.",
        Language.SV: "Fel användarnamn eller lösenord.",
        Language.EN: "Wrong username or password.",
    },
    "required": {
        Language.FI: "Pakollinen tieto puuttuu.",
        Language.SV: "Uppgiften är obligatorisk.",
        Language.EN: "This field is required.",
    },
    "too_long": {
        Language.FI: "Arvo on liian pitkä.",
        Language.SV: "Värdet är för långt.",
        Language.EN: "The value is too long.",
    },
}


def text(key: str, language: Language) -> str:
    """The shared message ``key`` in ``language`` (Finnish when no translation exists)."""
    return pick(TEXTS[key], language)


def language_from_header(header: str | None) -> Language:
    """The first supported language of an ``Accept-Language`` header; Finnish by default."""
    if not header:
        return Language.FI
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, index, tag.strip().lower()[:2]))
    for _q, _i, tag in sorted(ranked):
        if tag in {"fi", "sv", "en"}:
            return Language(tag.upper())
    return Language.FI
