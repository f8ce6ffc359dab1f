"""Every text shown to people, in Finnish, Swedish and English, under a stable message ID.

The catalogue is ``message ID -> {language: template}``, one module per area:
``common`` (input checks every form shares), ``accounts`` (signing in, passwords,
account changes, mobile tokens, registration), ``access`` (grants), ``api_tokens``, ``access_log`` (the
owner's log), ``invitations`` (invitations, access given, section names), ``messaging``
(messages, attachments, My information, confirmation links, bulletins), ``limits`` (the
query cost, write quotas, waiting times, refused uploads), ``errors`` (the service's own
GraphQL errors), ``export`` (the consumption CSV's columns and file name), ``documents``
(the invoice, credit note and contract confirmation PDFs) and ``emails`` (subject and body
of every email). Templates are ``str.format`` strings with named placeholders, the same
names in every language (a test keeps it so), so that moving to gettext catalogues is a
conversion: the IDs become msgids.

``text(message_id, language, **values)`` is the one lookup, used by every layer (the
domain is the lowest). A message ID is written out in the call, or marked with ``N_``
where it is chosen before the language is known (tables of codes to messages), so that
a test (and later an extractor) finds every ID the code uses.
"""

from __future__ import annotations

import math

from domain.base import Language
from domain.texts import (
    access,
    access_log,
    accounts,
    api_tokens,
    common,
    documents,
    emails,
    errors,
    export,
    invitations,
    limits,
    messaging,
    notifications,
)

#: The modules of the catalogue, each with its ``TEXTS``.
PARTS = (
    common,
    accounts,
    access,
    access_log,
    api_tokens,
    invitations,
    messaging,
    notifications,
    limits,
    emails,
    errors,
    export,
    documents,
)
#: Every message ID with its templates; an ID is defined in one module only.
CATALOGUE: dict[str, dict[Language, str]] = {}
for _part in PARTS:
    for _id, _templates in _part.TEXTS.items():
        if _id in CATALOGUE:
            raise RuntimeError(f"message ID {_id} is defined twice")
        CATALOGUE[_id] = _templates


def text(message_id: str, language: Language, **values: object) -> str:
    """The template of ``message_id`` in ``language`` (Finnish when not translated), filled in."""
    templates = CATALOGUE[message_id]
    return (templates.get(language) or templates[Language.FI]).format(**values)


def N_(message_id: str) -> str:
    """``message_id`` itself: marks a literal as a message ID that ``text`` gets later (gettext's ``N_``)."""
    return message_id


def email_texts(name: str, language: Language, **values: object) -> tuple[str, str]:
    """Subject and body of the email ``name`` (``email.<name>.subject`` and ``.body``), signed."""
    signature = text("email.signature", language)
    subject = text(f"email.{name}.subject", language, **values)
    return subject, text(f"email.{name}.body", language, signature=signature, **values)


#: The units of a waiting time: (one, several) message IDs, ``{n}`` the number.
_UNITS = {
    "h": (N_("limits.wait.hours.one"), N_("limits.wait.hours.other")),
    "min": (N_("limits.wait.minutes.one"), N_("limits.wait.minutes.other")),
    "s": (N_("limits.wait.seconds.one"), N_("limits.wait.seconds.other")),
}


def wait_text(seconds: int, language: Language) -> str:
    """``seconds`` as people say it, rounded up: "40 seconds", "15 minutes", "3 hours and 5 minutes"."""

    def amount(n: int, unit: str) -> str:
        one, several = _UNITS[unit]
        return text(one if n == 1 else several, language, n=n)

    seconds = max(int(seconds), 1)
    if seconds < 60:
        return amount(seconds, "s")
    hours, minutes = divmod(math.ceil(seconds / 60), 60)
    if not hours:
        return amount(minutes, "min")
    if not minutes:
        return amount(hours, "h")
    return text(
        "limits.wait.hours_and_minutes",
        language,
        hours=amount(hours, "h"),
        minutes=amount(minutes, "min"),
    )
