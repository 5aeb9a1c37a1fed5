"""A generated library of small patient leaflets: some with three clinic variants, some in
folders of their own, one broken (a shortcode names a key no value has). Used by
tests/test_library.py and bench/library_bench.py."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CLINICS = ("north", "south", "east")
TOPICS = (
    "knee surgery",
    "hip replacement",
    "cataract surgery",
    "blood tests",
    "taking warfarin",
    "after a fall",
    "hearing aids",
    "eye drops",
    "healthy eating",
    "a colonoscopy",
    "a chest X-ray",
    "physiotherapy",
    "sleep problems",
    "foot care",
    "asthma inhalers",
    "your heart scan",
)


@dataclass(frozen=True)
class Book:
    """One generated manuscript: its folder, and each variant's phone number."""

    folder: Path
    phones: dict[str, str]  # variant → phone; {"": phone} for a book without variants
    broken_line: int | None = None  # the chapter line of the unknown shortcode key


def phone(book: int, variant: int) -> str:
    """A UK drama number (Ofcom keeps 01632 960xxx for fiction): never anyone's line."""
    return f"01632 960 {book:02d}{variant}"


def make_library(folder: Path, count: int = 12, broken: tuple[int, ...] = (5,)) -> list[Book]:
    """Write `count` leaflets under `folder`; every third has three variants; the books whose
    numbers are in `broken` fail (an unknown shortcode key). Returns what was written."""
    books = []
    for number in range(1, count + 1):
        topic = TOPICS[(number - 1) % len(TOPICS)]
        group = "cardiology" if number % 4 == 0 else "general"
        path = folder / group / f"leaflet-{number:02d}"
        variants = CLINICS if number % 3 == 0 else ()
        phones = {name: phone(number, i + 1) for i, name in enumerate(variants)} or {
            "": phone(number, 0)
        }
        books.append(_write_book(path, number, topic, phones, number in broken))
    return books


def _write_book(path: Path, number: int, topic: str, phones: dict[str, str], broken: bool) -> Book:
    (path / "chapters").mkdir(parents=True, exist_ok=True)
    overdue = number % 5 == 0
    lines = [
        f"title: About {topic}",
        "authors: [Patient Information Team]",
        "publisher: Shire Health Trust",
        "lang: en-GB",
        "date: 2025-02-01",
        "edition: First edition",
        f"review-date: {'2026-01-01' if overdue else '2028-02-01'}",
        "rights: © 2025 Shire Health Trust",
        "chapters: [chapters/leaflet.md]",
        "clinic:",
        "  hours: Monday to Friday, 9 am to 5 pm",
    ]
    if "" in phones:
        lines += ["  name: Shire Health Clinic", f"  phone: {phones['']}"]
    else:
        lines.append("variants:")
        for name, number_of_phone in phones.items():
            lines += [
                f"  {name}:",
                "    clinic:",
                f"      name: {name.title()} Clinic",
                f"      phone: {number_of_phone}",
            ]
    (path / "book.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    chapter = [
        f"# About {topic}",
        "",
        f"This leaflet is for people who have been told about {topic}.",
        "It explains what happens and who to call.",
        "",
        "## What happens",
        "",
        "A nurse will meet you and explain each step.",
        "You can bring a friend or a relative with you.",
        "",
        "## Who to call",
        "",
        "If you have questions, call {{< meta clinic.name >}} on {{< meta clinic.phone >}}.",
        "We are open {{< meta clinic.hours >}}.",
        "",
        "Staff write `{{< meta clinic.phone >}}` in templates to print the number.",
    ]
    broken_line = None
    if broken:
        chapter += ["", "Our fax number is {{< meta clinic.fax >}}."]
        broken_line = len(chapter)
    (path / "chapters" / "leaflet.md").write_text("\n".join(chapter) + "\n", encoding="utf-8")
    return Book(path, phones, broken_line)
