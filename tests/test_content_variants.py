"""Every printed variant of a topic is cited, reachable and complete; `leaflets check` proves it."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import write_po

from conftest import DATA, DEMO, add_demo_topic, run
from leaflets.content.topics import available_topics, load_topic, parse_topic
from leaflets.content.variants import printed_variants
from leaflets.errors import ContentError
from leaflets.i18n import languages

SOURCE = (DATA / f"{DEMO}.yaml").read_text(encoding="utf-8")


def _parse(text: str) -> object:
    return parse_topic(text.encode(), "demo.yaml")


def _line(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_each_variant_numbers_its_own_references() -> None:
    variants = dict(printed_variants(parse_topic(SOURCE.encode(), "demo.yaml")))
    assert set(variants) == {"results_scale=bi-rads", "results_scale=uk-5-point"}
    keys = {name: [r.key for _, r in v.numbered_references()] for name, v in variants.items()}
    assert keys == {
        "results_scale=bi-rads": ["common", "birads"],
        "results_scale=uk-5-point": ["common", "ukscale"],
    }


def test_a_topic_without_only_for_has_one_variant() -> None:
    text = SOURCE.replace("      - only_for: {results_scale: uk-5-point}\n", "      -\n")
    text = text.replace("      - only_for: {results_scale: bi-rads}\n", "      -\n")
    [(name, _)] = printed_variants(parse_topic(text.encode(), "demo.yaml"))
    assert name == ""


def test_block_that_no_brand_prints_is_an_error_with_its_line() -> None:
    text = SOURCE.replace(
        "  - heading: Your result\n",
        "  - heading: Your result\n    only_for: {results_scale: bi-rads}\n",
    )
    with pytest.raises(ContentError) as info:
        _parse(text)
    message = info.value.message
    line = _line(text, "only_for: {results_scale: uk-5-point}")
    assert f"demo.yaml:{line}: no brand prints this block" in message
    # Its citation can never be printed either.
    assert "reference 'ukscale' is cited only in text that no brand prints" in message


def test_variant_citing_no_reference_is_an_error() -> None:
    text = SOURCE.replace(" [@common]", "").replace(" [@birads]", "")
    text = text.replace("  - key: birads\n    citation: BI-RADS source. 2024.\n", "")
    text = text.replace("  - key: common\n    citation: Common source. 2024.\n", "")
    with pytest.raises(ContentError) as info:
        _parse(text)
    assert "the leaflet for results_scale=bi-rads cites no reference" in info.value.message
    assert "uk-5-point cites no reference" not in info.value.message


def test_same_heading_is_allowed_in_different_variants_only() -> None:
    section = (
        "  - heading: Your scale\n    only_for: {results_scale: SCALE}\n"
        "    blocks:\n      - paragraph: Text [@common].\n"
    )
    both = section.replace("SCALE", "bi-rads") + section.replace("SCALE", "uk-5-point")
    _parse(SOURCE.replace("\nquestions:", f"\n{both}questions:"))  # never printed together
    twice = section.replace("    only_for: {results_scale: SCALE}\n", "") * 2
    text = SOURCE.replace("\nquestions:", f"\n{twice}questions:")
    with pytest.raises(ContentError) as info:
        _parse(text)
    assert "heading 'Your scale' is used twice" in info.value.message


def test_check_proves_each_variant_cited_and_complete(project: Path) -> None:
    add_demo_topic(project)
    result = run("check")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    output = result.output  # type: ignore[attr-defined]
    for scale in ("bi-rads", "uk-5-point"):
        assert (
            f"results_scale={scale}: 2 reference(s), every citation defined; "
            "complete in 11 language(s)"
        ) in output
        assert f"en/{DEMO} (results_scale={scale}): Flesch-Kincaid grade" in output
    # A topic with one variant is graded under its plain name.
    plain = next(
        t for t in available_topics() if [n for n, _ in printed_variants(load_topic(t))] == [""]
    )
    assert f"en/{plain}: Flesch-Kincaid grade" in output and "(limit 7.0)" in output


def test_check_names_the_variant_a_language_cannot_print(project: Path) -> None:
    add_demo_topic(project)
    po = languages.po_path("es")
    catalog = languages.read_catalog(po)
    catalog.delete("Usually a biopsy")  # a cell of the UK table only
    with po.open("wb") as fh:
        write_po(fh, catalog)
    result = run("check")
    assert result.exit_code == 1  # type: ignore[attr-defined]
    output = result.output  # type: ignore[attr-defined]
    assert f"es/{DEMO} (results_scale=uk-5-point): 1 string(s) not ready" in output
    assert "bi-rads): 1 string(s) not ready" not in output
    assert (
        "results_scale=uk-5-point: 2 reference(s), every citation defined; complete in 10" in output
    )
