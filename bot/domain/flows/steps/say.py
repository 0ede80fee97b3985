"""say: a message, optionally with links shown as buttons; the conversation goes on to `next`.

contact_city:
  say: Contact the education services of your municipality.
  links: [{label: Kuopio basic education, url: "https://www.kuopio.fi/perusopetus"}]
  next: documents
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from bot.domain.flows.runtime import Say as SayOutput
from bot.domain.flows.steps.base import Context, Move, Shown, Step


class Link(BaseModel):
    """A link button under a message."""

    model_config = ConfigDict(extra="forbid")

    label: str
    url: HttpUrl


class Say(Step):
    kind: ClassVar[str] = "say"

    say: str
    links: list[Link] = Field(default_factory=list)

    def texts(self) -> list[Shown]:
        return [(("say",), self.say, "message")] + [
            (("links", index, "label"), link.label, "button")
            for index, link in enumerate(self.links)
        ]

    def run(self, context: Context) -> Move:
        links = tuple((link.label, str(link.url)) for link in self.links)
        return Move([SayOutput(self.say, links)], next=self.next)
