"""A topic's printed variants (one per combination of brand settings) and what each must hold."""

from __future__ import annotations

from leaflets.content.models import Block, Section, Topic, all_variant_settings, cited_keys

#: Where a problem is in the topic file, as a key path (``("sections", 2, "blocks", 1)``).
KeyPath = tuple[str | int, ...]


def describe(settings: dict[str, str]) -> str:
    """How findings name a variant: ``results_scale=uk-5-point``."""
    return ", ".join(f"{name}={value}" for name, value in settings.items())


def printed_variants(topic: Topic) -> list[tuple[str, Topic]]:
    """Each distinct variant some brand prints, named by the settings that give it.

    A topic without ``only_for`` has one variant, named ``""``: every brand prints the same.
    """
    found: dict[str, tuple[list[str], Topic]] = {}
    for settings in all_variant_settings():
        variant = topic.variant(settings)
        names, _ = found.setdefault(variant.model_dump_json(), ([], variant))
        names.append(describe(settings))
    if len(found) == 1:
        return [("", next(iter(found.values()))[1])]
    return [(" or ".join(names), variant) for names, variant in found.values()]


def _printed(item: Section | Block, settings: dict[str, str]) -> bool:
    return item.only_for is None or item.only_for.matches(settings)


def variant_problems(topic: Topic) -> list[tuple[KeyPath, str]]:
    """What makes some variant incomplete, or some text unreachable, with where it is.

    Every variant prints at least one section and cites at least one reference, and no two of
    its sections share a heading. Every block is printed by some variant, and a reference
    cited in the file is cited in some variant (otherwise it could never be printed).
    """
    problems: dict[tuple[KeyPath, str], None] = {}
    printed_blocks: set[tuple[int, int]] = set()
    cited_in_a_variant: set[str] = set()
    for settings in all_variant_settings():
        name = describe(settings)
        headings: dict[str, int] = {}
        for s, section in enumerate(topic.sections):
            blocks = [b for b, block in enumerate(section.blocks) if _printed(block, settings)]
            if not _printed(section, settings) or not blocks:
                continue
            printed_blocks.update((s, b) for b in blocks)
            if section.heading in headings:
                where: KeyPath = ("sections", s, "heading")
                problems[where, f"heading {section.heading!r} is used twice"] = None
            headings.setdefault(section.heading, s)
        variant = topic.variant(settings)
        if not variant.sections:
            problems[("sections",), f"no section is printed for {name}"] = None
        if not variant.numbered_references():
            problems[("references",), f"the leaflet for {name} cites no reference"] = None
        cited_in_a_variant.update(variant.citation_numbers())
    for s, section in enumerate(topic.sections):
        for b in range(len(section.blocks)):
            if (s, b) not in printed_blocks:
                problems[
                    ("sections", s, "blocks", b),
                    "no brand prints this block: its only_for contradicts its section's",
                ] = None
    cited_in_file = {key for _, text in topic.texts() for key in cited_keys(text)}
    for i, ref in enumerate(topic.references):
        if ref.key in cited_in_file and ref.key not in cited_in_a_variant:
            problems[
                ("references", i, "key"),
                f"reference {ref.key!r} is cited only in text that no brand prints",
            ] = None
    return list(problems)
