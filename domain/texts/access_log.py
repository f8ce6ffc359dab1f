"""Texts of the owner's access log: what a read or a change was, in words."""

from __future__ import annotations

from domain.base import Language

FI, SV, EN = Language.FI, Language.SV, Language.EN

TEXTS: dict[str, dict[Language, str]] = {
    "access_log.section.contracts": {
        FI: "sopimuksia",
        SV: "avtal",
        EN: "contracts",
    },
    "access_log.section.invoices": {
        FI: "laskuja",
        SV: "fakturor",
        EN: "invoices",
    },
    "access_log.section.reporting": {
        FI: "kulutusta",
        SV: "förbrukning",
        EN: "consumption",
    },
    "access_log.section.messages": {
        FI: "viestejä",
        SV: "meddelanden",
        EN: "messages",
    },
    "access_log.section.my_information": {
        FI: "omia tietoja",
        SV: "egna uppgifter",
        EN: "my information",
    },
    "access_log.read": {
        FI: "Katsoi {what}",
        SV: "Läste {what}",
        EN: "Read {what}",
    },
    "access_log.customer_service": {
        FI: "Asiakaspalvelu",
        SV: "Kundtjänst",
        EN: "Customer service",
    },
    "access_log.change.message_sent": {
        FI: "Lähetti viestin",
        SV: "Skickade ett meddelande",
        EN: "Sent a message",
    },
    "access_log.change.message_thread_marked_read": {
        FI: "Merkitsi keskustelun luetuksi",
        SV: "Markerade en konversation som läst",
        EN: "Marked a conversation as read",
    },
    "access_log.change.message_thread_replied": {
        FI: "Vastasi viestiin",
        SV: "Svarade på ett meddelande",
        EN: "Replied to a message",
    },
    "access_log.change.contact_information_updated": {
        FI: "Muutti yhteystietoja",
        SV: "Ändrade kontaktuppgifterna",
        EN: "Changed the contact information",
    },
    "access_log.change.contact_email_confirmed": {
        FI: "Vahvisti sähköpostiosoitteen",
        SV: "Bekräftade en e-postadress",
        EN: "Confirmed an email address",
    },
    "access_log.change.messaging_settings_updated": {
        FI: "Muutti viestintäasetuksia",
        SV: "Ändrade meddelandeinställningarna",
        EN: "Changed the messaging settings",
    },
    "access_log.change.access_grant_granted": {
        FI: "Antoi käyttöoikeuden: {email}",
        SV: "Gav behörighet: {email}",
        EN: "Gave access: {email}",
    },
    "access_log.change.access_grant_changed": {
        FI: "Muutti käyttöoikeutta: {email}",
        SV: "Ändrade behörighet: {email}",
        EN: "Changed access: {email}",
    },
    "access_log.change.access_grant_updated": {
        FI: "Muutti käyttöoikeutta: {email}",
        SV: "Ändrade behörighet: {email}",
        EN: "Changed access: {email}",
    },
    "access_log.api_token": {
        FI: "Ohjelma: {name}",
        SV: "Program: {name}",
        EN: "Program: {name}",
    },
    "access_log.change.api_token_created": {
        FI: "Loi ohjelma-avaimen: {name}",
        SV: "Skapade en programnyckel: {name}",
        EN: "Created an API token: {name}",
    },
    "access_log.change.api_token_revoked": {
        FI: "Perui ohjelma-avaimen: {name}",
        SV: "Återkallade en programnyckel: {name}",
        EN: "Revoked an API token: {name}",
    },
    "access_log.change.access_grant_accepted": {
        FI: "Otti vastaan käyttöoikeuden",
        SV: "Tog emot behörigheten",
        EN: "Accepted the access given",
    },
    "access_log.change.access_grant_revoked": {
        FI: "Perui käyttöoikeuden: {email}",
        SV: "Återkallade behörighet: {email}",
        EN: "Revoked access: {email}",
    },
    "access_log.change.housing_manager_attached": {
        FI: "Liitti asiakkuuden isännöitsijälle {username}",
        SV: "Kopplade kundförhållandet till disponenten {username}",
        EN: "Attached the customer to the housing manager {username}",
    },
    "access_log.change.housing_manager_detached": {
        FI: "Irrotti asiakkuuden isännöitsijältä {username}",
        SV: "Kopplade bort kundförhållandet från disponenten {username}",
        EN: "Detached the customer from the housing manager {username}",
    },
    "access_log.change.attachment_downloaded": {
        FI: "Latasi viestin liitteen",
        SV: "Laddade ner en bilaga",
        EN: "Downloaded a message attachment",
    },
}
