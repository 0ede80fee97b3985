"""The programme's figures as one CSV table for spreadsheets: one row per figure, with stable
English keys (section, item, detail) so that files from different days line up. The buddy
programme's sections (buddies, buddy_requests, matches, checkins, surveys) list every known
status and answer, zeros included."""

from __future__ import annotations

import csv
import io

from bot.services.figures import Figures

HEADER = ("section", "item", "detail", "value")


def figures_csv(figures: Figures) -> str:
    """The table as text; write it with a BOM ("utf-8-sig") so Excel reads the letters right."""
    rows: list[tuple[str, str, str, int | float | str]] = [
        ("generated", "", "", figures.generated_at.isoformat(timespec="seconds"))
    ]
    for person in figures.people:
        rows.append(("people", person.role or "none", person.language, person.count))
    rows.append(("people", "announcements_off", "", figures.muted))
    for guide in figures.guides:
        rows.append(("guide", guide.flow_id, "started", guide.started))
        rows.append(("guide", guide.flow_id, "finished", guide.finished))
        rows.append(("guide", guide.flow_id, "share_finished", round(guide.share_finished, 3)))
        for step, count in guide.stopped_at.items():
            rows.append(("guide_now_at_step", guide.flow_id, step, count))
    for club in figures.clubs:
        name = club.name.get(club.source_language) or next(iter(club.name.values()), "")
        item = f"{club.club_id} {name}".strip()
        rows += [
            ("club", item, "members", club.members),
            ("club", item, "waiting", club.waiting),
            ("club", item, "coming", club.coming),
            ("club", item, "not_coming", club.not_coming),
        ]
    for broadcast in figures.broadcasts:
        item = str(broadcast.broadcast_id)
        rows += [
            ("announcement", item, "status", broadcast.status),
            ("announcement", item, "recipients", broadcast.total),
            ("announcement", item, "delivered", broadcast.delivered),
            ("announcement", item, "blocked", broadcast.blocked),
            ("announcement", item, "failed", broadcast.failed),
        ]
    for status, count in sorted(figures.requests.items()):
        rows.append(("requests", status, "", count))
    buddy = figures.buddy
    for section, counts in (
        ("buddies", buddy.buddies),
        ("buddy_requests", buddy.requests),
        ("matches", buddy.matches),
    ):
        rows.extend((section, status, "", count) for status, count in counts.items())
    for who, answers in buddy.checkins.items():
        rows.extend(("checkins", who, answer, count) for answer, count in answers.items())
    rows.append(("surveys", "closing", "", buddy.closing_surveys))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue()
