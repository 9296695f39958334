"""Topic loading: strict validation with file and line, citations, and the English text itself."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import run
from leaflets.content.models import CITATION_RE
from leaflets.content.topics import available_topics, load_topic, parse_topic
from leaflets.errors import ContentError

VALID = """\
id: demo
title: Demo
summary: A short summary [@a].
content_date: 2026-01-01
next_review: 2027-01-01
sections:
  - heading: First
    blocks:
      - paragraph: Some text [@b; @a].
      - bullets:
          - One
      - callout: Careful.
questions:
  - Ask?
contact_doctor:
  - Call.
references:
  - key: a
    citation: Source A.
  - key: b
    citation: Source B.
    url: https://example.org/b
code: TS-TEST-01
version: 1
"""


def test_valid_topic_loads_and_numbers_citations_in_order_of_first_use() -> None:
    topic = parse_topic(VALID.encode(), "demo.yaml")
    assert topic.citation_numbers() == {"a": 1, "b": 2}
    assert [(n, r.key) for n, r in topic.numbered_references()] == [(1, "a"), (2, "b")]


@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        (("title: Demo", "title: Demo\ncolour: red"), 3, "unknown key"),
        (("title: Demo", "title: 12"), 2, "title"),
        (("summary: A short summary [@a].\n", ""), 1, "summary: required key is missing"),
        (("Some text [@b; @a]", "Some text [@b; @zz]"), 9, "cites [@zz]"),
        (
            ("references:\n", "references:\n  - key: c\n    citation: C.\n"),
            18,
            "'c' is never cited",
        ),
        (
            ("      - callout: Careful.", "      - callout: Careful.\n        paragraph: x"),
            12,
            "exactly one of",
        ),
        (("next_review: 2027-01-01", "next_review: 2025-01-01"), 5, "after content_date"),
        (("title: Demo", "title: Demo\ntitle: Again"), 3, "duplicate key 'title'"),
        (("  - Ask?", "  - Ask? [@Not a key]"), 14, "malformed citation"),
        (("    blocks:\n", "    blocks: [\n"), 9, "YAML syntax error"),
        (("url: https://example.org/b", "url: file:///etc/passwd"), 22, "url"),
    ],
)
def test_bad_topic_names_file_and_line(change: tuple[str, str], line: int, words: str) -> None:
    text = VALID.replace(*change, 1)
    assert text != VALID
    with pytest.raises(ContentError) as err:
        parse_topic(text.encode(), "topics/demo.yaml")
    message = err.value.message
    assert f"topics/demo.yaml:{line}:" in message, message
    assert words in message


def test_yaml_aliases_are_refused() -> None:
    text = VALID.replace("  - Ask?", "  - &q Ask?\n  - *q")
    with pytest.raises(ContentError, match=r"demo.yaml:14: this value is re-used by an alias"):
        parse_topic(text.encode(), "demo.yaml")


def test_invalid_utf8_and_oversized_files_are_refused() -> None:
    with pytest.raises(ContentError, match="not valid UTF-8"):
        parse_topic(VALID.encode().replace(b"Demo", b"D\xffmo"), "demo.yaml")
    with pytest.raises(ContentError, match="larger than"):
        parse_topic(VALID.encode() + b"#" * 300_000, "demo.yaml")


def test_topic_id_must_match_file_name(topics_dir) -> None:  # type: ignore[no-untyped-def]
    (topics_dir / "demo.yaml").write_text(VALID.replace("id: demo", "id: other"))
    with pytest.raises(ContentError, match="must match the file name"):
        load_topic("demo")


# --- The English content itself -------------------------------------------------------------

TOPICS = available_topics()


def _sentences(text: str) -> list[str]:
    plain = CITATION_RE.sub("", text)
    return [s for s in re.split(r"(?<=[.?!:])\s+", plain) if s.strip()]


def _all_text(name: str) -> str:
    return " ".join(text for _, text in load_topic(name).texts())


def test_all_seven_topics_exist() -> None:
    assert set(TOPICS) == {
        "breast",
        "breast-arterial",
        "breast-biopsy",
        "breast-follow-up",
        "coronary-calcium",
        "prostate",
        "testicular-microlithiasis",
    }


@pytest.mark.parametrize("name", TOPICS)
def test_sentences_are_short(name: str) -> None:
    for _, text in load_topic(name).texts():
        for sentence in _sentences(text):
            assert len(sentence.split()) < 20, sentence


@pytest.mark.parametrize(
    ("name", "terms"),
    [
        ("breast", ["A mammogram is", "Benign means", "A biopsy means", "A radiologist is"]),
        ("prostate", ["The prostate is", "TRUS (transrectal ultrasound)", "CT scan: a scan"]),
        ("prostate", ["a protein called PSA", "The pelvis is"]),
        ("breast", ["Menopause is", "Stereotactic means", "Vacuum-assisted means"]),
        ("breast", ["DCIS stands for", "A pathologist is", "BI-RADS"]),
        ("breast-biopsy", ["A biopsy means", "Stereotactic means"]),
        ("breast-arterial", ["A mammogram is", "Diabetes means"]),
        ("coronary-calcium", ["A CT scan uses", "A statin is"]),
        ("testicular-microlithiasis", ["Testicular microlithiasis means", "the scrotum"]),
    ],
)
def test_key_terms_are_explained(name: str, terms: list[str]) -> None:
    text = " ".join(_all_text(name).split())
    for term in terms:
        assert term in text


#: The worst of the brief's flagged claims (section 3), as patterns that must never appear.
FLAGGED = {
    "F1/F2 macro as small or irregular": r"macrocalcifications?[^.]*(0\.5|irregular)",
    "F3 typos": r"bacrocalc|microcalici|milke|partiles",
    "F4 breast-cancer risk list": r"heavy breasts|contraceptive|alcohol|BRCA",
    "F5 symptoms": r"calcifications?[^.]*cause[^.]*(lump|discharge)",
    "F6 FNA": r"fine[- ]needle",
    "F7 ultrasound tells benign": r"(ultrasound|MRI)[^.]*(differentiate|tell)[^.]*benign",
    "F10 progesterone": r"progesterone|hormone cream",
    "F11 dermatitis": r"dermatitis",
    "F14 annual screening": r"\bannual|every year",
    "F15 marketing": r"book online|call 1-|\(877\)|newsletter",
    "F16 TRUS non-invasive": r"non-?invasive",
    "F18 MRI helps": r"MRI[^.]*(helps|useful|good)",
    "F19 injuries cause prostate stones": r"injur[^.]*prostate|prostate[^.]*injur",
    "F20 antibiotics as treatment": r"antibiotics (can|will) (treat|help)",
    "F21 ensure": r"\bensures?\b|guarantee",
    "F23 calcification causes or means cancer": r"calcifications? (cause|means?) (prostate )?cancer",
    "F24 anti-inflammatories help": r"(medicines|drugs) that calm swelling (may|can) help",
    "F26 UK 3 means wait": r"UK[^.]*3[^.]*(same as|means|just)[^.]*(wait|6 months)",
    "F27 benign biopsy always needs 6-month": r"benign[^.]*(always|must)[^.]*6[- ]month",
    "F28 DCIS is not cancer or an emergency": r"DCIS (is not|isn't) (a )?cancer|DCIS[^.]*(emergency|needs no treatment)",
    "F29 stop blood thinners": r"stop (taking )?(your )?(aspirin|blood thinner|warfarin)[^.]*before",
    "F30 clip must come out": r"clip[^.]*(must|has to) (come out|be removed)|airport|stops? (you having )?MRI",
    "G: BI-RADS 3 means probably cancer": r"(category|BI-RADS) 3[^.]*probably (have )?cancer",
    "G: follow-up is optional": r"(6-month|follow-up) (mammogram|check)[^.]* optional",
    "G: procedure is painless": r"painless|does not hurt",
    "G: atypia is cancer": r"atypia[^.]* is (a )?cancer",
    "G: BAC is a sign of breast cancer": r"arter[^.]*(sign|cause) of breast cancer",
    "G: BAC proves blocked arteries": r"(proves|means) (that )?your (heart )?arteries are (blocked|narrow)",
    "G: every woman with BAC needs a heart scan": r"(every|all) wom[ae]n[^.]*(heart scan|cardiologist)",
    "G: diet causes calcification": r"(diet|dairy|food)[^.]*(?<!not )\bcauses? (breast |arterial )?calc",
}


@pytest.mark.parametrize("name", TOPICS)
@pytest.mark.parametrize("claim", sorted(FLAGGED))
def test_flagged_claims_never_appear(name: str, claim: str) -> None:
    assert not re.search(FLAGGED[claim], _all_text(name), re.IGNORECASE)


@pytest.mark.parametrize("name", TOPICS)
def test_every_section_paragraph_cites_or_gives_advice(name: str) -> None:
    # A medical statement needs a source; uncited paragraphs may only give advice.
    advice = re.compile(
        r"ask your doctor|tell your doctor|care team|talk to your doctor|see a doctor|by a doctor",
        re.I,
    )
    # Plain definitions of body parts are not medical claims.
    definitions = {"The testicles sit in the scrotum, the bag of skin that holds them."}
    topic = load_topic(name)
    for path, text in topic.texts():
        if path[0] == "sections" and path[-1] in ("paragraph", "callout"):
            assert CITATION_RE.search(text) or advice.search(text) or text in definitions, text


@pytest.mark.parametrize(
    ("related", "words"),
    [
        ("[prostate, nosuch]", "related: no topic 'nosuch'; choose from: {known}"),
        ("[breast]", "related: 'breast' is this topic itself; remove it"),
        ("[prostate, prostate]", "related: 'prostate' is listed twice"),
    ],
)
def test_bad_related_ids_are_errors_with_file_and_line(
    topics_dir: Path, related: str, words: str
) -> None:
    path = topics_dir / "breast.yaml"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^related: .*$", f"related: {related}", text, count=1)
    path.write_text(text, "utf-8")
    line = path.read_text(encoding="utf-8").splitlines().index(f"related: {related}") + 1
    with pytest.raises(ContentError) as info:
        load_topic("breast")
    known = ", ".join(available_topics())
    assert f"{path}:{line}: {words.format(known=known)}" in info.value.message
    # The file on its own still parses: only the set of topics makes the id wrong.
    assert parse_topic(path.read_bytes(), str(path)).related


def test_bad_related_id_fails_check_and_build(topics_dir: Path, tmp_path: Path) -> None:
    path = topics_dir / "prostate.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(?m)^related: .*$", "related: [brest]", text, count=1), "utf-8")
    built = run("build", "-o", str(tmp_path), "-l", "en", "prostate")
    assert built.exit_code == 1  # type: ignore[attr-defined]
    assert f"{path}:" in built.output and "no topic 'brest'" in built.output  # type: ignore[attr-defined]
    assert not list(tmp_path.rglob("*.pdf"))
    checked = run("check")
    assert checked.exit_code == 1  # type: ignore[attr-defined]
    assert "no topic 'brest'" in checked.output  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", available_topics())
def test_libyaml_and_pure_python_loaders_read_a_topic_alike(name: str) -> None:
    """The fast path (libyaml) gives the same nodes, lines and data as the pure-Python loader."""
    from leaflets.content import topics

    text = topics.topic_path(name).read_text(encoding="utf-8")
    fast = topics._compose_fast(text)
    assert fast is not None, "libyaml is installed with PyYAML here"
    slow = topics._compose(text, name)
    assert fast[1] == slow[1]
    fast_lines: dict[tuple[str | int, ...], int] = {}
    slow_lines: dict[tuple[str | int, ...], int] = {}
    assert fast[0] is not None and slow[0] is not None
    topics._walk(fast[0], (), fast_lines, set())
    topics._walk(slow[0], (), slow_lines, set())
    assert fast_lines == slow_lines


def test_a_yaml_error_reads_the_same_with_libyaml_installed() -> None:
    """libyaml gives up on the broken file; the pure-Python loader's message is the one shown."""
    with pytest.raises(ContentError) as caught:
        parse_topic(b"id: x\ntitle: [unclosed\n", "t.yaml")
    # libyaml alone would say "t.yaml:2: ... did not find expected ',' or ']'".
    assert (
        caught.value.message
        == "t.yaml:3: YAML syntax error: expected ',' or ']', but got '<stream end>'"
    )
