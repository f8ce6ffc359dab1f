"""Texts of messages and attachments, My information (contact details), the newsletter and bulletins."""

from __future__ import annotations

from domain.base import Language

FI, SV, EN = Language.FI, Language.SV, Language.EN

TEXTS: dict[str, dict[Language, str]] = {
    # -- messages --------------------------------------------------------------------
    "messaging.no_thread": {
        FI: "Keskustelua ei löydy.",
        SV: "Konversationen finns inte.",
        EN: "No such conversation.",
    },
    "messaging.thread_closed": {
        FI: "Keskustelu on suljettu. Aloita uusi keskustelu.",
        SV: "Konversationen är stängd. Starta en ny konversation.",
        EN: "The conversation is closed. Start a new one.",
    },
    "messaging.new_thread_fields": {
        FI: "Uudella keskustelulla on oltava aihe ja aiheluokka.",
        SV: "En ny konversation behöver ett ämne och en kategori.",
        EN: "A new conversation needs a subject and a category.",
    },
    "messaging.customer_service": {
        FI: "Asiakaspalvelu",
        SV: "Kundtjänst",
        EN: "Customer service",
    },
    # -- attachments -----------------------------------------------------------------
    "attachment.too_many": {
        FI: "Viestissä voi olla enintään {max} liitettä.",
        SV: "Ett meddelande kan ha högst {max} bilagor.",
        EN: "A message can have at most {max} attachments.",
    },
    "attachment.too_large": {
        FI: "Liite on liian suuri: enintään {mb} Mt.",
        SV: "Bilagan är för stor: högst {mb} MB.",
        EN: "The attachment is too large: at most {mb} MB.",
    },
    "attachment.empty": {
        FI: "Liitetiedosto on tyhjä.",
        SV: "Bilagan är tom.",
        EN: "The attachment is empty.",
    },
    "attachment.unsupported_type": {
        FI: "Tiedostotyyppiä ei hyväksytä. Sallitut: PDF, PNG, JPEG, HEIC, TXT, DOCX ja XLSX.",
        SV: "Filtypen godkänns inte. Tillåtna: PDF, PNG, JPEG, HEIC, TXT, DOCX och XLSX.",
        EN: "This file type is not accepted. Allowed: PDF, PNG, JPEG, HEIC, TXT, DOCX and XLSX.",
    },
    # -- My information: contact details ---------------------------------------------
    "contact.invalid_phone": {
        FI: "Puhelinnumero ei kelpaa.",
        SV: "Telefonnumret är ogiltigt.",
        EN: "The phone number is not valid.",
    },
    "contact.one_primary_phone": {
        FI: "Valitse täsmälleen yksi ensisijainen puhelinnumero.",
        SV: "Välj exakt ett primärt telefonnummer.",
        EN: "Choose exactly one primary phone number.",
    },
    "contact.one_primary_email": {
        FI: "Valitse täsmälleen yksi ensisijainen sähköpostiosoite.",
        SV: "Välj exakt en primär e-postadress.",
        EN: "Choose exactly one primary email address.",
    },
    "contact.email_required": {
        FI: "Anna vähintään yksi sähköpostiosoite.",
        SV: "Ange minst en e-postadress.",
        EN: "Give at least one email address.",
    },
    "contact.keep_verified_primary": {
        FI: "Uusi osoite tulee ensisijaiseksi, kun se on vahvistettu. "
        "Pidä nykyinen ensisijainen osoite siihen asti.",
        SV: "Den nya adressen blir primär när den har bekräftats. "
        "Behåll den nuvarande primära adressen tills dess.",
        EN: "The new address becomes primary once it is confirmed. "
        "Keep the current primary address until then.",
    },
    "contact.invalid_postal_code": {
        FI: "Postinumerossa on oltava viisi numeroa.",
        SV: "Postnumret ska ha fem siffror.",
        EN: "The postal code must have five digits.",
    },
    # -- confirmation links of contact addresses and of the newsletter ---------------
    "confirmation.link_invalid": {
        FI: "Linkki ei ole voimassa. Se on jo käytetty tai sen tilalle on lähetetty uusi.",
        SV: "Länken är inte giltig. Den har redan använts eller så har en ny skickats.",
        EN: "The link is not valid. It was already used or a newer one was sent.",
    },
    "confirmation.link_expired": {
        FI: "Linkki on vanhentunut.",
        SV: "Länken har gått ut.",
        EN: "The link has expired.",
    },
    # -- bulletins -------------------------------------------------------------------
    "bulletin.window_order": {
        FI: "Näkyvyyden päättymisen on oltava julkaisun jälkeen.",
        SV: "Synligheten måste upphöra efter publiceringen.",
        EN: "The bulletin must stay visible until after it is published.",
    },
    "bulletin.translation_pair": {
        FI: "Anna käännökselle sekä otsikko että teksti.",
        SV: "Ange både rubrik och text för översättningen.",
        EN: "Give both a title and a text for the translation.",
    },
}
