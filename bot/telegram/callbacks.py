"""Callback data of every inline button; each packs to well under Telegram's 64 bytes."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class LanguageChoice(CallbackData, prefix="lang"):
    """A language picked from the language keyboard."""

    code: str


class ConsentAnswer(CallbackData, prefix="consent"):
    """Agree or decline the consent note."""

    agree: bool


class RoleChoice(CallbackData, prefix="role"):
    """Parent or buddy, chosen by the user."""

    role: str


class MenuAction(CallbackData, prefix="menu"):
    """An entry of the main menu; later issues register more entries."""

    entry: str


class DeleteAnswer(CallbackData, prefix="delete"):
    """Confirmation of /delete."""

    confirm: bool


class GuidePick(CallbackData, prefix="guide"):
    """A guide (flow) chosen from the list; '' continues the session under way."""

    flow: str


class GuideStep(CallbackData, prefix="gs"):
    """An answer to a flow question: pick (p), tick (t), done (d) or back (b)."""

    session: int
    step: str
    act: str
    index: int = 0


class ClubOpen(CallbackData, prefix="club"):
    """A club chosen from the list (0: the list itself)."""

    club: int


class ClubAction(CallbackData, prefix="ca"):
    """Something done to a club: join, leave, cal (calendar file), on/off (reminders), who
    (who is coming), map; coordinators: cancel, move."""

    club: int
    act: str


class ClubAnswer(CallbackData, prefix="cr"):
    """'I'm coming' (yes) or 'I can't come' under a reminder of one meeting."""

    club: int
    key: str
    yes: bool


class MeetingPick(CallbackData, prefix="cm"):
    """A coordinator picks a meeting to cancel (c) or move (m), or confirms a cancel (y)."""

    club: int
    key: str
    act: str


class WizardChoice(CallbackData, prefix="cw"):
    """A button of the coordinator's club wizard: `field` and the value chosen."""

    field: str
    value: str = ""


class InboxAction(CallbackData, prefix="ib"):
    """A coordinator's inbox: open (o), take (t), answer (a) or close (c) request `item`
    (0 with 'o': the list)."""

    item: int
    act: str


class InviteRole(CallbackData, prefix="inv"):
    """The role a coordinator invites someone to: coordinator or buddy."""

    role: str


class BroadcastAction(CallbackData, prefix="bc"):
    """A button of announcement `id`: the wizard's steps (a: audience, k: a kind of segment,
    t: toggle one, e: everyone, w: write, src: the text's language, sk/sa: skip one or all
    versions, p: preview, u: urgent, go: send, q: cancel) and, while sending, x/xy/xn (stop?)."""

    id: int
    act: str
    value: str = ""


class MuteChoice(CallbackData, prefix="mute"):
    """Turn announcements off (True) or on again."""

    mute: bool


class FiguresAction(CallbackData, prefix="fg"):
    """Coordinators' figures: the charts (charts) or the spreadsheet file (csv)."""

    act: str


class BuddyAction(CallbackData, prefix="bd"):
    """One side of buddy match `match`: write (w), share contact details (c), end (e, then ey
    yes / en no), go on after the offer to close (g)."""

    match: int
    act: str


class CheckInAnswer(CallbackData, prefix="ck"):
    """A quick answer to check-in `checkin` (a code of bot/domain/buddies/rhythm.py), or
    'note' to add a note."""

    checkin: int
    answer: str


class BuddyAdmin(CallbackData, prefix="ba"):
    """The coordinators' buddy programme: o overview; v volunteers to approve, vo open one,
    va approve, vt record seen today, vd record seen another day; m run the matching; p
    proposals, po open, py approve, pn reject, pc other candidates, pk pick `value` (a buddy);
    f waiting families, fo open one; a running matches, ao open, ax end, axy end for sure."""

    act: str
    id: int = 0
    value: str = ""
