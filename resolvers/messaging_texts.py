"""Texts of messages, my information, the newsletter and bulletins, in Finnish, Swedish, English."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from auth.quotas import MIB, Refusal
from domain.base import Language
from domain.texts import SIGNATURE, pick
from resolvers.auth import FieldError

if TYPE_CHECKING:
    from resolvers.context import Context

FI, SV, EN = Language.FI, Language.SV, Language.EN

TEXTS: dict[str, dict[Language, str]] = {
    "required": {
        FI: "Pakollinen tieto puuttuu.",
        SV: "Uppgiften är obligatorisk.",
        EN: "This field is required.",
    },
    "too_long": {
        FI: "Arvossa voi olla enintään {max} merkkiä.",
        SV: "Värdet får ha högst {max} tecken.",
        EN: "The value can have at most {max} characters.",
    },
    "no_thread": {
        FI: "Keskustelua ei löydy.",
        SV: "Konversationen finns inte.",
        EN: "No such conversation.",
    },
    "thread_closed": {
        FI: "Keskustelu on suljettu. Aloita uusi keskustelu.",
        SV: "Konversationen är stängd. Starta en ny konversation.",
        EN: "The conversation is closed. Start a new one.",
    },
    "new_thread_fields": {
        FI: "Uudella keskustelulla on oltava aihe ja aiheluokka.",
        SV: "En ny konversation behöver ett ämne och en kategori.",
        EN: "A new conversation needs a subject and a category.",
    },
    "too_many_attachments": {
        FI: "Viestissä voi olla enintään {max} liitettä.",
        SV: "Ett meddelande kan ha högst {max} bilagor.",
        EN: "A message can have at most {max} attachments.",
    },
    "attachment_too_large": {
        FI: "Liite on liian suuri: enintään {mb} Mt.",
        SV: "Bilagan är för stor: högst {mb} MB.",
        EN: "The attachment is too large: at most {mb} MB.",
    },
    "attachment_empty": {
        FI: "Liitetiedosto on tyhjä.",
        SV: "Bilagan är tom.",
        EN: "The attachment is empty.",
    },
    "unsupported_file_type": {
        FI: "Tiedostotyyppiä ei hyväksytä. Sallitut: PDF, PNG, JPEG, HEIC, TXT, DOCX ja XLSX.",
        SV: "Filtypen godkänns inte. Tillåtna: PDF, PNG, JPEG, HEIC, TXT, DOCX och XLSX.",
        EN: "This file type is not accepted. Allowed: PDF, PNG, JPEG, HEIC, TXT, DOCX and XLSX.",
    },
    "customer_service": {
        FI: "Asiakaspalvelu",
        SV: "Kundtjänst",
        EN: "Customer service",
    },
    "invalid_phone": {
        FI: "Puhelinnumero ei kelpaa.",
        SV: "Telefonnumret är ogiltigt.",
        EN: "The phone number is not valid.",
    },
    "invalid_email": {
        FI: "Sähköpostiosoite ei kelpaa.",
        SV: "E-postadressen är ogiltig.",
        EN: "The email address is not valid.",
    },
    "duplicate": {
        FI: "Sama tieto on annettu kahdesti.",
        SV: "Samma uppgift anges två gånger.",
        EN: "The same value is given twice.",
    },
    "one_primary_phone": {
        FI: "Valitse täsmälleen yksi ensisijainen puhelinnumero.",
        SV: "Välj exakt ett primärt telefonnummer.",
        EN: "Choose exactly one primary phone number.",
    },
    "one_primary_email": {
        FI: "Valitse täsmälleen yksi ensisijainen sähköpostiosoite.",
        SV: "Välj exakt en primär e-postadress.",
        EN: "Choose exactly one primary email address.",
    },
    "email_required": {
        FI: "Anna vähintään yksi sähköpostiosoite.",
        SV: "Ange minst en e-postadress.",
        EN: "Give at least one email address.",
    },
    "keep_verified_primary": {
        FI: "Uusi osoite tulee ensisijaiseksi, kun se on vahvistettu. "
        "Pidä nykyinen ensisijainen osoite siihen asti.",
        SV: "Den nya adressen blir primär när den har bekräftats. "
        "Behåll den nuvarande primära adressen tills dess.",
        EN: "The new address becomes primary once it is confirmed. "
        "Keep the current primary address until then.",
    },
    "too_many": {
        FI: "Tietoja voi olla enintään {max}.",
        SV: "Högst {max} uppgifter.",
        EN: "At most {max} entries.",
    },
    "invalid_postal_code": {
        FI: "Postinumerossa on oltava viisi numeroa.",
        SV: "Postnumret ska ha fem siffror.",
        EN: "The postal code must have five digits.",
    },
    "invalid_token": {
        FI: "Linkki ei ole voimassa. Se on jo käytetty tai sen tilalle on lähetetty uusi.",
        SV: "Länken är inte giltig. Den har redan använts eller så har en ny skickats.",
        EN: "The link is not valid. It was already used or a newer one was sent.",
    },
    "expired_token": {
        FI: "Linkki on vanhentunut.",
        SV: "Länken har gått ut.",
        EN: "The link has expired.",
    },
    "rate_limited": {
        FI: "Liian monta yritystä. Yritä uudelleen {seconds} sekunnin kuluttua.",
        SV: "För många försök. Försök igen om {seconds} sekunder.",
        EN: "Too many attempts. Try again in {seconds} seconds.",
    },
    "window_order": {
        FI: "Näkyvyyden päättymisen on oltava julkaisun jälkeen.",
        SV: "Synligheten måste upphöra efter publiceringen.",
        EN: "The bulletin must stay visible until after it is published.",
    },
    "translation_pair": {
        FI: "Anna käännökselle sekä otsikko että teksti.",
        SV: "Ange både rubrik och text för översättningen.",
        EN: "Give both a title and a text for the translation.",
    },
    "unsubscribe": {
        FI: "Peru uutiskirjeen tilaus",
        SV: "Avsluta prenumerationen på nyhetsbrevet",
        EN: "Unsubscribe from the newsletter",
    },
}


def message(key: str, language: Language, **values: Any) -> str:
    """The text ``key`` in ``language`` (Finnish when not translated), filled with ``values``."""
    return pick(TEXTS[key], language).format(**values)


def field_error(language: Language, path: list[str] | None, code: str, key: str, **values: Any) -> FieldError:
    """A ``UserError`` of ``code`` at ``path`` with the text ``key``."""
    return FieldError(path, code, message(key, language, **values))


#: Why a write quota (``auth.quotas``) refused a write, by the quota's name.
QUOTA_REASONS: dict[str, dict[Language, str]] = {
    "quota:messages:customer": {
        FI: "Asiakkaan puolesta voi lähettää enintään {limit} viestiä tunnissa.",
        SV: "Högst {limit} meddelanden i timmen kan skickas för en kund.",
        EN: "At most {limit} messages an hour can be sent for one customer.",
    },
    "quota:threads-hour:customer": {
        FI: "Uusia keskusteluja voi aloittaa enintään {limit} tunnissa. Voit jatkaa aiempaa keskustelua.",
        SV: "Högst {limit} nya konversationer i timmen kan startas. Du kan fortsätta i en tidigare.",
        EN: "At most {limit} new conversations an hour can be started. You can reply in an earlier one.",
    },
    "quota:threads-day:customer": {
        FI: "Uusia keskusteluja voi aloittaa enintään {limit} vuorokaudessa. "
        "Voit jatkaa aiempaa keskustelua.",
        SV: "Högst {limit} nya konversationer per dygn kan startas. Du kan fortsätta i en tidigare.",
        EN: "At most {limit} new conversations a day can be started. You can reply in an earlier one.",
    },
    "quota:attachment-bytes:customer": {
        FI: "Liitteitä voi lähettää enintään {mb} Mt vuorokaudessa.",
        SV: "Högst {mb} MB bilagor per dygn kan skickas.",
        EN: "At most {mb} MB of attachments a day can be sent.",
    },
    "quota:grants:owner": {
        FI: "Käyttöoikeuksia voi antaa tai muuttaa enintään {limit} kertaa vuorokaudessa.",
        SV: "Behörigheter kan ges eller ändras högst {limit} gånger per dygn.",
        EN: "Access can be granted or changed at most {limit} times a day.",
    },
    "quota:replies:staff": {
        FI: "Vastauksia voi lähettää enintään {limit} tunnissa.",
        SV: "Högst {limit} svar i timmen kan skickas.",
        EN: "At most {limit} replies an hour can be sent.",
    },
}
QUOTA_OTHER = {FI: "Liian monta yritystä.", SV: "För många försök.", EN: "Too many attempts."}
QUOTA_WAIT = {
    FI: "Yritä uudelleen {wait} kuluttua.",
    SV: "Försök igen om {wait}.",
    EN: "Try again in {wait}.",
}
#: Units after a number in the waiting sentence: (one, several).
WAIT_UNITS: dict[Language, dict[str, tuple[str, str]]] = {
    FI: {"h": ("tunnin", "tunnin"), "min": ("minuutin", "minuutin"), "s": ("sekunnin", "sekunnin")},
    SV: {"h": ("timme", "timmar"), "min": ("minut", "minuter"), "s": ("sekund", "sekunder")},
    EN: {"h": ("hour", "hours"), "min": ("minute", "minutes"), "s": ("second", "seconds")},
}
WAIT_AND = {FI: "ja", SV: "och", EN: "and"}


def wait_text(seconds: int, language: Language) -> str:
    """``seconds`` as people say it, rounded up: "40 seconds", "15 minutes", "3 hours and 5 minutes"."""
    units = WAIT_UNITS.get(language) or WAIT_UNITS[FI]

    def amount(n: int, unit: str) -> str:
        return f"{n} {units[unit][0] if n == 1 else units[unit][1]}"

    seconds = max(int(seconds), 1)
    if seconds < 60:
        return amount(seconds, "s")
    hours, minutes = divmod(math.ceil(seconds / 60), 60)
    if not hours:
        return amount(minutes, "min")
    if not minutes:
        return amount(hours, "h")
    return f"{amount(hours, 'h')} {pick(WAIT_AND, language)} {amount(minutes, 'min')}"


def _megabytes(size: int, language: Language) -> str:
    shown = str(size // MIB) if size % MIB == 0 else f"{size / MIB:.2f}".rstrip("0").rstrip(".")
    return shown if language is EN else shown.replace(".", ",")


def quota_message(language: Language, refusal: Refusal) -> str:
    """Which quota refused the write and how long to wait, in ``language``."""
    quota = refusal.quota
    reason = pick(QUOTA_REASONS.get(quota.name, QUOTA_OTHER), language).format(
        limit=quota.limit, mb=_megabytes(quota.limit, language)
    )
    wait = pick(QUOTA_WAIT, language).format(wait=wait_text(refusal.retry_after, language))
    return f"{reason} {wait}"


def quota_refused(ctx: Context, refusal: Refusal) -> FieldError:
    """The ``RATE_LIMITED`` UserError of a write quota, with a ``Retry-After`` header."""
    if ctx.response is not None:
        ctx.response.headers["Retry-After"] = str(refusal.retry_after)
    return FieldError(None, "RATE_LIMITED", quota_message(ctx.language, refusal))


def contact_email_confirmation(language: Language, *, link: str, days: int) -> tuple[str, str]:
    """The email asking to confirm a contact email address added on My information."""
    subject = pick(
        {
            FI: "Vahvista sähköpostiosoitteesi",
            SV: "Bekräfta din e-postadress",
            EN: "Confirm your email address",
        },
        language,
    )
    body = pick(
        {
            FI: "Hei,\n\ntämä osoite lisättiin yhteystiedoksi Energia Oy:n Online-palvelussa. "
            f"Vahvista osoite tästä linkistä:\n\n{link}\n\nLinkki on voimassa {days} päivää. "
            "Jos et itse lisännyt osoitetta, voit jättää tämän viestin huomiotta.",
            SV: "Hej,\n\nden här adressen lades till som kontaktuppgift i Energia Oy:s Onlinetjänst. "
            f"Bekräfta adressen via länken:\n\n{link}\n\nLänken gäller i {days} dagar. "
            "Om du inte själv lade till adressen kan du låta bli att göra något.",
            EN: "Hello,\n\nthis address was added as contact information in the Energia Oy Online "
            f"service. Confirm the address with this link:\n\n{link}\n\nThe link is valid for {days} "
            "days. If you did not add the address, you can ignore this email.",
        },
        language,
    )
    return subject, f"{body}\n\n{pick(SIGNATURE, language)}\n"


def newsletter_confirmation(language: Language, *, link: str, days: int) -> tuple[str, str]:
    """The double opt-in email of the newsletter."""
    subject = pick(
        {
            FI: "Vahvista uutiskirjeen tilaus",
            SV: "Bekräfta prenumerationen på nyhetsbrevet",
            EN: "Confirm your newsletter subscription",
        },
        language,
    )
    body = pick(
        {
            FI: "Hei,\n\ntälle osoitteelle on tilattu Energia Oy:n uutiskirje. Vahvista tilaus tästä "
            f"linkistä:\n\n{link}\n\nLinkki on voimassa {days} päivää. Jos et itse tilannut "
            "uutiskirjettä, älä tee mitään: osoitetta ei lisätä listalle.",
            SV: "Hej,\n\nEnergia Oy:s nyhetsbrev har beställts till den här adressen. Bekräfta "
            f"prenumerationen via länken:\n\n{link}\n\nLänken gäller i {days} dagar. Om du inte "
            "själv beställde nyhetsbrevet behöver du inte göra något: adressen läggs inte till.",
            EN: "Hello,\n\nthe Energia Oy newsletter was ordered for this address. Confirm the "
            f"subscription with this link:\n\n{link}\n\nThe link is valid for {days} days. If you "
            "did not order it, do nothing: the address is not added to the list.",
        },
        language,
    )
    return subject, f"{body}\n\n{pick(SIGNATURE, language)}"


def newsletter_already_subscribed(language: Language) -> tuple[str, str]:
    """The notice sent when an address already on the list is subscribed again."""
    subject = pick(
        {
            FI: "Olet jo uutiskirjeen tilaaja",
            SV: "Du prenumererar redan på nyhetsbrevet",
            EN: "You already receive the newsletter",
        },
        language,
    )
    body = pick(
        {
            FI: "Hei,\n\ntälle osoitteelle pyydettiin uutiskirjettä, mutta osoite on jo listalla. "
            "Sinun ei tarvitse tehdä mitään.",
            SV: "Hej,\n\nnyhetsbrevet begärdes till den här adressen, men adressen finns redan på "
            "listan. Du behöver inte göra något.",
            EN: "Hello,\n\nthe newsletter was requested for this address, but it is already on "
            "the list. You do not need to do anything.",
        },
        language,
    )
    return subject, f"{body}\n\n{pick(SIGNATURE, language)}"


def newsletter_welcome(language: Language) -> tuple[str, str]:
    """The first newsletter email, sent when the subscription is confirmed."""
    subject = pick(
        {
            FI: "Tervetuloa uutiskirjeen tilaajaksi",
            SV: "Välkommen som prenumerant på nyhetsbrevet",
            EN: "Welcome to the newsletter",
        },
        language,
    )
    body = pick(
        {
            FI: "Hei,\n\nkiitos tilauksesta! Saat jatkossa Energia Oy:n uutiskirjeen tähän osoitteeseen.",
            SV: "Hej,\n\ntack för din prenumeration! Du får Energia Oy:s nyhetsbrev till den här adressen.",
            EN: "Hello,\n\nthank you for subscribing! You will receive the Energia Oy newsletter here.",
        },
        language,
    )
    return subject, f"{body}\n\n{pick(SIGNATURE, language)}"
