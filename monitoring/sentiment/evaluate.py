"""Accuracy and macro-F1 of ``score`` on labelled posts, per language.

    python -m monitoring.sentiment.evaluate             # the evaluation set (tests/data/sentiment)
    python -m monitoring.sentiment.evaluate --tuning    # the tuning texts (data/tune_*.csv)
    python -m monitoring.sentiment.evaluate --holdout   # held-out batches (data/holdout_*.csv)
    python -m monitoring.sentiment.evaluate --errors    # also list the misclassified posts

The evaluation set is only measured, never tuned on: lexicon changes and the Chinese
neutral band are checked against the tuning texts in ``data/``, written separately, and the
English model is trained on ``data/train_en.csv`` and ``data/tune_en.csv``. The held-out
batches are written before a round of training and only measured, like the evaluation set.
"""

import argparse
import csv
from dataclasses import dataclass
from pathlib import Path

from ..choices import SentimentLabel
from .scoring import score

LABELS = [label.value for label in SentimentLabel]
EVALUATION_DIR = Path(__file__).resolve().parents[2] / "tests" / "data" / "sentiment"
TUNING_DIR = Path(__file__).parent / "data"
SETS = {"en": "en", "zh-Hant": "zh_hant", "zh-Hans": "zh_hans"}


@dataclass(frozen=True)
class Report:
    language: str
    size: int
    accuracy: float
    macro_f1: float
    f1: dict[str, float]
    confusion: dict[str, dict[str, int]]  # true label → predicted label → count
    errors: list[tuple[str, str, str, float]]  # text, true, predicted, score


def read_labelled(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [(row["text"], row["label"]) for row in csv.DictReader(handle)]


def evaluate(rows: list[tuple[str, str]], language: str) -> Report:
    confusion = {true: dict.fromkeys(LABELS, 0) for true in LABELS}
    errors = []
    for text, true in rows:
        sentiment = score(text, language)
        confusion[true][sentiment.label] += 1
        if sentiment.label != true:
            errors.append((text, true, sentiment.label, sentiment.score))
    f1 = {}
    for label in LABELS:
        hits = confusion[label][label]
        predicted = sum(confusion[true][label] for true in LABELS)
        actual = sum(confusion[label].values())
        precision = hits / predicted if predicted else 0.0
        recall = hits / actual if actual else 0.0
        f1[label] = 2 * precision * recall / (precision + recall) if hits else 0.0
    correct = sum(confusion[label][label] for label in LABELS)
    return Report(language, len(rows), correct / len(rows) if rows else 0.0,
                  sum(f1.values()) / len(LABELS), f1, confusion, errors)


def evaluation_set(language: str) -> list[tuple[str, str]]:
    return read_labelled(EVALUATION_DIR / f"eval_{SETS[language]}.csv")


def tuning_set(language: str) -> list[tuple[str, str]]:
    return read_labelled(TUNING_DIR / f"tune_{SETS[language]}.csv")


def holdout_set(language: str) -> list[tuple[str, str]]:
    path = TUNING_DIR / f"holdout_{SETS[language]}.csv"
    return read_labelled(path) if path.exists() else []


def print_report(report: Report, *, errors: bool = False) -> None:
    print(f"{report.language}: {report.size} posts, accuracy {report.accuracy:.3f}, "
          f"macro-F1 {report.macro_f1:.3f} "
          f"(F1 {', '.join(f'{label} {value:.3f}' for label, value in report.f1.items())})")
    print("  true \\ predicted  " + "".join(f"{label:>10}" for label in LABELS))
    for true in LABELS:
        print(f"  {true:<17}" + "".join(f"{report.confusion[true][p]:>10}" for p in LABELS))
    if errors:
        for text, true, predicted, value in report.errors:
            print(f"    {true[:3]}→{predicted[:3]} {value:+.2f}  {text}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tuning", action="store_true", help="measure the tuning texts")
    parser.add_argument("--holdout", action="store_true", help="measure the held-out batches")
    parser.add_argument("--errors", action="store_true", help="list misclassified posts")
    parser.add_argument("--language", choices=list(SETS), action="append")
    args = parser.parse_args(argv)
    for language in args.language or SETS:
        if args.holdout:
            rows = holdout_set(language)
            if not rows:
                continue
        else:
            rows = tuning_set(language) if args.tuning else evaluation_set(language)
        print_report(evaluate(rows, language), errors=args.errors)


if __name__ == "__main__":
    main()
