"""Texts of the service's own GraphQL errors (``extensions.code`` beside them)."""

from __future__ import annotations

from domain.base import Language

FI, SV, EN = Language.FI, Language.SV, Language.EN

TEXTS: dict[str, dict[Language, str]] = {
    "errors.unauthenticated": {
        FI: "Kirjaudu sisään nähdäksesi tämän.",
        SV: "Logga in för att se det här.",
        EN: "Sign in to see this.",
    },
    "errors.forbidden": {
        FI: "Sinulla ei ole oikeutta tähän.",
        SV: "Du har ingen behörighet till det här.",
        EN: "You have no access to this.",
    },
    "errors.staff_only": {
        FI: "Vain asiakaspalvelu voi tehdä tämän.",
        SV: "Endast kundtjänsten kan göra det här.",
        EN: "Only customer service can do this.",
    },
    "errors.not_found": {FI: "Ei löydy.", SV: "Hittades inte.", EN: "Not found."},
    "errors.too_many_subscriptions": {
        FI: "Sinulla on jo {limit} avointa tilausta; sulje jokin niistä ennen uutta.",
        SV: "Du har redan {limit} öppna prenumerationer; stäng någon av dem före en ny.",
        EN: "You already have {limit} open subscriptions; close one of them before opening another.",
    },
    "errors.service_unavailable": {
        FI: "Palvelu ei ole juuri nyt käytettävissä; yritä hetken kuluttua uudelleen.",
        SV: "Tjänsten är tillfälligt otillgänglig; försök igen om en stund.",
        EN: "The service is temporarily unavailable; try again shortly.",
    },
    "errors.internal": {
        FI: "Palvelussa tapahtui virhe.",
        SV: "Ett fel inträffade i tjänsten.",
        EN: "Internal server error.",
    },
    "errors.bad_cursor": {
        FI: "`after` ei ole kelvollinen kohdistin.",
        SV: "`after` är inte en giltig markör.",
        EN: "`after` is not a valid cursor.",
    },
    "errors.negative_first": {
        FI: "`first` ei voi olla negatiivinen.",
        SV: "`first` får inte vara negativt.",
        EN: "`first` must not be negative.",
    },
    "errors.to_before_from": {
        FI: "`to` ei voi olla ennen `from`-päivää.",
        SV: "`to` får inte vara före `from`.",
        EN: "`to` must not be before `from`.",
    },
    "errors.attachments_not_files": {
        FI: "`attachments` on annettava GraphQL-multipart-pyynnön tiedostoina.",
        SV: "`attachments` ska vara filer i en GraphQL-multipart-begäran.",
        EN: "`attachments` must be files of a GraphQL multipart request.",
    },
}
