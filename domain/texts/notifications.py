"""Texts of the notifications to a customer's contacts: emails and text messages."""

from __future__ import annotations

from domain.base import Language

FI, SV, EN = Language.FI, Language.SV, Language.EN

TEXTS: dict[str, dict[Language, str]] = {
    "notification.reply.subject": {
        FI: "Vastaus viestiisi: {subject}",
        SV: "Svar på ditt meddelande: {subject}",
        EN: "A reply to your message: {subject}",
    },
    "notification.reply.body": {
        FI: 'Hei,\n\nasiakaspalvelumme vastasi viestiisi "{subject}". Voit lukea vastauksen '
        "verkkopalvelussa:\n\n{link}\n\n{signature}\n",
        SV: 'Hej,\n\nvår kundtjänst svarade på ditt meddelande "{subject}". Du kan läsa svaret '
        "i e-tjänsten:\n\n{link}\n\n{signature}\n",
        EN: 'Hello,\n\nour customer service replied to your message "{subject}". You can read the '
        "reply in the Online service:\n\n{link}\n\n{signature}\n",
    },
    "notification.reply.sms": {
        FI: 'Energia Oy: asiakaspalvelu vastasi viestiisi "{subject}". Lue vastaus verkkopalvelussa.',
        SV: 'Energia Oy: kundtjänsten svarade på ditt meddelande "{subject}". Läs svaret i e-tjänsten.',
        EN: 'Energia Oy: customer service replied to your message "{subject}". '
        "Read it in the Online service.",
    },
    "notification.new_invoice.subject": {
        FI: "Uusi lasku {invoice_number}",
        SV: "Ny faktura {invoice_number}",
        EN: "New invoice {invoice_number}",
    },
    "notification.new_invoice.body": {
        FI: "Hei,\n\nuusi laskusi {invoice_number} on valmis: {amount}, eräpäivä {due}. Näet laskun ja "
        "maksutiedot verkkopalvelussa:\n\n{link}\n\n{signature}\n",
        SV: "Hej,\n\ndin nya faktura {invoice_number} är klar: {amount}, förfallodag {due}. Du ser fakturan "
        "och betalningsuppgifterna i e-tjänsten:\n\n{link}\n\n{signature}\n",
        EN: "Hello,\n\nyour new invoice {invoice_number} is ready: {amount}, due on {due}. You see the "
        "invoice and how to pay it in the Online service:\n\n{link}\n\n{signature}\n",
    },
    "notification.new_invoice.sms": {
        FI: "Energia Oy: uusi lasku {invoice_number}, {amount}, eräpäivä {due}.",
        SV: "Energia Oy: ny faktura {invoice_number}, {amount}, förfallodag {due}.",
        EN: "Energia Oy: new invoice {invoice_number}, {amount}, due on {due}.",
    },
    "notification.overdue_invoice.subject": {
        FI: "Muistutus: lasku {invoice_number} on erääntynyt",
        SV: "Påminnelse: fakturan {invoice_number} har förfallit",
        EN: "Reminder: invoice {invoice_number} is overdue",
    },
    "notification.overdue_invoice.body": {
        FI: "Hei,\n\nlaskusi {invoice_number} ({amount}) eräpäivä oli {due}, emmekä ole vielä saaneet "
        "maksua. Jos olet jo maksanut, voit jättää tämän viestin huomiotta. Maksutiedot näet "
        "verkkopalvelussa:\n\n{link}\n\n{signature}\n",
        SV: "Hej,\n\nförfallodagen för din faktura {invoice_number} ({amount}) var {due}, och vi har "
        "ännu inte fått betalningen. Om du redan har betalat kan du låta bli att göra något. "
        "Betalningsuppgifterna ser du i e-tjänsten:\n\n{link}\n\n{signature}\n",
        EN: "Hello,\n\nyour invoice {invoice_number} ({amount}) was due on {due}, and we have not "
        "received the payment yet. If you have already paid, you can ignore this message. You see "
        "how to pay it in the Online service:\n\n{link}\n\n{signature}\n",
    },
    "notification.overdue_invoice.sms": {
        FI: "Energia Oy: lasku {invoice_number} ({amount}) erääntyi {due}. Jos olet jo maksanut, kiitos.",
        SV: "Energia Oy: fakturan {invoice_number} ({amount}) förföll {due}. Om du redan har betalat, tack.",
        EN: "Energia Oy: invoice {invoice_number} ({amount}) was due on {due}. If you have paid, thank you.",
    },
}
