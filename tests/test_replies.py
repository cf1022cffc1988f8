from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from socialdesk.core import resources
from socialdesk.rules.guard import Guard
from socialdesk.rules.replies import Replies, ReplyBlocked, ReplyError, render
from socialdesk.rules.types import ACTIONS, Verdict

WIB = timezone(timedelta(hours=7))
CHANNELS = ("twitter", "instagram", "facebook", "youtube")
# The longest day and month names, to test the limit with the longest slot there is.
LONGEST_SLOT = datetime(2026, 9, 29, 8, 0, tzinfo=WIB)
CONTEXT = {"ticket": "HAI-2026-000123", "status": "Diteruskan ke unit terkait",
           "due": datetime(2026, 9, 30, 15, 59, tzinfo=WIB)}
REPLIES = Replies.default()
GUARD = Guard.default()


@pytest.mark.parametrize("name", REPLIES.template_names())
@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("next_open", [None, LONGEST_SLOT])
def test_it_renders_every_reply_within_the_guard(name: str, channel: str,
                                                 next_open: datetime | None) -> None:
    text = REPLIES.render(name, channel=channel, next_open=next_open, **CONTEXT)
    assert GUARD.check_outbound(text, channel=channel).ok
    assert GUARD.weighted_length(text, channel) <= GUARD.limits[channel]
    assert "Kak" in text
    if channel == "twitter":
        assert GUARD.links(text) == []
    if next_open is not None:
        assert "Selasa, 29 September 2026 pukul 08.00 WIB" in text


def test_it_has_a_reply_for_each_action_but_ignore() -> None:
    actions = {REPLIES.action_of(n) for n in REPLIES.template_names()}
    assert actions == set(ACTIONS) - {"ignore"}
    assert {"refuse_interpretation", "refuse_unregulated", "refuse_excluded"} <= set(
        REPLIES.template_names()
    )


def test_it_names_the_ticket_and_the_due_time() -> None:
    text = render("escalate", channel="instagram", ticket="HAI-2026-000777",
                  due=datetime(2026, 11, 30, 1, 0, tzinfo=UTC))
    assert "HAI-2026-000777" in text
    assert "Senin, 30 November 2026 pukul 08.00 WIB" in text


def test_it_points_to_official_sources_when_refusing() -> None:
    assert "jdih.kemenkeu.go.id" in render("refuse_interpretation", channel="facebook")
    assert "djpb.kemenkeu.go.id" in render("refuse_unregulated", channel="youtube")
    private = render("redirect_private", channel="instagram")
    assert "+62 878-7711-4090" in private
    assert "hai.kemenkeu.go.id" in private
    assert "portal HAI-DJPb" in render("redirect_private", channel="twitter")


def test_it_refuses_missing_values_and_naive_times() -> None:
    with pytest.raises(ReplyError, match="ticket"):
        render("escalate", channel="facebook", due=LONGEST_SLOT)
    with pytest.raises(ReplyError, match="aware"):
        render("escalate", channel="facebook", ticket="HAI-1", due=datetime(2026, 1, 5, 9))
    with pytest.raises(ReplyError, match="unknown"):
        render("no_such_reply", channel="facebook")


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "replies"
    shutil.copytree(resources.default_path(resources.REPLIES), target)
    return target


def test_it_raises_when_the_guard_blocks_a_reply(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    (directory / "thanks.j2").write_text("Sama-sama Kak, cek {{ link }} ya", encoding="utf-8")
    replies = Replies.load(directory)
    with pytest.raises(ReplyBlocked) as caught:
        replies.render("thanks", channel="facebook", link="bit.ly/hadiah")
    assert caught.value.reasons == ("link_not_allowed",)


def test_it_keeps_templates_in_a_sandbox(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    (directory / "thanks.j2").write_text("{{ ''.__class__.__mro__[1].__subclasses__() }}",
                                         encoding="utf-8")
    with pytest.raises(ReplyError):
        Replies.load(directory).render("thanks", channel="facebook")


def test_it_refuses_an_undefined_name_in_a_template(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    (directory / "thanks.j2").write_text("Sama-sama {{ nama_pengguna }}", encoding="utf-8")
    with pytest.raises(ReplyError, match="nama_pengguna"):
        Replies.load(directory).render("thanks", channel="facebook")


def test_it_refuses_an_index_naming_a_missing_template(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    (directory / "greeting.j2").unlink()
    with pytest.raises(ReplyError, match="greeting"):
        Replies.load(directory)


class _CountingGuard(Guard):
    """The packaged guard, counting the texts it is asked about."""

    checked = 0

    def check_outbound(self, text: str, *, channel: str) -> Verdict:
        type(self).checked += 1
        return super().check_outbound(text, channel=channel)


def _counting_replies() -> Replies:
    guard = _CountingGuard.load(resources.default_path(resources.GUARD))
    _CountingGuard.checked = 0
    return Replies.load(guard=guard)


def test_a_reply_rendered_again_with_the_same_values_is_not_checked_again() -> None:
    replies = _counting_replies()
    first = replies.render("escalate", channel="facebook", **CONTEXT)
    assert replies.render("escalate", channel="facebook", **CONTEXT) == first
    assert _CountingGuard.checked == 1
    other = replies.render("escalate", channel="facebook", **{**CONTEXT, "ticket": "HAI-9"})
    assert "HAI-9" in other and other != first
    assert replies.render("escalate", channel="twitter", **CONTEXT) != first  # X's variant
    assert _CountingGuard.checked == 3


def test_a_kept_reply_tells_values_of_other_types_apart(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    (directory / "thanks.j2").write_text("Sama-sama Kak {{ n }}", encoding="utf-8")
    replies = Replies.load(directory)
    assert replies.render("thanks", channel="facebook", n=1).endswith("1")
    assert replies.render("thanks", channel="facebook", n=True).endswith("True")


def test_a_refused_reply_is_refused_every_time(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    (directory / "thanks.j2").write_text("Sama-sama Kak, cek {{ link }} ya", encoding="utf-8")
    replies = Replies.load(directory)
    for _ in range(2):
        with pytest.raises(ReplyBlocked):
            replies.render("thanks", channel="facebook", link="bit.ly/hadiah")
