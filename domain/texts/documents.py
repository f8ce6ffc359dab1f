"""Texts of the PDF documents: the invoice, the credit note and the contract confirmation.

Words of enum values (delivery methods, price kinds, units) are chosen at runtime and
marked with ``N_`` where they are tabled (``domain.documents``).
"""

from __future__ import annotations

from domain.base import Language

FI, SV, EN = Language.FI, Language.SV, Language.EN

TEXTS: dict[str, dict[Language, str]] = {
    # -- common to every document -----------------------------------------------------------
    "document.label.customer_number": {FI: "Asiakasnumero", SV: "Kundnummer", EN: "Customer number"},
    "document.label.location": {FI: "Käyttöpaikka", SV: "Användningsställe", EN: "Location of use"},
    "document.label.metering_point": {
        FI: "Käyttöpaikkatunnus",
        SV: "Användningsställets nummer",
        EN: "Metering point ID",
    },
    "document.label.product": {FI: "Tuote", SV: "Produkt", EN: "Product"},
    "document.label.contract": {FI: "Sopimus", SV: "Avtal", EN: "Contract"},
    "document.label.period": {FI: "Laskutuskausi", SV: "Faktureringsperiod", EN: "Billing period"},
    "document.footer.seller": {
        FI: "{seller} · {address} · Y-tunnus {business_id} · ALV-tunniste {vat_number}",
        SV: "{seller} · {address} · FO-nummer {business_id} · Momsregistreringsnummer {vat_number}",
        EN: "{seller} · {address} · Business ID {business_id} · VAT number {vat_number}",
    },
    "document.footer.contact": {
        FI: "Asiakaspalvelu {phone} · {email}",
        SV: "Kundtjänst {phone} · {email}",
        EN: "Customer service {phone} · {email}",
    },
    "document.range": {FI: "{start}–{end}", SV: "{start}–{end}", EN: "{start} – {end}"},
    # -- the invoice --------------------------------------------------------------------------
    "document.invoice.title": {FI: "LASKU", SV: "FAKTURA", EN: "INVOICE"},
    "document.invoice.pdf_title": {FI: "Lasku {number}", SV: "Faktura {number}", EN: "Invoice {number}"},
    "document.invoice.filename": {
        FI: "lasku-{number}.pdf",
        SV: "faktura-{number}.pdf",
        EN: "invoice-{number}.pdf",
    },
    "document.invoice.number": {FI: "Laskun numero", SV: "Fakturanummer", EN: "Invoice number"},
    "document.invoice.issued_on": {FI: "Laskun päivä", SV: "Fakturadatum", EN: "Invoice date"},
    "document.invoice.due_on": {FI: "Eräpäivä", SV: "Förfallodag", EN: "Due date"},
    "document.invoice.mark.paid": {FI: "MAKSETTU", SV: "BETALD", EN: "PAID"},
    "document.invoice.mark.credited": {FI: "HYVITETTY", SV: "KREDITERAD", EN: "CREDITED"},
    "document.invoice.paid_note": {
        FI: "Lasku on maksettu kokonaan. Kiitos! Alla lasku sellaisena kuin se lähetettiin.",
        SV: "Fakturan är betald i sin helhet. Tack! Nedan fakturan sådan den skickades.",
        EN: "This invoice has been paid in full. Thank you! Below, the invoice as it was sent.",
    },
    "document.invoice.credited_note": {
        FI: "Lasku on hyvitetty hyvityslaskulla {credit_note} ({issued_on}). Älä maksa tätä laskua.",
        SV: "Fakturan har krediterats med kreditnota {credit_note} ({issued_on}). Betala inte denna faktura.",
        EN: "This invoice has been credited by credit note {credit_note} ({issued_on}). Do not pay it.",
    },
    "document.consumption.title": {FI: "Kulutus", SV: "Förbrukning", EN: "Consumption"},
    "document.consumption.period": {
        FI: "Kulutusjakso {period}: {kwh} kWh",
        SV: "Förbrukningsperiod {period}: {kwh} kWh",
        EN: "Consumption period {period}: {kwh} kWh",
    },
    "document.consumption.last_year": {
        FI: "Sama jakso vuotta aiemmin {period}: {kwh} kWh",
        SV: "Samma period ett år tidigare {period}: {kwh} kWh",
        EN: "Same period a year earlier {period}: {kwh} kWh",
    },
    "document.consumption.no_last_year": {
        FI: "Vuotta aiemmalta samalta jaksolta ei ole kulutustietoja.",
        SV: "Det finns inga förbrukningsuppgifter för samma period ett år tidigare.",
        EN: "There is no consumption data for the same period a year earlier.",
    },
    "document.lines.description": {FI: "Erittely", SV: "Specifikation", EN: "Description"},
    "document.lines.quantity": {FI: "Määrä", SV: "Mängd", EN: "Quantity"},
    "document.lines.unit": {FI: "Yks.", SV: "Enh.", EN: "Unit"},
    "document.lines.unit_price": {FI: "à-hinta", SV: "À-pris", EN: "Unit price"},
    "document.lines.vat_rate": {FI: "ALV %", SV: "Moms %", EN: "VAT %"},
    "document.lines.excl_vat": {FI: "Veroton", SV: "Exkl. moms", EN: "Excl. VAT"},
    "document.lines.incl_vat": {FI: "Verollinen", SV: "Inkl. moms", EN: "Incl. VAT"},
    "document.vat.title": {FI: "Arvonlisävero", SV: "Mervärdesskatt", EN: "Value added tax"},
    "document.vat.row": {
        FI: "ALV {rate} %: veroton {base} EUR, vero {vat} EUR",
        SV: "Moms {rate} %: exkl. moms {base} EUR, moms {vat} EUR",
        EN: "VAT {rate} %: excl. VAT {base} EUR, VAT {vat} EUR",
    },
    "document.total": {FI: "Yhteensä (EUR)", SV: "Totalt (EUR)", EN: "Total (EUR)"},
    "document.total.vat": {
        FI: "josta arvonlisävero (EUR)",
        SV: "varav mervärdesskatt (EUR)",
        EN: "of which VAT (EUR)",
    },
    "document.total.due": {FI: "Maksettava (EUR)", SV: "Att betala (EUR)", EN: "To pay (EUR)"},
    "document.payment.title": {FI: "Maksutiedot", SV: "Betalningsuppgifter", EN: "Payment details"},
    "document.payment.payee": {FI: "Saaja", SV: "Mottagare", EN: "Payee"},
    "document.payment.iban": {
        FI: "Saajan tilinumero (IBAN)",
        SV: "Mottagarens kontonummer (IBAN)",
        EN: "Payee's account (IBAN)",
    },
    "document.payment.bic": {FI: "BIC", SV: "BIC", EN: "BIC"},
    "document.payment.reference": {FI: "Viitenumero", SV: "Referensnummer", EN: "Reference number"},
    "document.payment.amount": {FI: "Euro", SV: "Euro", EN: "Amount (EUR)"},
    "document.payment.late_interest": {
        FI: "Eräpäivän jälkeen maksetulle summalle peritään viivästyskorkoa {rate} % vuodessa.",
        SV: "På belopp som betalas efter förfallodagen debiteras dröjsmålsränta {rate} % per år.",
        EN: "Late payments are charged interest at {rate} % a year from the due date.",
    },
    # -- the credit note ----------------------------------------------------------------------
    "document.credit_note.title": {FI: "HYVITYSLASKU", SV: "KREDITNOTA", EN: "CREDIT NOTE"},
    "document.credit_note.pdf_title": {
        FI: "Hyvityslasku {number}",
        SV: "Kreditnota {number}",
        EN: "Credit note {number}",
    },
    "document.credit_note.filename": {
        FI: "hyvityslasku-{number}.pdf",
        SV: "kreditnota-{number}.pdf",
        EN: "credit-note-{number}.pdf",
    },
    "document.credit_note.number": {
        FI: "Hyvityslaskun numero",
        SV: "Kreditnotans nummer",
        EN: "Credit note number",
    },
    "document.credit_note.issued_on": {FI: "Päiväys", SV: "Datum", EN: "Date"},
    "document.credit_note.original": {
        FI: "Hyvitettävä lasku",
        SV: "Krediterad faktura",
        EN: "Invoice credited",
    },
    "document.credit_note.refers": {
        FI: "Tämä hyvityslasku hyvittää laskun {invoice} ({issued_on}) kokonaan.",
        SV: "Denna kreditnota krediterar fakturan {invoice} ({issued_on}) i sin helhet.",
        EN: "This credit note credits invoice {invoice} ({issued_on}) in full.",
    },
    "document.credit_note.settlement": {
        FI: "Hyvitettyä laskua ei tarvitse maksaa. Jos olet jo maksanut sen, palautamme maksun.",
        SV: "Den krediterade fakturan behöver inte betalas. "
        "Har du redan betalat den, återbetalar vi beloppet.",
        EN: "The credited invoice need not be paid. If you have already paid it, we will refund the payment.",
    },
    # -- the contract confirmation ------------------------------------------------------------
    "document.contract.title": {FI: "SOPIMUSVAHVISTUS", SV: "AVTALSBEKRÄFTELSE", EN: "CONTRACT CONFIRMATION"},
    "document.contract.pdf_title": {
        FI: "Sopimusvahvistus {number}",
        SV: "Avtalsbekräftelse {number}",
        EN: "Contract confirmation {number}",
    },
    "document.contract.filename": {
        FI: "sopimusvahvistus-{number}.pdf",
        SV: "avtalsbekraftelse-{number}.pdf",
        EN: "contract-confirmation-{number}.pdf",
    },
    "document.contract.intro": {
        FI: "Kiitos sopimuksestasi. Vahvistamme seuraavan sähkönmyyntisopimuksen.",
        SV: "Tack för ditt avtal. Vi bekräftar följande elförsäljningsavtal.",
        EN: "Thank you for your contract. We confirm the following electricity supply contract.",
    },
    "document.contract.parties": {FI: "Sopijapuolet", SV: "Avtalsparter", EN: "Parties"},
    "document.contract.seller": {FI: "Myyjä", SV: "Säljare", EN: "Seller"},
    "document.contract.customer": {FI: "Asiakas", SV: "Kund", EN: "Customer"},
    "document.contract.number": {FI: "Sopimusnumero", SV: "Avtalsnummer", EN: "Contract number"},
    "document.contract.signed_on": {FI: "Sopimus tehty", SV: "Avtalet ingått", EN: "Contract made on"},
    "document.contract.validity": {FI: "Voimassa", SV: "Giltighet", EN: "Valid"},
    "document.contract.valid_from": {
        FI: "{start} alkaen toistaiseksi",
        SV: "från {start} tills vidare",
        EN: "from {start} until further notice",
    },
    "document.contract.invoicing": {FI: "Laskutus", SV: "Fakturering", EN: "Invoicing"},
    "document.contract.invoicing.monthly": {
        FI: "{method}, kuukausittain",
        SV: "{method}, månadsvis",
        EN: "{method}, monthly",
    },
    "document.contract.invoicing.months": {
        FI: "{method}, {months} kuukauden välein",
        SV: "{method}, var {months}:e månad",
        EN: "{method}, every {months} months",
    },
    "document.contract.prices": {FI: "Hinnat", SV: "Priser", EN: "Prices"},
    "document.contract.price": {FI: "Hinta", SV: "Pris", EN: "Price"},
    "document.contract.price_valid": {FI: "Voimassa", SV: "Giltigt", EN: "Valid"},
    "document.contract.until_further_notice": {
        FI: "toistaiseksi",
        SV: "tills vidare",
        EN: "until further notice",
    },
    "document.contract.prices_note.consumer": {
        FI: "Kuluttaja-asiakkaan hinnat sisältävät arvonlisäveron kunkin jakson verokannan mukaan.",
        SV: "Konsumentpriserna inkluderar mervärdesskatt enligt varje periods skattesats.",
        EN: "Consumer prices include VAT at the rate of each period.",
    },
    "document.contract.prices_note.business": {
        FI: "Hintoihin lisätään arvonlisävero kunkin jakson verokannan mukaan.",
        SV: "Till priserna läggs mervärdesskatt enligt varje periods skattesats.",
        EN: "VAT is added to the prices at the rate of each period.",
    },
    "document.contract.terms.title": {FI: "Sopimusehdot", SV: "Avtalsvillkor", EN: "Terms"},
    "document.contract.terms": {
        FI: "Sopimukseen sovelletaan myyjän sähkönmyyntiehtoja, versio {version}.",
        SV: "På avtalet tillämpas säljarens villkor för elförsäljning, version {version}.",
        EN: "The contract is governed by the seller's terms of electricity supply, version {version}.",
    },
    "document.contract.withdrawal.title": {
        FI: "Peruuttamisoikeus",
        SV: "Ångerrätt",
        EN: "Right of withdrawal",
    },
    "document.contract.withdrawal": {
        FI: "Kuluttajana voit peruuttaa etämyynnissä tai kotimyynnissä tehdyn sopimuksen 14 päivän "
        "kuluessa sen tekemisestä, viimeistään {last_day}, ilmoittamalla siitä asiakaspalveluumme.",
        SV: "Som konsument kan du frånträda ett avtal som ingåtts på distans eller vid hemförsäljning "
        "inom 14 dagar från att det ingicks, senast {last_day}, genom att meddela vår kundtjänst.",
        EN: "As a consumer you may withdraw from a contract made at a distance or off premises within "
        "14 days of making it, by {last_day} at the latest, by telling our customer service.",
    },
    "document.contract.contact.title": {FI: "Yhteystiedot", SV: "Kontaktuppgifter", EN: "Contact"},
    "document.contract.contact": {
        FI: "Asiakaspalvelu: puhelin {phone}, sähköposti {email}",
        SV: "Kundtjänst: telefon {phone}, e-post {email}",
        EN: "Customer service: phone {phone}, email {email}",
    },
    # -- words of enum values (``N_`` in ``domain.documents``) --------------------------------
    "document.delivery.E_INVOICE": {FI: "e-lasku", SV: "e-faktura", EN: "e-invoice"},
    "document.delivery.EMAIL": {FI: "sähköposti", SV: "e-post", EN: "email"},
    "document.delivery.PAPER": {FI: "paperilasku", SV: "pappersfaktura", EN: "paper invoice"},
    "document.price.BASIC_FEE": {FI: "Perusmaksu", SV: "Grundavgift", EN: "Basic fee"},
    "document.price.ENERGY": {FI: "Energia", SV: "Energi", EN: "Energy"},
    "document.price.ENERGY_DAY": {
        FI: "Päiväenergia (07–22)",
        SV: "Dagenergi (07–22)",
        EN: "Day-time energy (07–22)",
    },
    "document.price.ENERGY_NIGHT": {
        FI: "Yöenergia (22–07)",
        SV: "Nattenergi (22–07)",
        EN: "Night-time energy (22–07)",
    },
    "document.price.SPOT_MARGIN": {
        FI: "Marginaali pörssihinnan päälle",
        SV: "Marginal på börspriset",
        EN: "Margin on the spot price",
    },
    "document.unit.EUR_PER_MONTH": {FI: "EUR/kk", SV: "EUR/mån", EN: "EUR/month"},
    "document.unit.CENTS_PER_KWH": {FI: "c/kWh", SV: "c/kWh", EN: "c/kWh"},
}
