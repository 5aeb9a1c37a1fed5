"""The raw-line pre-pass: every construct found with its line, code left alone."""

from __future__ import annotations

from pipeline.dialect.prepass import CiteItem, parse_attributes, prepare


def test_citations_keep_order_prefix_locator_and_line() -> None:
    found = prepare("# T\n\nA [@a; @b, p. 4].\n\nB [see @c].\n", "ch.md")
    assert [(c.location.line, c.items) for c in found.citations] == [
        (3, (CiteItem("a"), CiteItem("b", locator="p. 4"))),
        (5, (CiteItem("c", prefix="see"),)),
    ]
    assert found.text.count('data-pp="cite"') == 2


def test_code_spans_fenced_code_emails_and_links_are_not_citations() -> None:
    text = "# T\n\n`[@x]` and mail a@b.org and [a link](http://x) [@y]\n\n```\n[@z]\n```\n"
    found = prepare(text, "ch.md")
    assert [c.items[0].key for c in found.citations] == ["y"]
    assert "`[@x]`" in found.text and "[@z]" in found.text and "a@b.org" in found.text


def test_cross_references_bare_and_bracketed() -> None:
    found = prepare("# T\n\nSee @tbl:one, [@fig:two] and me@fig:three.\n", "ch.md")
    assert sorted(x.label for x in found.xrefs) == ["fig:two", "tbl:one"]


def test_boxes_nest_and_take_title_label_and_quarto_names() -> None:
    text = (
        '# T\n\n::: {#box:kp .key-points title="Key points"}\n- a\n:::\n\n'
        "::: callout-warning\nCareful\n:::\n"
    )
    found = prepare(text, "ch.md")
    assert [(b.kind, b.title, b.label, b.location.line) for b in found.boxes] == [
        ("key-points", "Key points", "box:kp", 3),
        ("warning", "Warning", None, 7),
    ]
    assert found.problems == ()


def test_box_problems_are_reported_with_their_lines() -> None:
    found = prepare("# T\n\n::: {.key-point}\nx\n:::\n\n:::\n\n::: note\nopen\n", "ch.md")
    messages = [(p.location.line, p.message.split(";")[0]) for p in found.problems]
    assert messages == [
        (3, "unknown box '.key-point'"),
        (7, "':::' closes no box"),
        (9, "box opened with ':::' is never closed"),
    ]


def test_table_caption_under_a_table_with_one_blank_line_between() -> None:
    text = "# T\n\n| a | b |\n|--:|---|\n| 1 | 2 |\n\nTable: Sizes [@k] {#tbl:sizes .row-headers}\n"
    found = prepare(text, "ch.md")
    assert [(t.label, t.row_headers, t.location.line) for t in found.tables] == [
        ("tbl:sizes", True, 7)
    ]
    assert found.citations[0].location.line == 7


def test_a_caption_with_no_table_above_is_an_error() -> None:
    found = prepare("# T\n\nText.\n\nTable: Lost caption\n", "ch.md")
    assert found.problems[0].location.line == 5
    assert "no pipe table above it" in found.problems[0].message


def test_figure_alone_in_its_paragraph_with_alt_and_label() -> None:
    found = prepare('# T\n\n![Cap](figures/x.svg){#fig:x alt="Long"}\n\nText.\n', "ch.md")
    figure = found.figures[0]
    assert (figure.src, figure.alt, figure.label, figure.location.line) == (
        "figures/x.svg",
        "Long",
        "fig:x",
        3,
    )


def test_any_heading_id_is_a_label_and_quarto_references_are_cross_references() -> None:
    found = prepare(
        "# T\n\n## Intro {#intro}\n\nSee @fig-dot, [@tbl:a; @tbl-b] and @intro.\n", "ch.md"
    )
    assert found.problems == ()
    assert found.headings[1].label == "intro"
    assert sorted(x.label for x in found.xrefs) == ["fig-dot", "tbl-b", "tbl:a"]


def test_heading_labels_become_ids_and_unnumbered_is_kept() -> None:
    found = prepare("# T\n\n## Intro {#sec:intro}\n\n## FAQ {.unnumbered}\n\n### Q\n", "ch.md")
    assert '## Intro {: #sec-intro data-h="1" }' in found.text  # the tag finds it in the HTML
    assert [(h.level, h.label, h.numbered) for h in found.headings[1:]] == [
        (2, "sec:intro", True),
        (2, None, False),
        (3, None, True),
    ]


def test_unsafe_raw_html_is_refused() -> None:
    found = prepare("# T\n\n<iframe src=x></iframe>\n\n`<script>` in code is fine\n", "ch.md")
    assert [p.location.line for p in found.problems] == [3]


def test_attributes_parse_like_pandoc() -> None:
    attrs = parse_attributes('{#tbl:x .a .b key="two words" k2=bare -}')
    assert attrs.id == "tbl:x"
    assert attrs.classes == ("a", "b", "unnumbered")
    assert attrs.get("key") == "two words" and attrs.get("k2") == "bare"
