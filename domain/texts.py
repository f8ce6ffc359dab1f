"""Texts in Finnish, Swedish and English shared by every layer that writes to people."""

from __future__ import annotations

from domain.base import Language


def pick(variants: dict[Language, str], language: Language) -> str:
    """``variants`` in ``language``, Finnish when no translation exists."""
    return variants.get(language) or variants[Language.FI]


#: The closing line of every email the service sends.
SIGNATURE = {
    Language.FI: "Ystävällisin terveisin\nEnergia Oy:n asiakaspalvelu",
    Language.SV: "Med vänliga hälsningar\nEnergia Oy:s kundtjänst",
    Language.EN: "Kind regards\nEnergia Oy customer service",
}
