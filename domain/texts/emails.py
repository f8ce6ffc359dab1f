"""Subjects and bodies of every email the service sends, as ``str.format`` templates.

``email.<name>.subject`` and ``email.<name>.body`` belong together (``domain.texts.email_texts``
fills both); ``{signature}`` is ``email.signature``. Whether a body ends in a newline
after the signature is part of the template: the emails keep their bytes.
"""

from __future__ import annotations

from domain.base import Language

FI, SV, EN = Language.FI, Language.SV, Language.EN

TEXTS: dict[str, dict[Language, str]] = {
    #: The closing line of every email.
    "email.signature": {
        FI: "Ystävällisin terveisin\nEnergia Oy:n asiakaspalvelu",
        SV: "Med vänliga hälsningar\nEnergia Oy:s kundtjänst",
        EN: "Kind regards\nEnergia Oy customer service",
    },
    # -- account recovery and changes (auth.recovery) --------------------------------
    "email.password_reset.subject": {
        FI: "Salasanan vaihtaminen",
        SV: "Byte av lösenord",
        EN: "Reset your password",
    },
    "email.password_reset.body": {
        FI: "Hei,\n\n"
        "verkkopalvelumme käyttäjätunnukselle {username} on pyydetty uutta salasanaa. "
        "Voit valita uuden salasanan tästä linkistä:\n\n"
        "{link}\n\n"
        "Linkki toimii yhden kerran ja on voimassa {days} päivää. Jos pyydät uutta linkkiä, "
        "tämä lakkaa toimimasta.\n\n"
        "Jos et itse pyytänyt salasanan vaihtamista, voit jättää tämän viestin huomiotta: "
        "salasanasi pysyy ennallaan.\n\n{signature}\n",
        SV: "Hej,\n\n"
        "ett nytt lösenord har begärts för användarnamnet {username} i vår e-tjänst. "
        "Du kan välja ett nytt lösenord via den här länken:\n\n"
        "{link}\n\n"
        "Länken fungerar en gång och gäller i {days} dagar. Om du begär en ny länk slutar "
        "den här att fungera.\n\n"
        "Om du inte själv har begärt ett nytt lösenord kan du låta bli att göra något: "
        "ditt lösenord förblir oförändrat.\n\n{signature}\n",
        EN: "Hello,\n\n"
        "a new password was requested for the username {username} in our Online service. "
        "You can choose a new password with this link:\n\n"
        "{link}\n\n"
        "The link works once and is valid for {days} days. If you ask for a new link, "
        "this one stops working.\n\n"
        "If you did not ask for a new password, you can ignore this email: "
        "your password stays as it is.\n\n{signature}\n",
    },
    "email.username_reminder.subject": {
        FI: "Käyttäjätunnuksesi",
        SV: "Ditt användarnamn",
        EN: "Your username",
    },
    #: ``{usernames}``: one username a line, each indented by two spaces.
    "email.username_reminder.body": {
        FI: "Hei,\n\n"
        "pyysit muistutusta verkkopalvelumme käyttäjätunnuksesta. "
        "Tähän sähköpostiosoitteeseen liitetyt käyttäjätunnukset:\n\n"
        "{usernames}\n\n"
        "Kirjaudu sisään: {link}\n\n"
        "Jos et itse pyytänyt muistutusta, voit jättää tämän viestin huomiotta.\n\n{signature}\n",
        SV: "Hej,\n\n"
        "du bad om en påminnelse om ditt användarnamn i vår e-tjänst. "
        "Användarnamn som är kopplade till den här e-postadressen:\n\n"
        "{usernames}\n\n"
        "Logga in: {link}\n\n"
        "Om du inte själv bad om påminnelsen kan du låta bli att göra något.\n\n{signature}\n",
        EN: "Hello,\n\n"
        "you asked for a reminder of your username in our Online service. "
        "The usernames registered with this email address:\n\n"
        "{usernames}\n\n"
        "Sign in: {link}\n\n"
        "If you did not ask for this reminder, you can ignore this email.\n\n{signature}\n",
    },
    "email.password_changed.subject": {
        FI: "Salasanasi on vaihdettu",
        SV: "Ditt lösenord har bytts",
        EN: "Your password was changed",
    },
    #: ``{how}``: ``email.password_changed.by_reset`` or ``email.password_changed.by_user``.
    "email.password_changed.body": {
        FI: "Hei,\n\n"
        "käyttäjätunnuksesi {username} salasana vaihdettiin juuri {how}. "
        "Kaikki muut kirjautumiset on samalla päätetty.\n\n"
        "Jos et itse vaihtanut salasanaa, pyydä heti uusi salasana verkkopalvelun "
        "kirjautumissivulta ja ota yhteyttä asiakaspalveluumme.\n\n{signature}\n",
        SV: "Hej,\n\n"
        "lösenordet för ditt användarnamn {username} byttes just {how}. "
        "Alla andra inloggningar har samtidigt avslutats.\n\n"
        "Om det inte var du som bytte lösenordet, begär genast ett nytt lösenord på "
        "e-tjänstens inloggningssida och kontakta vår kundtjänst.\n\n{signature}\n",
        EN: "Hello,\n\n"
        "the password of your username {username} was just changed {how}. "
        "Every other sign-in was ended at the same time.\n\n"
        "If you did not change it, ask for a new password on the Online service's "
        "sign-in page straight away and contact our customer service.\n\n{signature}\n",
    },
    "email.password_changed.by_reset": {
        FI: "salasanan vaihtolinkillä",
        SV: "med en länk för lösenordsbyte",
        EN: "with a password reset link",
    },
    "email.password_changed.by_user": {
        FI: "verkkopalvelun Omat tiedot -sivulla",
        SV: "på sidan Mina uppgifter i e-tjänsten",
        EN: "on the My information page",
    },
    "email.username_changed.subject": {
        FI: "Käyttäjätunnuksesi on vaihdettu",
        SV: "Ditt användarnamn har bytts",
        EN: "Your username was changed",
    },
    "email.username_changed.body": {
        FI: "Hei,\n\n"
        "verkkopalvelumme käyttäjätunnuksesi vaihdettiin: {old} → {new}. "
        "Kirjaudu jatkossa uudella tunnuksella.\n\n"
        "Jos et itse vaihtanut tunnusta, ota yhteyttä asiakaspalveluumme.\n\n{signature}\n",
        SV: "Hej,\n\n"
        "ditt användarnamn i vår e-tjänst byttes: {old} → {new}. "
        "Logga in med det nya användarnamnet i fortsättningen.\n\n"
        "Om det inte var du som bytte det, kontakta vår kundtjänst.\n\n{signature}\n",
        EN: "Hello,\n\n"
        "your username in our Online service was changed: {old} → {new}. "
        "From now on, sign in with the new username.\n\n"
        "If you did not change it, contact our customer service.\n\n{signature}\n",
    },
    # -- registration (resolvers.registration) ---------------------------------------
    "email.registration_confirmation.subject": {
        FI: "Vahvista sähköpostiosoitteesi",
        SV: "Bekräfta din e-postadress",
        EN: "Confirm your email address",
    },
    "email.registration_confirmation.body": {
        FI: "Hei,\n\nkiitos rekisteröitymisestä verkkopalveluumme. Käyttäjätunnuksesi on {username}.\n\n"
        "Vahvista sähköpostiosoitteesi tästä linkistä:\n\n{link}\n\n"
        "Linkki on voimassa {days} päivää. Jos et rekisteröitynyt, voit jättää tämän viestin "
        "huomiotta.\n\n{signature}",
        SV: "Hej,\n\ntack för att du registrerade dig i vår e-tjänst. Ditt användarnamn är {username}.\n\n"
        "Bekräfta din e-postadress med den här länken:\n\n{link}\n\n"
        "Länken är giltig i {days} dagar. Om du inte har registrerat dig kan du ignorera "
        "det här meddelandet.\n\n{signature}",
        EN: "Hello,\n\nthank you for registering for our online service. Your username is {username}.\n\n"
        "Please confirm your email address with this link:\n\n{link}\n\n"
        "The link works for {days} days. If you did not register, you can ignore this "
        "message.\n\n{signature}",
    },
    # -- My information: a new contact email address (resolvers.contact) -------------
    "email.contact_confirmation.subject": {
        FI: "Vahvista sähköpostiosoitteesi",
        SV: "Bekräfta din e-postadress",
        EN: "Confirm your email address",
    },
    "email.contact_confirmation.body": {
        FI: "Hei,\n\ntämä osoite lisättiin yhteystiedoksi Energia Oy:n Online-palvelussa. "
        "Vahvista osoite tästä linkistä:\n\n{link}\n\nLinkki on voimassa {days} päivää. "
        "Jos et itse lisännyt osoitetta, voit jättää tämän viestin huomiotta.\n\n{signature}\n",
        SV: "Hej,\n\nden här adressen lades till som kontaktuppgift i Energia Oy:s Onlinetjänst. "
        "Bekräfta adressen via länken:\n\n{link}\n\nLänken gäller i {days} dagar. "
        "Om du inte själv lade till adressen kan du låta bli att göra något.\n\n{signature}\n",
        EN: "Hello,\n\nthis address was added as contact information in the Energia Oy Online "
        "service. Confirm the address with this link:\n\n{link}\n\nThe link is valid for {days} "
        "days. If you did not add the address, you can ignore this email.\n\n{signature}\n",
    },
    # -- the newsletter (resolvers.newsletter) ---------------------------------------
    "email.newsletter_confirmation.subject": {
        FI: "Vahvista uutiskirjeen tilaus",
        SV: "Bekräfta prenumerationen på nyhetsbrevet",
        EN: "Confirm your newsletter subscription",
    },
    "email.newsletter_confirmation.body": {
        FI: "Hei,\n\ntälle osoitteelle on tilattu Energia Oy:n uutiskirje. Vahvista tilaus tästä "
        "linkistä:\n\n{link}\n\nLinkki on voimassa {days} päivää. Jos et itse tilannut "
        "uutiskirjettä, älä tee mitään: osoitetta ei lisätä listalle.\n\n{signature}",
        SV: "Hej,\n\nEnergia Oy:s nyhetsbrev har beställts till den här adressen. Bekräfta "
        "prenumerationen via länken:\n\n{link}\n\nLänken gäller i {days} dagar. Om du inte "
        "själv beställde nyhetsbrevet behöver du inte göra något: adressen läggs inte till.\n\n{signature}",
        EN: "Hello,\n\nthe Energia Oy newsletter was ordered for this address. Confirm the "
        "subscription with this link:\n\n{link}\n\nThe link is valid for {days} days. If you "
        "did not order it, do nothing: the address is not added to the list.\n\n{signature}",
    },
    "email.newsletter_already_subscribed.subject": {
        FI: "Olet jo uutiskirjeen tilaaja",
        SV: "Du prenumererar redan på nyhetsbrevet",
        EN: "You already receive the newsletter",
    },
    "email.newsletter_already_subscribed.body": {
        FI: "Hei,\n\ntälle osoitteelle pyydettiin uutiskirjettä, mutta osoite on jo listalla. "
        "Sinun ei tarvitse tehdä mitään.\n\n{signature}",
        SV: "Hej,\n\nnyhetsbrevet begärdes till den här adressen, men adressen finns redan på "
        "listan. Du behöver inte göra något.\n\n{signature}",
        EN: "Hello,\n\nthe newsletter was requested for this address, but it is already on "
        "the list. You do not need to do anything.\n\n{signature}",
    },
    "email.newsletter_welcome.subject": {
        FI: "Tervetuloa uutiskirjeen tilaajaksi",
        SV: "Välkommen som prenumerant på nyhetsbrevet",
        EN: "Welcome to the newsletter",
    },
    "email.newsletter_welcome.body": {
        FI: "Hei,\n\nkiitos tilauksesta! Saat jatkossa Energia Oy:n uutiskirjeen tähän osoitteeseen."
        "\n\n{signature}",
        SV: "Hej,\n\ntack för din prenumeration! Du får Energia Oy:s nyhetsbrev till den här adressen."
        "\n\n{signature}",
        EN: "Hello,\n\nthank you for subscribing! You will receive the Energia Oy newsletter here."
        "\n\n{signature}",
    },
    #: The label of the unsubscribe link every newsletter email carries.
    "email.newsletter.unsubscribe": {
        FI: "Peru uutiskirjeen tilaus",
        SV: "Avsluta prenumerationen på nyhetsbrevet",
        EN: "Unsubscribe from the newsletter",
    },
}
