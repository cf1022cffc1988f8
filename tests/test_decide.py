import pytest

from socialdesk.rules.decide import decide
from socialdesk.rules.types import Classification, Intent


def c(intent: Intent, service: str | None = "8", *rules: str,
      confidence: float = 0.8) -> Classification:
    return Classification(service=service, item=None, intent=intent, confidence=confidence,
                          rules=tuple(rules))


@pytest.mark.parametrize(
    ("classification", "pii", "kind", "action"),
    [
        (c("question"), ["nik"], "comment", "redirect_private"),
        (c("ticket_status", None), ["sp2d_number"], "mention", "redirect_private"),
        (c("problem"), ["phone"], "reply", "redirect_private"),
        (c("problem"), ["phone"], "dm", "escalate"),
        (c("interpretation_request"), [], "mention", "refuse"),
        (c("unregulated_policy"), [], "dm", "refuse"),
        (c("excluded_info_request", None), [], "comment", "refuse"),
        (c("spam", None), [], "comment", "ignore"),
        (c("abuse", None), [], "mention", "ignore"),
        (c("off_topic", None), [], "mention", "ignore"),
        (c("off_topic", None, "offtopic.tax", "faq:offtopic.tax"), [], "mention", "auto_reply"),
        # a sensitive message goes to a person even when it asks for nothing in the catalog
        (c("off_topic", None, "agent:flag.agent.sensitive"), [], "comment", "agent"),
        (c("problem", "8", "agent:flag.agent.angry"), [], "mention", "agent"),
        (c("question", "1", "agent:flag.agent.media"), [], "mention", "agent"),
        (c("thanks", None), [], "comment", "auto_reply"),
        (c("greeting", None), [], "comment", "auto_reply"),
        (c("ticket_status", None), ["nip"], "dm", "auto_reply"),
        (c("problem"), [], "mention", "escalate"),
        (c("complaint", "19"), [], "comment", "escalate"),
        (c("question", "3", "faq:3.12"), [], "comment", "auto_reply"),
        (c("question", "2"), [], "comment", "escalate"),
        (c("question", None), [], "comment", "agent"),
        (c("question", "2", "faq:2.9", confidence=0.1), [], "comment", "agent"),
        # a question asked in a generic way gets the standard reply whatever its item
        (c("question", "7", "generic:generic.schedule"), [], "comment", "auto_reply"),
        # details of the writer's own case outweigh a canned answer for the topic
        (c("question", "3", "faq:3.3", "case:case.check-my-data"), [], "comment", "escalate"),
        (c("question", "3", "generic:generic.usual-time", "case:case.bank-as-partner"), [],
         "mention", "escalate"),
        # identifiers in a private message are case data too
        (c("question", "3", "faq:3.3"), ["sp2d_number"], "dm", "escalate"),
        # speakers and broadcasts are always a request for the desk to act
        (c("question", "18", "generic:generic.schedule"), [], "comment", "escalate"),
        (c("question", "14", "faq:x"), [], "dm", "escalate"),
    ],
)
def test_it_picks_the_first_action(
    classification: Classification, pii: list[str], kind: str, action: str
) -> None:
    assert decide(classification, pii, kind=kind) == action


def test_it_ignores_spam_even_with_a_phone_number_in_public() -> None:
    # The number is the spammer's own advertised contact, not a user exposing their data.
    spam = c("spam", None, "intent.spam.scam")
    assert decide(spam, ["phone"], kind="comment") == "ignore"
    assert decide(c("question"), ["phone"], kind="comment") == "redirect_private"
