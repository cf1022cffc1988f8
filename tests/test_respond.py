"""The bot's first step: which canned reply, from the policy and the reply index."""

from __future__ import annotations

from socialdesk.rules.replies import Replies
from socialdesk.rules.respond import STATE_AFTER, plan

REPLIES = Replies.default()


def test_the_reply_index_says_which_questions_a_canned_answer_covers() -> None:
    answers = REPLIES.answers()
    assert answers["3.3"] == "faq_sp2d_crediting"
    assert answers["8.1.b"] == "faq_sakti_reset_password"


def test_a_question_on_an_answered_item_gets_that_answer() -> None:
    step = plan(action="auto_reply", intent="question", service="8", item="8.1.b", rules=(),
                known_templates=REPLIES.template_names(), answers=REPLIES.answers())
    assert step.template == "faq_sakti_reset_password"


def test_without_an_answer_for_the_item_the_general_reply_names_the_topic() -> None:
    step = plan(action="auto_reply", intent="question", service="2", item="2.1", rules=(),
                known_templates=REPLIES.template_names(), answers=REPLIES.answers(),
                topic="revisi anggaran")
    assert step.template == "faq_general"
    assert step.context == {"topic": "revisi anggaran"}


def test_every_action_leaves_the_message_in_a_known_state() -> None:
    assert set(STATE_AFTER) == {"auto_reply", "refuse", "redirect_private", "escalate",
                                "agent", "ignore"}
    assert STATE_AFTER["escalate"] == "waiting" and STATE_AFTER["agent"] == "open"
