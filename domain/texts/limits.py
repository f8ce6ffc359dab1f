"""Texts of refusals at a limit: the query cost, the write quotas, waiting times, uploads."""

from __future__ import annotations

from domain.base import Language

FI, SV, EN = Language.FI, Language.SV, Language.EN

TEXTS: dict[str, dict[Language, str]] = {
    # -- the query cost and the cost budget (schema.cost) ----------------------------
    "limits.max_cost_exceeded": {
        FI: "Kysely on liian raskas (hinta yli {limit}). Pyydä pienempiä sivuja, "
        "lyhyempiä aikavälejä tai vähemmän kenttiä.",
        SV: "Frågan är för tung (kostnad över {limit}). Be om mindre sidor, "
        "kortare perioder eller färre fält.",
        EN: "The query costs more than the limit of {limit}. Ask for smaller pages, "
        "shorter ranges or fewer fields.",
    },
    "limits.query_rate_limited": {
        FI: "Liian monta kyselyä. Yritä uudelleen {seconds} sekunnin kuluttua.",
        SV: "För många frågor. Försök igen om {seconds} sekunder.",
        EN: "Too many queries. Try again in {seconds} seconds.",
    },
    # -- write quotas (auth.quotas), by quota; {mb} is the limit in MB ---------------
    "limits.quota.messages_per_customer": {
        FI: "Asiakkaan puolesta voi lähettää enintään {limit} viestiä tunnissa.",
        SV: "Högst {limit} meddelanden i timmen kan skickas för en kund.",
        EN: "At most {limit} messages an hour can be sent for one customer.",
    },
    "limits.quota.new_threads_per_hour": {
        FI: "Uusia keskusteluja voi aloittaa enintään {limit} tunnissa. Voit jatkaa aiempaa keskustelua.",
        SV: "Högst {limit} nya konversationer i timmen kan startas. Du kan fortsätta i en tidigare.",
        EN: "At most {limit} new conversations an hour can be started. You can reply in an earlier one.",
    },
    "limits.quota.new_threads_per_day": {
        FI: "Uusia keskusteluja voi aloittaa enintään {limit} vuorokaudessa. "
        "Voit jatkaa aiempaa keskustelua.",
        SV: "Högst {limit} nya konversationer per dygn kan startas. Du kan fortsätta i en tidigare.",
        EN: "At most {limit} new conversations a day can be started. You can reply in an earlier one.",
    },
    "limits.quota.attachment_bytes": {
        FI: "Liitteitä voi lähettää enintään {mb} Mt vuorokaudessa.",
        SV: "Högst {mb} MB bilagor per dygn kan skickas.",
        EN: "At most {mb} MB of attachments a day can be sent.",
    },
    "limits.quota.grants": {
        FI: "Käyttöoikeuksia voi antaa tai muuttaa enintään {limit} kertaa vuorokaudessa.",
        SV: "Behörigheter kan ges eller ändras högst {limit} gånger per dygn.",
        EN: "Access can be granted or changed at most {limit} times a day.",
    },
    "limits.quota.staff_replies": {
        FI: "Vastauksia voi lähettää enintään {limit} tunnissa.",
        SV: "Högst {limit} svar i timmen kan skickas.",
        EN: "At most {limit} replies an hour can be sent.",
    },
    "limits.quota.other": {
        FI: "Liian monta yritystä.",
        SV: "För många försök.",
        EN: "Too many attempts.",
    },
    # -- how long to wait: "Try again in {wait}." with {wait} from the units below ---
    "limits.try_again_in": {
        FI: "Yritä uudelleen {wait} kuluttua.",
        SV: "Försök igen om {wait}.",
        EN: "Try again in {wait}.",
    },
    "limits.wait.hours.one": {FI: "{n} tunnin", SV: "{n} timme", EN: "{n} hour"},
    "limits.wait.hours.other": {FI: "{n} tunnin", SV: "{n} timmar", EN: "{n} hours"},
    "limits.wait.minutes.one": {FI: "{n} minuutin", SV: "{n} minut", EN: "{n} minute"},
    "limits.wait.minutes.other": {FI: "{n} minuutin", SV: "{n} minuter", EN: "{n} minutes"},
    "limits.wait.seconds.one": {FI: "{n} sekunnin", SV: "{n} sekund", EN: "{n} second"},
    "limits.wait.seconds.other": {FI: "{n} sekunnin", SV: "{n} sekunder", EN: "{n} seconds"},
    "limits.wait.hours_and_minutes": {
        FI: "{hours} ja {minutes}",
        SV: "{hours} och {minutes}",
        EN: "{hours} and {minutes}",
    },
    # -- multipart uploads refused before they reach GraphQL (app.uploads) ----------
    "upload.body_too_large": {
        FI: "Pyyntö on liian suuri.",
        SV: "Begäran är för stor.",
        EN: "The request is too large.",
    },
    "upload.incomplete": {
        FI: "Lähetys katkesi kesken. Mitään ei tallennettu; yritä uudelleen.",
        SV: "Överföringen avbröts. Ingenting sparades; försök igen.",
        EN: "The upload was cut off. Nothing was stored; try again.",
    },
    "upload.malformed": {
        FI: "Pyyntö ei ole kelvollinen multipart-viesti.",
        SV: "Begäran är inte ett giltigt multipart-meddelande.",
        EN: "The request is not a valid multipart message.",
    },
    "upload.field_too_large": {
        FI: "Lomakekenttä on liian suuri.",
        SV: "Formulärfältet är för stort.",
        EN: "A form field is too large.",
    },
}
