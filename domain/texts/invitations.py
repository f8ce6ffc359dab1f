"""Texts of invitations and of access given: the emails, the section names they list, errors."""

from __future__ import annotations

from domain.base import Language

FI, SV, EN = Language.FI, Language.SV, Language.EN

TEXTS: dict[str, dict[Language, str]] = {
    # -- the sections by name, as listed in emails ------------------------------------
    "section.contracts": {FI: "Sopimukset", SV: "Avtal", EN: "Contracts"},
    "section.invoices": {FI: "Laskut", SV: "Fakturor", EN: "Invoices"},
    "section.reporting": {FI: "Kulutus", SV: "Förbrukning", EN: "Consumption"},
    "section.messages": {FI: "Viestit", SV: "Meddelanden", EN: "Messages"},
    "section.my_information": {FI: "Omat tiedot", SV: "Egna uppgifter", EN: "My information"},
    "access.level.read": {FI: "katselu", SV: "läsa", EN: "view"},
    "access.level.read_write": {FI: "katselu ja muutokset", SV: "läsa och ändra", EN: "view and change"},
    # -- errors -----------------------------------------------------------------------
    "invitation.invalid": {
        FI: "Kutsulinkki ei ole voimassa. Se on jo käytetty tai sen tilalle on lähetetty uusi.",
        SV: "Inbjudningslänken är inte giltig. Den har redan använts eller så har en ny skickats.",
        EN: "The invitation link is not valid. It was already used or a newer one was sent.",
    },
    "invitation.expired": {
        FI: "Kutsulinkki on vanhentunut. Pyydä kutsujaa lähettämään uusi kutsu.",
        SV: "Inbjudningslänken har gått ut. Be den som bjöd in dig att skicka en ny inbjudan.",
        EN: "The invitation link has expired. Ask the person who invited you to send a new one.",
    },
    # -- emails -----------------------------------------------------------------------
    "email.invitation.subject": {
        FI: "{owner} antoi sinulle käyttöoikeuden Energia Oy:n verkkopalveluun",
        SV: "{owner} har gett dig behörighet till Energia Oy:s e-tjänst",
        EN: "{owner} gave you access to Energia Oy's Online service",
    },
    #: ``{sections}``: one section a line, each indented by two spaces.
    "email.invitation.body": {
        FI: "Hei,\n\n"
        "{owner} antoi sinulle käyttöoikeuden asiakkuuden {customer} tietoihin Energia Oy:n "
        "verkkopalvelussa:\n\n{sections}\n\n"
        "Ota käyttöoikeus käyttöön tästä linkistä. Jos sinulla ei vielä ole käyttäjätunnusta, "
        "voit luoda sen tunnistautumalla pankkitunnuksilla:\n\n"
        "{link}\n\n"
        "Linkki toimii yhden kerran ja on voimassa {days} päivää.\n\n"
        "Jos et tunne lähettäjää, voit jättää tämän viestin huomiotta.\n\n{signature}\n",
        SV: "Hej,\n\n"
        "{owner} har gett dig behörighet till kundförhållandet {customer} i Energia Oy:s e-tjänst:\n\n"
        "{sections}\n\n"
        "Ta behörigheten i bruk via den här länken. Om du inte ännu har ett användarnamn kan du "
        "skapa ett genom att identifiera dig med bankkoder:\n\n"
        "{link}\n\n"
        "Länken fungerar en gång och gäller i {days} dagar.\n\n"
        "Om du inte känner avsändaren kan du låta bli att göra något.\n\n{signature}\n",
        EN: "Hello,\n\n"
        "{owner} gave you access to the customer {customer} in Energia Oy's Online service:\n\n"
        "{sections}\n\n"
        "Start using the access with this link. If you do not have a username yet, you can "
        "create one by identifying yourself with your online banking codes:\n\n"
        "{link}\n\n"
        "The link works once and is valid for {days} days.\n\n"
        "If you do not know the sender, you can ignore this email.\n\n{signature}\n",
    },
    "email.access_given.subject": {
        FI: "{owner} antoi sinulle käyttöoikeuden",
        SV: "{owner} har gett dig behörighet",
        EN: "{owner} gave you access",
    },
    "email.access_given.body": {
        FI: "Hei,\n\n"
        "{owner} antoi sinulle käyttöoikeuden asiakkuuden {customer} tietoihin Energia Oy:n "
        "verkkopalvelussa:\n\n{sections}\n\n"
        "Näet tiedot, kun kirjaudut palveluun: {link}\n\n{signature}\n",
        SV: "Hej,\n\n"
        "{owner} har gett dig behörighet till kundförhållandet {customer} i Energia Oy:s e-tjänst:\n\n"
        "{sections}\n\n"
        "Du ser uppgifterna när du loggar in: {link}\n\n{signature}\n",
        EN: "Hello,\n\n"
        "{owner} gave you access to the customer {customer} in Energia Oy's Online service:\n\n"
        "{sections}\n\n"
        "You see it when you sign in: {link}\n\n{signature}\n",
    },
    "email.housing_manager_attached.subject": {
        FI: "Asiakkuutesi liitettiin isännöitsijälle",
        SV: "Ditt kundförhållande kopplades till en disponent",
        EN: "Your customer account was attached to a housing manager",
    },
    "email.housing_manager_attached.body": {
        FI: "Hei,\n\n"
        "asiakaspalvelumme liitti asiakkuuden {customer} isännöitsijälle {manager}, joka näkee ja voi "
        "hoitaa näitä tietoja verkkopalvelussa:\n\n{sections}\n\n"
        "Näet kaikki asiakkuutesi käyttöoikeudet ja niiden käytön verkkopalvelussa: {link}\n"
        "Jos liittäminen ei ole oikein, ota yhteyttä asiakaspalveluumme.\n\n{signature}\n",
        SV: "Hej,\n\n"
        "vår kundtjänst kopplade kundförhållandet {customer} till disponenten {manager}, som ser och "
        "kan sköta de här uppgifterna i e-tjänsten:\n\n{sections}\n\n"
        "Du ser alla behörigheter till ditt kundförhållande och hur de används i e-tjänsten: {link}\n"
        "Om kopplingen inte stämmer, kontakta vår kundtjänst.\n\n{signature}\n",
        EN: "Hello,\n\n"
        "our customer service attached the customer {customer} to the housing manager {manager}, who "
        "sees and can manage this in the Online service:\n\n{sections}\n\n"
        "You see every access to your customer account, and its use, in the Online service: {link}\n"
        "If this is not right, please contact our customer service.\n\n{signature}\n",
    },
}
