"""The programme's figures as PNG charts (matplotlib), for `/stats` and `silta report`.

matplotlib's object API (no pyplot) keeps no global state, so charts can be drawn while the
bot serves others. It lays text out left to right without joining Arabic-script letters, so
callers pass the words in a left-to-right language when the reader's is right to left.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from bot.services.figures import Figures

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WIDTH, HEIGHT, DPI = 9.0, 5.0, 110
COLOURS = ("#2b6cb0", "#38a169", "#dd6b20", "#805ad5", "#718096")


def _png(draw: Callable[[Figure], None]) -> bytes:
    from matplotlib.figure import Figure
    from matplotlib.ticker import AutoLocator, MaxNLocator

    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, layout="constrained")
    draw(figure)
    for axes in figure.axes:  # people are counted in whole numbers
        for axis in (axes.xaxis, axes.yaxis):
            # only the counting axis: named bars keep every name
            if isinstance(axis.get_major_locator(), AutoLocator):
                axis.set_major_locator(MaxNLocator(integer=True))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def people_chart(
    figures: Figures,
    words: Mapping[str, str],
    language_label: Callable[[str], str],
    role_label: Callable[[str | None], str],
) -> bytes | None:
    """Horizontal bars per language, split by role."""
    if not figures.people:
        return None
    languages = sorted(
        {row.language for row in figures.people},
        key=lambda code: sum(r.count for r in figures.people if r.language == code),
    )
    roles = sorted({row.role or "" for row in figures.people})

    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        left = [0] * len(languages)
        for index, role in enumerate(roles):
            counts = [
                sum(
                    r.count for r in figures.people if r.language == code and (r.role or "") == role
                )
                for code in languages
            ]
            axes.barh(
                [language_label(code) for code in languages],
                counts,
                left=left,
                label=role_label(role or None),
                color=COLOURS[index % len(COLOURS)],
            )
            left = [a + b for a, b in zip(left, counts, strict=True)]
        axes.set_title(words["people"])
        axes.set_xlabel(words["people_axis"])
        axes.legend(loc="lower right")

    return _png(draw)


def guides_chart(
    figures: Figures, words: Mapping[str, str], guide_label: Callable[[str], str]
) -> bytes | None:
    """Started and finished conversations per guide, side by side."""
    if not figures.guides:
        return None

    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        names = [guide_label(guide.flow_id) for guide in figures.guides]
        places = list(range(len(names)))
        axes.barh(
            [p + 0.2 for p in places],
            [g.started for g in figures.guides],
            height=0.4,
            label=words["started"],
            color=COLOURS[0],
        )
        axes.barh(
            [p - 0.2 for p in places],
            [g.finished for g in figures.guides],
            height=0.4,
            label=words["finished"],
            color=COLOURS[1],
        )
        axes.set_yticks(places, names)
        axes.set_title(words["guides"])
        axes.set_xlabel(words["people_axis"])
        axes.legend(loc="lower right")

    return _png(draw)


def broadcasts_chart(figures: Figures, words: Mapping[str, str]) -> bytes | None:
    """Delivered, blocked and failed messages per announcement (oldest left)."""
    items = list(reversed(figures.broadcasts))
    if not items:
        return None

    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        names = [f"#{item.broadcast_id}" for item in items]
        bottom = [0] * len(items)
        for index, (key, values) in enumerate(
            (
                ("delivered", [i.delivered for i in items]),
                ("blocked", [i.blocked for i in items]),
                ("failed", [i.failed for i in items]),
            )
        ):
            axes.bar(names, values, bottom=bottom, label=words[key], color=COLOURS[index])
            bottom = [a + b for a, b in zip(bottom, values, strict=True)]
        axes.set_title(words["broadcasts"])
        axes.legend(loc="upper left")

    return _png(draw)


def checkins_chart(
    figures: Figures, words: Mapping[str, str], answer_label: Callable[[str, str], str]
) -> bytes | None:
    """The buddy programme's check-in answers: one bar per answer, buddies' and families' in
    their own colours (answers nobody gave are left out)."""
    bars = [
        (who, answer, count)
        for who in ("buddy", "family")
        for answer, count in figures.buddy.checkins.get(who, {}).items()
        if count
    ]
    if not bars:
        return None

    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        places = list(range(len(bars)))[::-1]  # the first answer on top
        for index, (who, key) in enumerate(
            (("buddy", "from_buddies"), ("family", "from_families"))
        ):
            mine = [(place, bar) for place, bar in zip(places, bars, strict=True) if bar[0] == who]
            if mine:
                axes.barh(
                    [place for place, _bar in mine],
                    [bar[2] for _place, bar in mine],
                    label=words[key],
                    color=COLOURS[index],
                )
        axes.set_yticks(places, [answer_label(who, answer) for who, answer, _count in bars])
        axes.set_title(words["checkins"])
        axes.set_xlabel(words["answers_axis"])
        axes.legend(loc="lower right")

    return _png(draw)
