"""Train the English model (``english_model``) on the training texts and write its weights.

    python -m monitoring.sentiment.train            # train, write data/en_model.tsv
    python -m monitoring.sentiment.train --cv 5     # cross-validated, training texts only

Training texts: ``data/train_en.csv`` (written for the model) and ``data/tune_en.csv`` (the
lexicon's tuning texts). Neither the evaluation set (tests/data/sentiment) nor the
held-out batches (``data/holdout_en*.csv``) are read here: they are only measured, by
``python -m monitoring.sentiment.evaluate``. Needs numpy (installed with matplotlib); the
shipped scorer does not.
"""

import argparse
import random

import numpy as np

from .english_model import BIAS, CLASSES, MODEL, features
from .evaluate import TUNING_DIR, read_labelled

TRAINING_FILES = ("train_en.csv", "tune_en.csv")
L2 = 1.0  # chosen by --cv on the training texts
MIN_DOCUMENTS = 2  # a word or pair seen in fewer training texts is dropped
STEPS = 400


def training_rows() -> list[tuple[str, str]]:
    rows = []
    for name in TRAINING_FILES:
        rows += read_labelled(TUNING_DIR / name)
    return rows


def _vocabulary(featured: list[dict[str, float]]) -> list[str]:
    counts: dict[str, int] = {}
    for found in featured:
        for feature in found:
            counts[feature] = counts.get(feature, 0) + 1
    return sorted(feature for feature, count in counts.items() if count >= MIN_DOCUMENTS)


def _matrix(featured, index):
    rows, columns, values = [], [], []
    for row, found in enumerate(featured):
        for feature, value in found.items():
            column = index.get(feature)
            if column is not None:
                rows.append(row)
                columns.append(column)
                values.append(value)
    return np.array(rows), np.array(columns), np.array(values, dtype=float)


def fit(featured: list[dict[str, float]], labels: list[str], l2: float = L2):
    """Multinomial logistic regression, L2-penalised (not the bias), full-batch Adam.
    Returns (vocabulary, weights (features × 3), bias (3))."""
    vocabulary = _vocabulary(featured)
    index = {feature: number for number, feature in enumerate(vocabulary)}
    rows, columns, values = _matrix(featured, index)
    count = len(featured)
    target = np.zeros((count, 3))
    target[np.arange(count), [CLASSES.index(label) for label in labels]] = 1.0
    weights, bias = np.zeros((len(vocabulary), 3)), np.zeros(3)
    moments = [np.zeros_like(weights), np.zeros_like(weights), np.zeros(3), np.zeros(3)]
    rate, beta1, beta2 = 0.05, 0.9, 0.999
    for step in range(1, STEPS + 1):
        logits = np.tile(bias, (count, 1))
        np.add.at(logits, rows, values[:, None] * weights[columns])
        logits -= logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        error = (probabilities - target) / count
        gradient = np.zeros_like(weights)
        np.add.at(gradient, columns, values[:, None] * error[rows])
        gradient += l2 / count * weights
        bias_gradient = error.sum(axis=0)
        for parameter, grad, first, second in ((weights, gradient, *moments[:2]),
                                               (bias, bias_gradient, *moments[2:])):
            first *= beta1
            first += (1 - beta1) * grad
            second *= beta2
            second += (1 - beta2) * grad * grad
            parameter -= rate * (first / (1 - beta1 ** step)) / (
                np.sqrt(second / (1 - beta2 ** step)) + 1e-8)
    return vocabulary, weights, bias


def predict(model, featured: list[dict[str, float]]) -> np.ndarray:
    vocabulary, weights, bias = model
    index = {feature: number for number, feature in enumerate(vocabulary)}
    rows, columns, values = _matrix(featured, index)
    logits = np.tile(bias, (len(featured), 1))
    np.add.at(logits, rows, values[:, None] * weights[columns])
    logits -= logits.max(axis=1, keepdims=True)
    probabilities = np.exp(logits)
    return probabilities / probabilities.sum(axis=1, keepdims=True)


def macro_f1(true: list[str], predicted: list[str]) -> float:
    total = 0.0
    for label in CLASSES:
        hits = sum(t == p == label for t, p in zip(true, predicted, strict=True))
        guessed = sum(p == label for p in predicted)
        actual = sum(t == label for t in true)
        total += 2 * hits / (guessed + actual) if hits else 0.0
    return total / len(CLASSES)


def label_of(probabilities, band: float) -> str:
    """The label ``scoring`` will give: the score P(pos) − P(neg) against the band."""
    value = probabilities[2] - probabilities[0]
    return "positive" if value > band else "negative" if value < -band else "neutral"


def cross_validate(rows, folds: int, l2_values, bands, seed: int = 14) -> None:
    featured = [features(text) for text, _label in rows]
    labels = [label for _text, label in rows]
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)  # noqa: S311 (folds, not secrets)
    for l2 in l2_values:
        predicted = [None] * len(rows)
        for fold in range(folds):
            test = set(order[fold::folds])
            train = [number for number in order if number not in test]
            model = fit([featured[n] for n in train], [labels[n] for n in train], l2)
            for number, probabilities in zip(sorted(test), predict(
                    model, [featured[n] for n in sorted(test)]), strict=True):
                predicted[number] = probabilities
        by_band = {band: macro_f1(labels, [label_of(p, band) for p in predicted])
                   for band in bands}
        argmax = macro_f1(labels, [CLASSES[int(np.argmax(p))] for p in predicted])
        print(f"L2 {l2:<5} argmax {argmax:.3f}  " + "  ".join(
            f"band {band:.2f}: {value:.3f}" for band, value in by_band.items()))


def write(model) -> None:
    vocabulary, weights, bias = model
    lines = ["# English sentiment model (monitoring/sentiment/english_model.py): feature, then",
             "# weights for negative, neutral, positive. Written by python -m "
             "monitoring.sentiment.train.",
             f"{BIAS}\t" + "\t".join(f"{value:.4f}" for value in bias)]
    for feature, row in zip(vocabulary, weights, strict=True):
        if np.abs(row).max() >= 0.002:
            lines.append(f"{feature}\t" + "\t".join(f"{value:.4f}" for value in row))
    MODEL.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{MODEL.name}: {len(lines) - 3} features")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", type=int, default=0, help="folds; print macro-F1, write nothing")
    parser.add_argument("--l2", type=float, action="append")
    args = parser.parse_args(argv)
    rows = training_rows()
    print(f"{len(rows)} training texts")
    if args.cv:
        cross_validate(rows, args.cv, args.l2 or [L2], [0.1, 0.2, 0.3])
        return
    write(fit([features(text) for text, _label in rows], [label for _text, label in rows],
              (args.l2 or [L2])[0]))


if __name__ == "__main__":
    main()
