"""What a decision means for the person it is about: what happens next after an approval, and
after a refusal the reasons, the clause, the right to challenge it and what would change it."""

from __future__ import annotations

from pydantic import BaseModel, Field


class NextStep(BaseModel):
    text: str
    href: str | None = Field(default=None, description="Where to take the step, if online")


class Remedy(BaseModel):
    """A way to challenge the decision (行政复议 / 行政诉讼), with its body and time limit."""

    kind: str = Field(description="reconsideration | litigation")
    title: str
    body: str = Field(description="Where to apply")
    time_limit: str
    law: str
    text: str


class OutcomeView(BaseModel):
    approved: bool
    headline: str
    amount: str | None = Field(default=None, description="The amount granted, in words")
    schedule: str | None = Field(default=None, description="When and how it is paid")
    basis: list[str] = Field(
        default_factory=list,
        description="How the rules worked out the amount granted: each criterion as it held",
    )
    collection: str | None = Field(default=None, description="How the result is collected")
    next_steps: list[NextStep] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)
    clause: str | None = None
    remedies: list[Remedy] = Field(default_factory=list)
    would_change: list[str] = Field(default_factory=list)
