"""Compare language detectors on the project's fixtures: accuracy, speed, load time, install size.

Run from the repository root::

    .venv/bin/python benchmarks/langdetect.py            # every detector (~1 minute)
    .venv/bin/python benchmarks/langdetect.py --quick    # the two default configurations only

Detectors compared, each in a fresh subprocess so that load times and memory are not shared:

* ``py3langid`` (naive Bayes on byte n-grams), restricted to the news languages or with all labels;
* ``lingua`` (lingua-language-detector 2.x), high- or low-accuracy mode, same two candidate sets;
* ``summarize`` — :class:`summarize.lang.LanguageDetector` (py3langid plus the project's policy:
  news candidates, reliability flags, mixed-text check); its accuracy counts the best guess.

Samples come from ``tests/data/lang`` (see its README) plus a ``fragment`` bucket: the first three
words of every sentence, to show how detectors behave below headline length.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data" / "lang"
BUCKETS = ("fragment", "headline", "sentence", "paragraph", "article")

Classifier = Callable[[str], "str | None"]


def load_samples() -> list[tuple[str, str, str]]:
    """(language, bucket, text) for the fixtures, plus derived fragments and joined articles."""
    samples: list[tuple[str, str, str]] = []
    for file in sorted(DATA.glob("??.txt")):
        bucket = ""
        paragraphs: list[str] = []
        for line in file.read_text(encoding="utf-8").splitlines():
            if line.startswith("#"):
                bucket = line[1:].strip()
            elif line.strip():
                samples.append((file.stem, bucket, line))
                if bucket == "sentence":
                    samples.append((file.stem, "fragment", " ".join(line.split()[:3])))
                if bucket == "paragraph":
                    paragraphs.append(line)
        samples.append((file.stem, "article", "\n\n".join(paragraphs)))
    return samples


def _news_languages() -> tuple[str, ...]:
    sys.path.insert(0, str(REPO))
    from summarize.lang import NEWS_LANGUAGES

    return NEWS_LANGUAGES


def build_py3langid(news: bool) -> Classifier:
    """py3langid's own classifier, optionally restricted to the news languages."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    if news:
        identifier.set_languages(list(_news_languages()))
    return lambda text: identifier.classify(text)[0]


def build_lingua(news: bool, high: bool) -> Classifier:
    """lingua's detector; its best language even when it would not commit to one."""
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    if news:
        # lingua has no generic Norwegian: Bokmål stands for it.
        codes = [getattr(IsoCode639_1, ("nb" if c == "no" else c).upper()) for c in _news_languages()]
        builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
    else:
        builder = LanguageDetectorBuilder.from_all_languages()
    if not high:
        builder = builder.with_low_accuracy_mode()
    detector = builder.build()

    def classify(text: str) -> str | None:
        values = detector.compute_language_confidence_values(text)
        if not values or values[0].value == 0.0:
            return None
        code = values[0].language.iso_code_639_1.name.lower()
        return "no" if code in ("nb", "nn") else code

    return classify


def build_summarize() -> Classifier:
    """The project's detector (best guess, reliable or not)."""
    sys.path.insert(0, str(REPO))
    from summarize.lang import LanguageDetector

    detector = LanguageDetector()
    detector.load()
    return lambda text: detector.detect(text).lang


DETECTORS: dict[str, Callable[[], Classifier]] = {
    "py3langid-news": lambda: build_py3langid(news=True),
    "py3langid-all": lambda: build_py3langid(news=False),
    "lingua-high-news": lambda: build_lingua(news=True, high=True),
    "lingua-low-news": lambda: build_lingua(news=True, high=False),
    "lingua-high-all": lambda: build_lingua(news=False, high=True),
    "lingua-low-all": lambda: build_lingua(news=False, high=False),
    "summarize": build_summarize,
}
QUICK = ("py3langid-news", "lingua-high-news", "summarize")


def worker(name: str) -> None:
    """Run one detector over every sample in this (fresh) process and print JSON results."""
    samples = load_samples()
    start = time.perf_counter()
    classify = DETECTORS[name]()
    built = time.perf_counter()
    # The first call pays for lazy model loading (lingua loads language models on demand).
    classify(samples[0][2])
    first = time.perf_counter()
    predictions = []
    per_bucket: dict[str, float] = {}
    for _, bucket, text in samples:
        t0 = time.perf_counter()
        predictions.append(classify(text))
        per_bucket[bucket] = per_bucket.get(bucket, 0.0) + time.perf_counter() - t0
    done = time.perf_counter()
    counts = {b: sum(1 for _, bucket, _ in samples if bucket == b) for b in BUCKETS}
    result = {
        "name": name,
        "build_s": built - start,
        "load_s": first - start,
        "per_call_ms": (done - first) / len(samples) * 1000,
        "per_call_ms_by_bucket": {b: per_bucket[b] / counts[b] * 1000 for b in BUCKETS if counts[b]},
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "predictions": predictions,
    }
    print(json.dumps(result))


def run_worker(name: str) -> dict:
    """Start a fresh interpreter for one detector so that load time and memory are its own."""
    out = subprocess.run(
        [sys.executable, __file__, "--worker", name], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def install_size_mb(*names: str) -> float:
    """Disk usage of site-packages entries (like ``du``), in MiB."""
    import importlib.util

    total = 0
    for name in names:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            continue
        root = Path(next(iter(spec.submodule_search_locations)))
        site = root.parent
        paths = [root, *site.glob(f"{name.replace('-', '_')}*.dist-info")]
        if name == "lingua":
            paths += list(site.glob("lingua_language_detector*.dist-info"))
        for path in paths:
            for dirpath, _, files in os.walk(path):
                for file in files:
                    total += os.lstat(os.path.join(dirpath, file)).st_blocks * 512
    return total / 2**20


def main() -> None:
    """Print the comparison tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="only the default configurations")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return

    samples = load_samples()
    names = QUICK if args.quick else tuple(DETECTORS)
    results = {}
    for name in names:
        print(f"running {name}...", file=sys.stderr, flush=True)
        results[name] = run_worker(name)
    langs = sorted({lang for lang, _, _ in samples})
    buckets = [b for b in BUCKETS if any(bucket == b for _, bucket, _ in samples)]

    def correct(name: str, keep: Callable[[str, str], bool]) -> tuple[int, int]:
        pairs = [
            (lang == pred)
            for (lang, bucket, _), pred in zip(samples, results[name]["predictions"], strict=True)
            if keep(lang, bucket)
        ]
        return sum(pairs), len(pairs)

    def pct(hits: int, total: int) -> str:
        return f"{100 * hits / total:5.1f}%" if total else "    -"

    width = max(len(n) for n in names) + 2
    print(f"\nSamples: {len(samples)} in {len(langs)} languages ({', '.join(langs)})")
    counts = {b: sum(1 for _, bucket, _ in samples if bucket == b) for b in buckets}
    print("Buckets: " + ", ".join(f"{b} ({counts[b]})" for b in buckets))

    print("\nAccuracy by length bucket")
    print(f"{'detector':<{width}}" + "".join(f"{b:>11}" for b in buckets) + f"{'overall':>11}")
    for name in names:
        cells = [pct(*correct(name, lambda _, bucket, b=b: bucket == b)) for b in buckets]
        overall = pct(*correct(name, lambda _, __: True))
        print(f"{name:<{width}}" + "".join(f"{c:>11}" for c in cells) + f"{overall:>11}")

    print("\nAccuracy by language (all buckets)")
    print(f"{'lang':<6}" + "".join(f"{n:>{width}}" for n in names))
    for lang in langs:
        cells = [pct(*correct(name, lambda lg, _, lang=lang: lg == lang)) for name in names]
        print(f"{lang:<6}" + "".join(f"{c:>{width}}" for c in cells))

    left, right = ("py3langid-news", "lingua-high-news")
    if left in results and right in results:
        print(f"\nCorrect per language and bucket, side by side: {left} | {right}")
        print(f"{'lang':<6}" + "".join(f"{b:>15}" for b in buckets))
        for lang in langs:
            cells = []
            for b in buckets:
                a, n = correct(left, lambda lg, bucket, lang=lang, b=b: lg == lang and bucket == b)
                c, _ = correct(right, lambda lg, bucket, lang=lang, b=b: lg == lang and bucket == b)
                cells.append(f"{a}/{n} | {c}/{n}")
            print(f"{lang:<6}" + "".join(f"{cell:>15}" for cell in cells))

    print("\nSpeed and memory (fresh process each)")
    print(
        f"{'detector':<{width}}{'build s':>9}{'load s':>9}{'ms/call':>9}"
        f"{'ms frag':>9}{'ms art.':>9}{'RSS MB':>9}"
    )
    for name in names:
        r = results[name]
        by_bucket = r["per_call_ms_by_bucket"]
        print(
            f"{name:<{width}}{r['build_s']:>9.2f}{r['load_s']:>9.2f}{r['per_call_ms']:>9.2f}"
            f"{by_bucket.get('fragment', 0):>9.2f}{by_bucket.get('article', 0):>9.2f}{r['max_rss_mb']:>9.0f}"
        )
    print("(load s = import + build + first detection, which loads lingua's models lazily)")

    print("\nInstall size (site-packages, du-style)")
    print(f"  lingua-language-detector: {install_size_mb('lingua'):6.1f} MiB")
    print(f"  py3langid:                {install_size_mb('py3langid'):6.1f} MiB (needs numpy)")


if __name__ == "__main__":
    main()
