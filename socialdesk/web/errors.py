"""The app services' errors in the user's language.

The services (app/) speak English to every face: the shell prints their messages as they
are. The console maps each message to a sentence of its own catalogue here, by its shape,
and translates the vocabulary inside it (states, the guard's reasons), so the services stay
free of any language but the one the shell and the logs read. A message no rule knows is
shown under a translated lead-in rather than hidden: the agent still learns what went wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from socialdesk.app import actions, claims, views

Gettext = Callable[[str], str]


def N_(message: str) -> str:
    """Marks a message id for the catalogue; translated where it is shown."""
    return message


# (shape of the service's message, the catalogue's sentence with the shape's named parts).
# Parts named `state` are translated too: they are vocabulary the catalogue holds.
RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(shape), sentence) for shape, sentence in (
        (r"no message (?P<id>\S+)", N_("There is no message %(id)s.")),
        (r"no reply (?P<id>\S+)", N_("There is no reply %(id)s.")),
        (r"no ticket (?P<number>\S+)", N_("There is no ticket %(number)s.")),
        (r"no user (?P<name>.+)", N_("There is no user %(name)s.")),
        (r"no API token (?P<id>\S+)", N_("There is no API token %(id)s.")),
        (r"reply (?P<id>\S+) is (?P<state>\w+), not held",
         N_("Reply %(id)s is no longer held: it is %(state)s.")),
        (r"reply (?P<id>\S+) was stopped for its content .*",
         N_("Reply %(id)s was stopped for its content: discard it and write a new reply.")),
        (r"give the id of the reply found on the platform",
         N_("Give the id of the reply found on the platform.")),
        (r"give either a template or a text, not both or neither",
         N_("Choose a canned reply or write a text.")),
        (r"the reply text is empty", N_("The reply is empty.")),
        (r"(?P<platform>\S+) has no private replies: .*",
         N_("%(platform)s has no private replies: answer in public.")),
        (r"message (?P<id>\S+) is being answered by others right now: .*",
         N_("Others are answering message %(id)s right now: look at it again before "
            "replying.")),
        (r"message (?P<id>\S+) already has ticket (?P<number>\S+) for (?P<item>[^:\s]+): .*",
         N_("This message already has ticket %(number)s for %(item)s: change it on the "
            "ticket's page.")),
        (r"unknown catalog item (?P<item>.+)", N_("%(item)s is not an item of the catalog.")),
        (r"item (?P<item>\S+) belongs to service (?P<service>[^,\s]+).*",
         N_("Item %(item)s belongs to service %(service)s.")),
        (r"message (?P<id>\S+) has no service yet: .*",
         N_("This message has no service yet: choose a service or an item.")),
        (r"unknown catalog service (?P<service>.+)",
         N_("%(service)s is not a service of the catalog.")),
        (r"unknown service or item (?P<service>\S+) in the catalog",
         N_("%(service)s is not a service of the catalog.")),
        (r"a ticket can be set to .*, not (?P<state>.+)",
         N_("A ticket cannot be set to %(state)s.")),
        (r"ticket (?P<number>\S+) is already (?P<state>\w+)",
         N_("Ticket %(number)s is already %(state)s.")),
        (r"not a ticket number: (?P<number>\S+).*",
         N_("%(number)s is not a ticket number (e.g. HAI-2026-000123).")),
        (r"unknown ticket state (?P<state>.+)", N_("Unknown ticket state %(state)s.")),
        (r"unknown state (?P<state>\S+).*", N_("Unknown state %(state)s.")),
        (r"unknown platform (?P<platform>\S+).*", N_("Unknown platform %(platform)s.")),
        (r"unknown intent (?P<intent>\S+).*", N_("Unknown intent %(intent)s.")),
        (r"unknown action (?P<action>\S+).*", N_("Unknown action %(action)s.")),
        (r"unknown language (?P<lang>\S+).*", N_("Unknown language %(lang)s.")),
        (r"limit must be at least 1.*", N_("The limit must be at least 1.")),
        (r"a password needs at least (?P<n>\d+) characters",
         N_("A password needs at least %(n)s characters.")),
        (r"user names are 2 to 64 of .*",
         N_("A user name is 2 to 64 of a-z 0-9 . _ -.")),
        (r"unknown role (?P<role>\S+).*", N_("Unknown role %(role)s.")),
        (r"user (?P<name>\S+) exists already", N_("User %(name)s exists already.")),
        (r"a token needs a name of 1 to 64 characters",
         N_("A token needs a name of 1 to 64 characters.")),
        (r"the acting user must be .*", N_("The acting user's name is not valid.")),
    ))

# The content guard's reasons for refusing or holding a reply (rules.guard).
REASONS: Mapping[str, str] = {
    "interpretation": N_("interprets a regulation"),
    "unregulated_policy": N_("speaks of policy not yet regulated"),
    "excluded_info": N_("gives out excluded information"),
    "abusive": N_("abusive words"),
    "link_not_allowed": N_("a link to a site that is not allowed"),
    "link_on_x": N_("a link, which X does not allow here"),
    "too_long": N_("too long for the platform"),
    "empty": N_("empty"),
    "guard_error": N_("the guard could not check it"),
    "link": N_("a link the guard cannot place"),
    "unknown_channel": N_("a platform the guard does not know"),
}
PII_REASON = N_("personal data (%(kind)s)")
DOUBT_REASON = N_("perhaps: %(reason)s")
MODEL_REASON = N_("reads as not allowed to the learned check (%(percent)s %%; words: %(words)s)")
# rules.guard's reason for a reply its learned second opinion holds.
_MODEL = re.compile(r"model:disallowed (?P<p>[0-9.]+) \((?P<words>[^)]*)\)")


def reason(code: str, _: Gettext) -> str:
    """One guard reason in words: `pii:nik`, `unsure:interpretation`, `too_long`..."""
    if code.startswith("unsure:"):
        return _(DOUBT_REASON) % {"reason": reason(code[len("unsure:"):], _)}
    if code.startswith("pii:"):
        return _(PII_REASON) % {"kind": code[len("pii:"):].upper()}
    model = _MODEL.fullmatch(code)
    if model is not None:
        return _(MODEL_REASON) % {"percent": round(100 * float(model["p"])),
                                  "words": model["words"]}
    return _(REASONS[code]) if code in REASONS else code


def reasons(codes: tuple[str, ...] | list[str], _: Gettext) -> str:
    return ", ".join(reason(code, _) for code in codes)


def sentence(text: str, _: Gettext) -> str:
    """A service's English message as the catalogue's sentence in the user's language."""
    for shape, wanted in RULES:
        found = shape.fullmatch(text)
        if found is None:
            continue
        parts = {name: value.strip("'\"") for name, value in found.groupdict().items()
                 if value is not None}
        if "state" in parts:
            parts["state"] = _(parts["state"])
        return _(wanted) % parts
    return _("This cannot be done:") + " " + text


def explain(exc: Exception, _: Gettext) -> str:
    """What the user is told when a service refuses."""
    if isinstance(exc, actions.ReplyRefused):
        return _("The content guard refuses this reply:") + " " + reasons(exc.reasons, _)
    if isinstance(exc, claims.ClaimedByOther):
        return _("Another agent is handling this message:") + " " + exc.holder
    if isinstance(exc, views.NotFound | views.InvalidRequest):
        return sentence(str(exc), _)
    return _("This cannot be done:") + " " + str(exc)


def held_reason(text: str, _: Gettext) -> str:
    """Why the outbox holds a reply (desk.outbox's reason), for the supervisor's page."""
    for prefix, lead in (("guard: ", N_("the content guard refuses it:")),
                         ("review: ", N_("the content guard asks for a person to look:"))):
        if text.startswith(prefix):
            return _(lead) + " " + reasons(text[len(prefix):].split(", "), _)
    if re.match(r"the last (post|send) may have reached the platform", text):
        return _("it may have reached the platform already: look at the thread or the "
                 "account's page first")
    return text
