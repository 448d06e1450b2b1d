"""Sentiment scoring throughput (issue 14: "sentiment scoring per process: mentions/s per
language, target >= 5,000/s").

    .venv/bin/python -m bench.monitoring_sentiment [--mentions 20000] [--joined 1]

Scores the labelled posts shipped with the app (the evaluation set in
tests/data/sentiment and the tuning texts in monitoring/sentiment/data), cycled up to
``--mentions`` per language, in one process, through ``monitoring.sentiment.score_many``
with the language given (as ingestion does when the mention states it) and with the
language detected from the text. ``--joined 3`` joins three posts into one mention (about
100 characters in Chinese, 250 in English) for a longer-text figure. Lexicons and models are
loaded before the clock starts. No database is needed.
"""

import argparse
import itertools
import time

from monitoring.sentiment import detect_language, score, score_many
from monitoring.sentiment.evaluate import SETS, evaluation_set, tuning_set

TARGET_PER_SECOND = 5_000


def corpus(language: str, count: int, joined: int = 1) -> list[str]:
    texts = [text for text, _label in evaluation_set(language) + tuning_set(language)]
    separator = " " if language == "en" else "，"
    posts = itertools.cycle(texts)
    return [separator.join(next(posts) for _ in range(joined)) for _ in range(count)]


def _rate(texts: list[str], language: str) -> tuple[float, float]:
    """Mentions per second of wall-clock time and per second of this process's CPU time
    (the figure that holds when other processes share the machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    score_many(texts, language)
    return (len(texts) / (time.perf_counter() - wall),
            len(texts) / (time.process_time() - cpu))


def run(args: argparse.Namespace) -> dict:
    """Mentions/s per language, with the language given and detected; prints a table."""
    figures = {}
    for language in SETS:
        texts = corpus(language, args.mentions, args.joined)
        score(texts[0], language)  # load lexicons, OpenCC and VADER outside the clock
        detect_language(texts[0])
        given_wall, given_cpu = _rate(texts, language)
        detected_wall, detected_cpu = _rate(texts, "")
        characters = sum(map(len, texts)) / len(texts)
        figures[language] = {
            "characters": round(characters, 1),
            "given_per_cpu_second": round(given_cpu), "given_per_second": round(given_wall),
            "detected_per_cpu_second": round(detected_cpu),
            "detected_per_second": round(detected_wall)}
    print(f"sentiment scoring, one process, {args.mentions:,} mentions per language "
          f"({args.joined} post(s) per mention); target {TARGET_PER_SECOND:,}/s; "
          f"per CPU second (per wall-clock second)")
    print(f"  {'language':<9} {'chars':>6} {'language given':>22} {'language detected':>22}"
          f" {'vs target':>10}")
    for language, row in figures.items():
        ratio = row["detected_per_cpu_second"] / TARGET_PER_SECOND
        given = f"{row['given_per_cpu_second']:,} ({row['given_per_second']:,})"
        detected = f"{row['detected_per_cpu_second']:,} ({row['detected_per_second']:,})"
        print(f"  {language:<9} {row['characters']:>6} {given:>22} {detected:>22}"
              f" {ratio:>9.1f}x")
    return figures


def parser() -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(prog="bench monitoring_sentiment",
                                      description=__doc__.splitlines()[0])
    options.add_argument("--mentions", type=int, default=20_000)
    options.add_argument("--joined", type=int, default=1,
                         help="posts joined into one mention (longer texts)")
    return options


def main(argv: list[str]) -> None:
    run(parser().parse_args(argv))


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
