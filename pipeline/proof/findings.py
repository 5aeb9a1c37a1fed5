"""What lint reports: findings with a stable code, a severity and a place; and the codes."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.errors import Location


@dataclass(frozen=True)
class Rule:
    """One kind of finding: its code never changes, so books and comments can silence it."""

    code: str
    severity: str
    name: str
    summary: str


RULES = {
    rule.code: rule
    for rule in (
        Rule(
            "PL000",
            "warning",
            "lint-comment",
            "a lint-ignore comment or `lint: ignore` entry names no code or an unknown one, "
            "or silences nothing",
        ),
        Rule(
            "PL001",
            "error",
            "placeholder",
            "placeholder text: 'content coming soon', TODO, TBD, FIXME, lorem ipsum, "
            "'{Link: …}', '[insert …]'",
        ),
        Rule(
            "PL002",
            "warning",
            "vague-link",
            "link text that says nothing on its own: 'click here', 'here', 'read more', "
            "'learn more', 'this link'",
        ),
        Rule("PL003", "warning", "bare-url", "a bare URL in running text (or as a link's text)"),
        Rule("PL004", "warning", "duplicate-paragraph", "a paragraph that repeats an earlier one"),
        Rule(
            "PL005",
            "warning",
            "long-sentence",
            "a sentence longer than the limit (book.yaml `lint: sentence-words`, default 40)",
        ),
        Rule("PL101", "error", "empty-section", "a heading with no text under it"),
        Rule(
            "PL102",
            "error",
            "heading-jump",
            "a heading more than one level below the heading before it (## then ####)",
        ),
        Rule(
            "PL103",
            "error",
            "alt-text",
            "an image whose alt text is its file name or a word such as 'image' or 'photo'",
        ),
        Rule("PL201", "warning", "uncited-reference", "a bibliography entry that is never cited"),
        Rule("PL202", "warning", "incomplete-reference", "a reference with no author or no year"),
        Rule("PL301", "error", "review-date-passed", "the review date (`review-date`) has passed"),
        Rule("PL302", "warning", "review-date-missing", "book.yaml gives no `review-date`"),
        Rule("PL900", "error", "build-error", "a problem that stops the build"),
        Rule("PL901", "warning", "build-warning", "a warning the build prints"),
    )
}
# The build refuses these anyway: silencing them would only hide why.
UNSILENCEABLE = frozenset({"PL900"})


@dataclass(frozen=True, order=True)
class Finding:
    """One problem at one place: `path:line: severity: message [code]`."""

    location: Location
    code: str
    message: str

    @property
    def severity(self) -> str:
        """'error' or 'warning', fixed per code."""
        return RULES[self.code].severity

    def __str__(self) -> str:
        return f"{self.location}: {self.severity}: {self.message} [{self.code}]"
