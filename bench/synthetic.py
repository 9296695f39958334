"""A synthetic corpus for the scaling row: N copies of two topics, built in every language.

Run by bench.py in a process of its own (`python bench/synthetic.py N OUT`), so that its
workers fork from a small process. The copies name no related topics (those ids do not
exist in the corpus). Prints how many leaflets were built and how many failed.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from leaflets.build import batch
from leaflets.build.matrix import Job
from leaflets.content import topics
from leaflets.i18n import languages

SOURCES = ("breast", "prostate")


def write_corpus(folder: Path, count: int) -> None:
    """``count`` topic files t000.yaml... alternating between the two sources."""
    texts = {name: (topics.TOPICS_DIR / f"{name}.yaml").read_text() for name in SOURCES}
    for n in range(count):
        source = SOURCES[n % 2]
        text = re.sub(r"(?m)^related: .*$", "related: []", texts[source], count=1)
        (folder / f"t{n:03d}.yaml").write_text(text.replace(f"id: {source}", f"id: t{n:03d}", 1))


def main() -> None:
    count, out = int(sys.argv[1]), Path(sys.argv[2])
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp)
        write_corpus(corpus, count)
        topics.TOPICS_DIR = corpus  # this process only
        jobs = [
            Job(topic, lang)
            for lang in languages.available_languages()
            for topic in topics.available_topics()
        ]
        settings = batch.Settings(out, workers=2, force=True)
        outcomes = batch.run_batch(jobs, settings, lambda outcome: None)
    failed = sum(outcome.status == "failed" for outcome in outcomes)
    print(len(jobs), failed)


if __name__ == "__main__":
    main()
