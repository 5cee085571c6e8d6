"""Speed of the two backends (transformers, CTranslate2) on models of the real default shapes.

Run from the repository root::

    .venv/bin/python benchmarks/speed.py            # the full table (about 15 minutes on 2 cores)
    .venv/bin/python benchmarks/speed.py --quick    # fewer articles and rows (2.5 minutes)
    .venv/bin/python benchmarks/speed.py --translation-model DIR --summary-model DIR   # real models

The first run also builds the random models and converts them (about 2 minutes more).  On a
busy machine, PyTorch's two OpenMP threads slow down far more than CTranslate2's (10x measured
with other jobs on both cores): ``--threads 1`` then gives steadier ratios.

Models.  Without ``--*-model``, random-weight models of the default models' shapes are built
(once, kept in ``--work``) with ``tests/tiny_models.py``: opus-mt-fr-en (Marian, d_model 512,
6+6 layers, 8 heads, FFN 2048, 59,514 tokens) and barthez-orangesum-abstract (mBART, d_model
768, 6+6 layers, 12 heads, FFN 3072, 50,002 tokens).  Their sentencepiece vocabularies are
small (trained on the repository's text), so the vocabularies are padded with never-seen
pieces up to the real size: every matrix has its real shape.  Random weights never decide to
stop, so output lengths are forced: a large bias on the end token plus ``min_length`` makes
every output exactly ``--translation-tokens`` / ``--summary-tokens`` long (32 and 48; or its
cap if shorter), identically with both backends and any beam size.  A negative bias keeps the
padding and byte pieces out of the outputs, and ``no_repeat_ngram_size`` 1 keeps the random
translations from looping (both would trip the completeness guard into retries).

What is measured, each configuration in its own fresh process (so that imports, thread pools
and peak memory are not shared), all in one run on the same models and inputs:

* corpus: ``seeds/`` plus ``--articles`` generated French articles of mixed length (sentences
  of the repository's French text), both tasks.  ``loop`` is the hand-written baseline: each
  chunk of each article (the product's own chunks) through ``model.generate`` one at a time,
  float32 transformers, the model's own beam setting.  ``ours`` is
  ``summarize.pipeline.Summarizer`` (no cache) with the given backend and dtype; ``default``
  is ``--backend auto --dtype auto``.  Throughput is the loop's output-token count divided by
  each configuration's time (same work; the times include imports and model loading), and the
  ratio is to the loop.  The model inputs each made are shown: more than the loop's are the
  guard's retries, fewer are duplicate chunks the pipeline computes once.
* translation micro-benchmarks like the issue's baseline: 64-token inputs, 64 output tokens
  forced, greedy, one input at a time and batches of 32 (and a larger int8 batch), through the
  engines the product uses.  The large-batch CTranslate2 int8 rows are timed several times, in
  rounds that alternate between layouts, and show the median with the range (this machine's
  load varies by +-15 % from minute to minute).  ``% bound`` compares the arithmetic done with
  two peaks: the issue's (``--peak-fp32``, ``--peak-int8`` per core, times ``--threads``; the
  defaults are the issue's measurements on its 2-core Zen 4) and this machine's, measured in the
  same run as the best large GEMM torch reaches with the same threads (float32 ``mm``, int8
  ``_int_mm``).  The two differ by 2-4x from one CPU to another (a Zen 5 or an AMX core does
  twice a Zen 4's int8 work per cycle), so both are printed: 2 FLOPs per weight touched,
  i.e. per output token the decoder's linear layers and output projection, plus per input
  token the encoder's linear layers and the cross-attention keys/values, plus the attention
  products (2 x d_model per attended position per layer), divided by the output tokens.
* first result for one short article in a fresh process (both tasks, so both models load),
  from process start to the first record, and the process's peak RSS at that point.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

# The default models' shapes (their config.json), and the sizes of their vocabularies.
SHAPES: dict[str, dict[str, int]] = {
    "translation": {"vocab": 59514, "d_model": 512, "layers": 6, "heads": 8, "ffn": 2048, "positions": 512},
    "summary": {"vocab": 50002, "d_model": 768, "layers": 6, "heads": 12, "ffn": 3072, "positions": 1024},
}
BIAS = 100.0  # logit bias that decides the end token (and keeps padding pieces out)
# Random weights loop on a few tokens, which the completeness guard would flag and retry:
# forbidding any repeated token keeps the random translations varied (a repetition penalty
# does not: the favourite token wins anyway).
NO_REPEAT_NGRAM = 1
RESULT = "RESULT "
SHORT_ARTICLE = (
    "La mairie a présenté mardi un nouveau plan pour les transports en commun. "
    "Les travaux commenceront au printemps et dureront deux ans, selon l'adjoint chargé "
    "de la mobilité. Les associations d'usagers saluent un projet attendu depuis longtemps."
)


# -- models ------------------------------------------------------------------------------------
def build_models(
    work: Path, beams: int, translation_tokens: int, summary_tokens: int, given: dict[str, str | None]
) -> dict[str, str]:
    """The models to measure: those given, else real-shaped random ones (built once, reused)."""
    key = f"b{beams}-t{translation_tokens}-s{summary_tokens}-v3"
    out = {}
    for task, name, build, tokens in (
        ("translation", "marian", _build_marian, translation_tokens),
        ("summary", "barthez", _build_barthez, summary_tokens),
    ):
        folder = given.get(task)
        if folder is None:
            path = work / f"{name}-{key}"
            if not (path / "config.json").is_file():
                build(path, beams, tokens)
            folder = str(path)
        out[task] = folder
    return out


def _force_lengths(net: Any, suppressed: list[int], eos: int) -> None:
    """Bias the output layer: the end token wins as soon as min_length allows, ``suppressed`` never."""
    import torch

    with torch.no_grad():
        bias = net.final_logits_bias
        bias.zero_()
        bias[..., suppressed] = -BIAS
        bias[..., eos] = BIAS


def _unwanted(pieces: list[str], size: int) -> list[int]:
    """Ids a random model should not write: byte pieces (they decode to stray bytes) and padding."""
    byte_pieces = [i for i, p in enumerate(pieces) if re.fullmatch(r"<0x[0-9A-F]{2}>", p)]
    return byte_pieces + list(range(len(pieces), size))


def _tiny_shape(shape: dict[str, int]) -> dict[str, int]:
    """tests/tiny_models.py's arguments for a real shape (a small vocabulary, padded later)."""
    return {
        "vocab_size": 8000,
        "d_model": shape["d_model"],
        "layers": shape["layers"],
        "ffn": shape["ffn"],
        "heads": shape["heads"],
        "max_positions": shape["positions"],
    }


def _build_marian(out: Path, beams: int, tokens: int) -> None:
    import tiny_models
    from transformers import MarianMTModel

    shape = SHAPES["translation"]
    tmp = out.with_name(out.name + ".tmp")
    tiny_models.build_marian(tmp, **_tiny_shape(shape))
    vocab = json.loads((tmp / "vocab.json").read_text(encoding="utf-8"))
    real = len(vocab)
    net = MarianMTModel.from_pretrained(tmp)
    net.resize_token_embeddings(shape["vocab"])
    # opus-mt-fr-en: scaled embeddings, swish; the embedding rows past the real pieces are padding.
    net.config.update({"scale_embedding": True, "activation_function": "swish", "vocab_size": shape["vocab"]})
    pieces = sorted(vocab, key=vocab.__getitem__)
    _force_lengths(net, _unwanted(pieces, shape["vocab"]), net.config.eos_token_id)
    net.save_pretrained(tmp)
    vocab.update({f"<unused_{i}>": i for i in range(real, shape["vocab"])})
    (tmp / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    (tmp / "generation_config.json").unlink(missing_ok=True)
    config = json.loads((tmp / "config.json").read_text(encoding="utf-8"))
    # Like opus-mt's config.json (settings transformers 5 ignores and summarize carries over),
    # plus min_length: the forced output length (transformers counts the start token).
    config.update(
        num_beams=beams,
        max_length=512,
        bad_words_ids=[[config["pad_token_id"]]],
        min_length=tokens + 1,
        no_repeat_ngram_size=NO_REPEAT_NGRAM,
    )
    (tmp / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    tmp.rename(out)


def _build_barthez(out: Path, beams: int, tokens: int) -> None:
    import tiny_models
    from transformers import GenerationConfig, MBartForConditionalGeneration

    shape = SHAPES["summary"]
    tmp = out.with_name(out.name + ".tmp")
    tiny_models.build_barthez(tmp, **_tiny_shape(shape))
    tokenizer = json.loads((tmp / "tokenizer.json").read_text(encoding="utf-8"))
    pieces = tokenizer["model"]["vocab"]
    net = MBartForConditionalGeneration.from_pretrained(tmp)
    net.resize_token_embeddings(shape["vocab"])
    _force_lengths(net, _unwanted([p for p, _ in pieces], shape["vocab"]), net.config.eos_token_id)
    net.config.vocab_size = shape["vocab"]
    net.generation_config = GenerationConfig(
        **{
            **net.generation_config.to_diff_dict(),
            "num_beams": beams,
            "min_length": tokens + 1,
            "max_length": max(96, tokens + 16),
        }
    )
    net.save_pretrained(tmp)
    # Pad the unigram vocabulary with pieces no text produces; <mask> stays the last id.
    pieces += [[f"<unused_{i}>", -100.0] for i in range(len(pieces), shape["vocab"] - 1)]
    for added in tokenizer["added_tokens"]:
        if added["content"] == "<mask>":
            added["id"] = shape["vocab"] - 1
    (tmp / "tokenizer.json").write_text(json.dumps(tokenizer, ensure_ascii=False), encoding="utf-8")
    tmp.rename(out)


def parameters(folder: Path) -> dict[str, int]:
    """Shape of a model from its config.json (Marian/BART/mBART names)."""
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    return {
        "d": int(config["d_model"]),
        "ffn": int(config["decoder_ffn_dim"]),
        "enc": int(config["encoder_layers"]),
        "dec": int(config["decoder_layers"]),
        "vocab": int(config["vocab_size"]),
    }


def flops_per_output_token(folder: Path, source: int, target: int) -> float:
    """Arithmetic per output token of one (source, target) pair, as the module docstring says."""
    p = parameters(folder)
    d, ffn = p["d"], p["ffn"]
    encoder = source * (p["enc"] * (4 * d * d + 2 * d * ffn + 2 * d * source) + p["dec"] * 2 * d * d)
    decoder = target * (p["dec"] * (6 * d * d + 2 * d * ffn + 2 * d * (target / 2 + source)) + d * p["vocab"])
    return 2.0 * (encoder + decoder) / target


# -- corpus ------------------------------------------------------------------------------------
# Generated articles cycle through these kinds: (share out of 25, sentences from, to).  Briefs
# (one or two translation chunks), ordinary stories (a few paragraphs) and long features (over
# the summariser's 1,024 tokens: two summary chunks, then a reduce round).
ARTICLE_KINDS = ((16, 2, 3), (7, 4, 8), (2, 40, 46))


def make_corpus(count: int, *, seeds: bool = True, long: bool = True, seed: int = 0) -> list[dict[str, str]]:
    """``seeds/`` plus ``count`` articles of mixed length built from the repository's French text."""
    import tiny_models

    text = " ".join(tiny_models.corpus_lines())
    sentences = [s for s in re.split(r"(?<=[.!?»])\s+(?=[A-ZÀ-Ý«])", text) if 20 <= len(s) <= 400]
    rng = random.Random(seed)
    kinds = ARTICLE_KINDS if long else ARTICLE_KINDS[:-1]
    schedule = [kind for share, *kind in kinds for _ in range(share)]
    rng.shuffle(schedule)
    files = sorted((REPO / "seeds").glob("*.txt")) if seeds else []
    articles = [{"id": p.name, "text": p.read_text(encoding="utf-8")} for p in files]
    for index in range(count):
        low, high = schedule[index % len(schedule)]
        n = rng.randint(low, high)
        start = rng.randrange(len(sentences))
        picked = [sentences[(start + k) % len(sentences)] for k in range(n)]
        paragraphs = [" ".join(picked[k : k + 3]) for k in range(0, n, 3)]
        articles.append({"id": f"gen-{index:03d}", "text": "\n\n".join(paragraphs)})
    return articles


def _articles(corpus: list[dict[str, str]]) -> list[Any]:
    from summarize.read import Article

    return [Article(a["id"], a["id"], a["text"]) for a in corpus]


# -- child jobs (each runs in its own process) -------------------------------------------------
def _maxrss_mb() -> float:
    """This process's peak resident memory, in MB.

    Linux keeps ``ru_maxrss`` across exec, so a child would report its parent's peak if higher:
    the memory map's own high-water mark (VmHWM) starts afresh at exec.
    """
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _options(job: dict[str, Any]) -> Any:
    """Run options for the product: the two models, French sources (no detection), no cache."""
    from summarize.engines import EngineOptions, pick_backend
    from summarize.models import read_json
    from summarize.options import RunOptions
    from summarize.routing import RoutingConfig

    backend = job["backend"]
    if backend == "auto":
        # What --backend auto picks for these models (both must agree: one engine setting).
        types = [
            str(read_json(Path(job[m]) / "config.json").get("model_type")) for m in ("summary", "translation")
        ]
        picks = {pick_backend("auto", t, "cpu", job["dtype"]) for t in types}
        backend = picks.pop() if len(picks) == 1 else "transformers"
    engine = EngineOptions(
        backend=backend, dtype=job["dtype"], device="cpu", threads=job["threads"], workers=job.get("workers")
    )
    routing = RoutingConfig(summary_model=job["summary"], translation_model=job["translation"])
    # The engine converts into "models_cache" under the working directory, which run_child
    # sets to --work: the same folder as models_dir.
    return RunOptions(
        routing=routing,
        source_lang="fr",
        models_dir=Path(job["models_dir"]),
        offline=True,
        engine=engine,
        cache_dir=None,
    )


def _count_calls(counter: dict[str, int]) -> None:
    """Count the texts the pipeline sends to its engines (retries by the guard included)."""
    import summarize.runner as runner

    load = runner.load_engine

    def counted(model: Any, options: Any) -> Any:
        engine = load(model, options)
        generate = engine.generate

        def generate_counted(texts: Any, settings: Any, caps: Any) -> Any:
            counter["texts"] = counter.get("texts", 0) + len(texts)
            return generate(texts, settings, caps)

        engine.generate = generate_counted
        return engine

    runner.load_engine = counted


def job_ours(job: dict[str, Any]) -> dict[str, Any]:
    """The product on the corpus: Summarizer.process over every article, both tasks."""
    started = time.perf_counter()
    from summarize.pipeline import Summarizer

    counter: dict[str, int] = {}
    _count_calls(counter)
    corpus = json.loads(Path(job["corpus"]).read_text(encoding="utf-8"))
    summarizer = Summarizer(_options(job))
    results = list(summarizer.process(_articles(corpus)))
    seconds = time.perf_counter() - started
    failed = [r.id for r in results if r.status != "ok"]
    warnings = sum(len(r.warnings) for r in results)
    models = results[0].models if results else {}
    return {
        "seconds": seconds,
        "texts": counter.get("texts", 0),
        "failed": failed,
        "warnings": warnings,
        "models": models,
        "maxrss_mb": _maxrss_mb(),
    }


def job_loop(job: dict[str, Any]) -> dict[str, Any]:
    """The hand-written baseline: each chunk alone through model.generate, float32 transformers."""
    started = time.perf_counter()
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer, GenerationConfig

    from summarize.clean import clean_text, normalize_text
    from summarize.generation import Overrides, effective_settings
    from summarize.pipeline import Summarizer
    from summarize.segment import segment

    torch.set_num_threads(job["threads"])
    # The product's runners, only for their chunkers: the loop gets exactly the product's chunks.
    product = Summarizer(_options({**job, "backend": "transformers", "dtype": "float32"}))
    chunkers = {
        "translation": product.runner("translation", job["translation"]),
        "summary": product.runner("summary", job["summary"]),
    }
    models = {}
    for task in ("translation", "summary"):
        folder = job[task]
        net = AutoModelForSeq2SeqLM.from_pretrained(folder).eval()
        settings = effective_settings(Path(folder), task, Overrides())
        models[task] = (AutoTokenizer.from_pretrained(folder), net, settings)
    tokens = {"translation": 0, "summary": 0}
    texts = 0

    def generate(task: str, text: str) -> str:
        nonlocal texts
        tokenizer, net, settings = models[task]
        inputs = tokenizer([settings.prefix + text], return_tensors="pt")
        cap = settings.new_tokens_for(task, inputs["input_ids"].shape[1])
        params = {k: v for k, v in settings.params.items() if k != "max_length"}
        params["min_length"] = min(params.get("min_length", 0), cap)
        with torch.inference_mode():
            out = net.generate(**inputs, generation_config=GenerationConfig(**params, max_new_tokens=cap))
        ids = out[0, 1:].tolist()
        eos = settings.params.get("eos_token_id")
        if eos in ids:
            ids = ids[: ids.index(eos)]
        tokens[task] += len(ids)
        texts += 1
        return str(tokenizer.decode(ids, skip_special_tokens=True))

    corpus = json.loads(Path(job["corpus"]).read_text(encoding="utf-8"))
    for article in corpus:
        paragraphs = segment(clean_text(normalize_text(article["text"])).body)
        for paragraph in paragraphs:  # translated paragraph by paragraph, chunk by chunk
            for chunk in chunkers["translation"].chunks(paragraph.text, "fr"):
                generate("translation", chunk.text)
        french = "".join(p.text + ("\n\n" if p.separator.count("\n") >= 2 else "\n") for p in paragraphs)
        pieces = [c.text for c in chunkers["summary"].chunks(french.strip(), "fr")]
        for _ in range(3):  # map, then reduce the joined partial summaries while they are too long
            outs = [generate("summary", text) for text in pieces]
            if len(pieces) == 1:
                break
            pieces = [c.text for c in chunkers["summary"].chunks(" ".join(o for o in outs if o), "fr")]
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "tokens": tokens, "texts": texts, "maxrss_mb": _maxrss_mb()}


def _inputs(folder: Path, count: int, length: int) -> list[str]:
    """``count`` different French texts of ``length`` tokens (or a token or two less)."""
    import tiny_models

    from summarize.tokens import LightTokenizer

    tokenizer = LightTokenizer(folder)
    words = " ".join(tiny_models.corpus_lines()).split()
    texts, start = [], 0
    while len(texts) < count:
        end = start + 1
        while end < len(words) and tokenizer.count(" ".join(words[start : end + 1])) <= length:
            end += 1
        texts.append(" ".join(words[start:end]))
        start = end % (len(words) - 200)
    return texts


def job_micro(job: dict[str, Any]) -> dict[str, Any]:
    """Translation engine alone: fixed input/output lengths, greedy (or ``beams``), one batch size."""
    import dataclasses

    from summarize.engines import EngineOptions, load_engine
    from summarize.generation import Overrides, effective_settings
    from summarize.models import ModelRef, resolve

    folder = Path(job["translation"])
    model = resolve(ModelRef(str(folder)), Path(job["models_dir"]), offline=True)
    options = EngineOptions(
        backend=job["backend"],
        dtype=job["dtype"],
        device="cpu",
        threads=job["threads"],
        workers=job.get("workers"),
        models_dir=Path(job["models_dir"]),
    )
    engine = load_engine(model, options)
    settings = effective_settings(folder, "translation", Overrides(num_beams=job.get("beams", 1)))
    out_tokens = job["out_tokens"]
    # min_length counts the start token; the cap leaves room for the forced end token.
    settings = dataclasses.replace(settings, params={**settings.params, "min_length": out_tokens + 1})
    batch = job["batch"]
    texts = _inputs(folder, batch * job["batches"], job["in_tokens"])
    engine.generate(texts[:batch], settings, [out_tokens + 1] * batch)  # warm-up
    produced = out_tokens * batch * job["batches"]
    passes = []
    # Several timed passes over the same batches: the parent reports their median.
    for _ in range(job.get("passes", 1)):
        started = time.perf_counter()
        for index in range(job["batches"]):
            engine.generate(texts[index * batch : (index + 1) * batch], settings, [out_tokens + 1] * batch)
        passes.append(produced / (time.perf_counter() - started))
    return {
        "passes": passes,
        "description": getattr(engine, "description", {}),
        "maxrss_mb": _maxrss_mb(),
    }


def job_first(job: dict[str, Any]) -> dict[str, Any]:
    """One short article, both tasks: print the first record's arrival as soon as it exists."""
    from summarize.pipeline import Summarizer
    from summarize.read import Article

    summarizer = Summarizer(_options(job))
    for result in summarizer.process([Article("short", "short", SHORT_ARTICLE)]):
        print(
            "FIRST",
            json.dumps({"status": result.status, "maxrss_mb": _maxrss_mb(), "torch": "torch" in sys.modules}),
            flush=True,
        )
    return {"maxrss_mb": _maxrss_mb()}


def job_peaks(job: dict[str, Any]) -> dict[str, Any]:
    """This machine's large-GEMM throughput through torch (oneDNN/MKL), for context only."""
    import torch

    torch.set_num_threads(job["threads"])
    size = 2048
    ops = 2.0 * size**3
    a, b = torch.randn(size, size), torch.randn(size, size)
    cases = {
        "float32": (a, b, torch.mm),
        "bfloat16": (a.bfloat16(), b.bfloat16(), torch.mm),
        "int8": (
            torch.randint(-100, 100, (size, size), dtype=torch.int8),
            torch.randint(-100, 100, (size, size), dtype=torch.int8),
            torch._int_mm,
        ),
    }
    out = {}
    for name, (x, y, fn) in cases.items():
        fn(x, y)
        best = float("inf")
        for _ in range(5):
            started = time.perf_counter()
            fn(x, y)
            best = min(best, time.perf_counter() - started)
        out[name] = ops / best
    return out


def child(spec: str) -> None:
    import warnings

    warnings.simplefilter("ignore")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    jobs: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
        "prepare": job_prepare,
        "ours": job_ours,
        "loop": job_loop,
        "micro": job_micro,
        "first": job_first,
        "peaks": job_peaks,
    }
    job = json.loads(spec)
    # Settings read once when a library loads (OMP_WAIT_POLICY), before the job imports it.
    os.environ.update(job.get("environ", {}))
    print(RESULT + json.dumps(jobs[job["job"]](job)), flush=True)


# -- parent ------------------------------------------------------------------------------------
def run_child(
    job: dict[str, Any], timeout: float = 1800, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run ``job`` in a fresh interpreter (with ``env`` added to this one's environment); its
    result, the wall time as seen from here, and in "output" what else it printed (the
    libraries' own logs, such as MKL_VERBOSE's)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", json.dumps(job)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=job["work"],
        env={**os.environ, **env} if env else None,
    )
    first_at = None
    result: dict[str, Any] = {}
    output: list[str] = []
    assert proc.stdout is not None
    for line in _lines(proc.stdout):
        if line.startswith("FIRST ") and first_at is None:
            first_at = time.perf_counter() - started
            result["first"] = json.loads(line[6:])
        elif line.startswith(RESULT):
            result.update(json.loads(line[len(RESULT) :]))
        else:
            output.append(line)
    result["output"] = "".join(output)
    _, err = proc.communicate(timeout=timeout)
    if proc.returncode != 0:
        raise SystemExit(f"job {job['job']} failed:\n{err[-3000:]}")
    result["wall"] = time.perf_counter() - started
    if first_at is not None:
        result["first_at"] = first_at
    return result


def prepare_default(work: Path) -> dict[str, Any]:
    """The random models of the default shapes, built and converted once in ``work``."""
    return run_child(
        {
            "job": "prepare",
            "work": str(work),
            "models_dir": str(work / "models_cache"),
            "beams": 4,
            "translation_tokens": 32,
            "summary_tokens": 48,
        }
    )


def _lines(stream: Any) -> Iterator[str]:
    yield from iter(stream.readline, "")


def job_prepare(job: dict[str, Any]) -> dict[str, Any]:
    """Build the random models (unless given) and convert both for CTranslate2, as ``models pull``
    will (float32 and int8 weights: each compute type loads its own).  In a child process, so
    that the parent never holds torch and the models in memory while it measures."""
    from summarize.engines.ct2 import converted_for
    from summarize.models import ModelRef, resolve

    work = Path(job["work"])
    models = build_models(
        work,
        job["beams"],
        job["translation_tokens"],
        job["summary_tokens"],
        {k: job.get(k) for k in ("translation", "summary")},
    )
    models_dir = Path(job["models_dir"])
    started = time.perf_counter()
    for folder in models.values():
        model = resolve(ModelRef(folder), models_dir, offline=True)
        for dtype in ("float32", "int8"):
            converted_for(model, models_dir, dtype)
    return {**models, "converted_s": time.perf_counter() - started}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer articles and rows (about 3 minutes)")
    parser.add_argument(
        "--more",
        action="store_true",
        help="also run the corpus with transformers float32 and int8 batched (slow)",
    )
    parser.add_argument("--translation-model", type=Path, help="a real model folder instead of a random one")
    parser.add_argument("--summary-model", type=Path, help="a real model folder instead of a random one")
    parser.add_argument(
        "--work",
        type=Path,
        default=Path(tempfile.gettempdir()) / "summarize-speed",
        help="where models, conversions and the corpus are kept between runs",
    )
    parser.add_argument("--articles", type=int, help="generated articles (default 50, quick 8)")
    parser.add_argument("--beams", type=int, default=4, help="the random models' own num_beams")
    parser.add_argument("--translation-tokens", type=int, default=32, help="forced output tokens per chunk")
    parser.add_argument("--summary-tokens", type=int, default=48, help="forced output tokens per chunk")
    parser.add_argument("--threads", type=int, help="CPU threads (default: the cores this process may use)")
    # This machine's measured peaks (the figures for 2 cores), per core.
    parser.add_argument("--peak-fp32", type=float, default=173e9 / 2, help="float32 FLOP/s per core")
    parser.add_argument("--peak-int8", type=float, default=670e9 / 2, help="int8 OP/s per core")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return

    from summarize.engines.hf import usable_threads

    threads = usable_threads(args.threads)
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    print(
        f"# summarize speed benchmark ({'quick' if args.quick else 'full'}): {threads} threads, "
        f"load average before {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    models_dir = work / "models_cache"
    given = {
        k: str(v.resolve()) if v else None
        for k, v in (("translation", args.translation_model), ("summary", args.summary_model))
    }
    prepared = run_child(
        {
            "job": "prepare",
            "work": str(work),
            "models_dir": str(models_dir),
            "beams": args.beams,
            "translation_tokens": args.translation_tokens,
            "summary_tokens": args.summary_tokens,
            **given,
        }
    )
    models = {k: Path(prepared[k]) for k in ("translation", "summary")}
    print(
        f"models: {models['translation']}, {models['summary']}; CTranslate2 conversion "
        f"{prepared['converted_s']:.1f} s (0 when already converted)",
        flush=True,
    )
    count = args.articles if args.articles is not None else (6 if args.quick else 50)
    # Quick: a smoke run of the same measurements on briefs and short stories only.
    corpus = make_corpus(count, seeds=not args.quick, long=not args.quick)
    corpus_file = work / f"corpus-{count}{'-quick' if args.quick else ''}.json"
    corpus_file.write_text(json.dumps(corpus, ensure_ascii=False), encoding="utf-8")
    base = {
        "translation": str(models["translation"]),
        "summary": str(models["summary"]),
        "models_dir": str(models_dir),
        "threads": threads,
        "corpus": str(corpus_file),
        "work": str(work),
    }
    rows: list[tuple[str, ...]] = []

    def row(name: str, tok_s: float, ratio: str, bound: str, rss: float) -> None:
        rows.append((name, f"{tok_s:,.0f}", ratio, bound, f"{rss:,.0f}"))
        print(f"  {name}: {tok_s:,.0f} tok/s, {ratio}, {bound or '-'}, peak RSS {rss:,.0f} MB", flush=True)

    # 1. The corpus: the hand-written loop, then the product.
    words = sum(len(a["text"].split()) for a in corpus)
    print(
        f"corpus: {len(corpus)} articles, {words:,} words (load average {os.getloadavg()[0]:.2f})", flush=True
    )
    loop = run_child({**base, "job": "loop"})
    loop_tokens = sum(loop["tokens"].values())
    row(
        f"corpus, hand-written loop: transformers float32, one chunk at a time, {args.beams} beams; "
        f"{loop['texts']} model inputs; {loop['seconds']:.0f} s",
        loop_tokens / loop["seconds"],
        "1.0x",
        "",
        loop["maxrss_mb"],
    )
    configs = [("auto", "auto"), ("ctranslate2", "float32")]
    if args.more:
        configs += [("transformers", "float32"), ("transformers", "int8")]
    for backend, dtype in configs:
        ours = run_child({**base, "job": "ours", "backend": backend, "dtype": dtype})
        used = {
            t: f"{m.get('backend')} {m.get('compute_type') or m.get('dtype')}"
            for t, m in ours["models"].items()
        }
        label = "default: --backend auto --dtype auto" if backend == "auto" else f"{backend} {dtype}"
        # More texts than the loop: the guard's retries; fewer: duplicate chunks computed once.
        note = f"; {ours['texts']} model inputs, the loop {loop['texts']}; {ours['seconds']:.0f} s"
        row(
            f"corpus, Summarizer {label} ({used.get('translation')} / {used.get('summary')}){note}",
            loop_tokens / ours["seconds"],
            f"{loop['seconds'] / ours['seconds']:.1f}x",
            "",
            ours["maxrss_mb"],
        )
        if ours["failed"]:
            print(f"  failed articles: {ours['failed']}")

    # 2. Translation engine micro-benchmarks (64-token inputs, 64 output tokens, greedy).
    flops = flops_per_output_token(models["translation"], 64, 64)
    single = 3 if args.quick else 8
    # The large-batch CTranslate2 int8 rows carry the "% of compute bound" target:
    # each runs several timed passes, in rounds that alternate between the layouts, so that a
    # burst of load on the machine does not decide the comparison.  Their figure is the median.
    rounds, passes = (2, 2) if args.quick else (4, 3)
    # (backend, dtype, batch, batches, workers, rounds, passes).  CTranslate2 rows: the
    # product's layout (workers None: one per thread, a batch split between them) and, for
    # batch 32, one worker using every thread inside one batch.
    micro: list[tuple[str, str, int, int, int | None, int, int]] = [
        ("transformers", "float32", 1, single, None, 1, 1),
        ("ctranslate2", "float32", 1, single, None, 1, 1),
        ("ctranslate2", "int8", 1, single, None, 1, 1),
        ("ctranslate2", "int8", 32, 2 if args.quick else 4, 1, rounds, passes),
        ("ctranslate2", "int8", 32, 2 if args.quick else 4, None, rounds, passes),
        ("ctranslate2", "int8", 128, 1 if args.quick else 2, None, rounds, passes),
    ]
    if not args.quick:
        micro += [
            ("transformers", "int8", 1, single, None, 1, 1),
            ("transformers", "float32", 32, 2, None, 1, 1),
            ("transformers", "int8", 32, 2, None, 1, 1),
            ("ctranslate2", "float32", 32, 2, None, 1, 1),
        ]
    # This machine's own bound, measured before the rows that are compared with it.
    measured = run_child({**base, "job": "peaks"})
    samples: dict[int, list[float]] = {i: [] for i in range(len(micro))}
    rss: dict[int, float] = {}
    isa: dict[int, str] = {}
    for turn in range(max(spec[5] for spec in micro)):
        for index, (backend, dtype, batch, batches, workers, row_rounds, row_passes) in enumerate(micro):
            if turn >= row_rounds:
                continue
            result = run_child(
                {
                    **base,
                    "job": "micro",
                    "backend": backend,
                    "dtype": dtype,
                    "batch": batch,
                    "batches": batches,
                    "passes": row_passes,
                    "in_tokens": 64,
                    "out_tokens": 64,
                    "workers": workers,
                }
            )
            samples[index] += result["passes"]
            rss[index] = max(rss.get(index, 0.0), result["maxrss_mb"])
            isa[index] = result["description"].get("cpu_isa", "")
    baseline = statistics.median(samples[0])
    for index, (backend, dtype, batch, _, workers, _, _) in enumerate(micro):
        tok_s = statistics.median(samples[index])
        low, high = min(samples[index]), max(samples[index])
        peak = (args.peak_int8 if dtype == "int8" else args.peak_fp32) * threads
        here = measured["int8" if dtype == "int8" else "float32"]
        layout = spread = ""
        if backend == "ctranslate2":
            count = workers or threads
            layout = (
                f", {count} worker{'s' if count > 1 else ''} x {max(1, threads // count)} thread(s), "
                f"{isa[index]} kernels"
            )
        if len(samples[index]) > 1:
            spread = (
                f", median of {len(samples[index])} timed passes ({low:,.0f}-{high:,.0f} tok/s, "
                f"{100 * low * flops / peak:.0f}-{100 * high * flops / peak:.0f}%)"
            )
        row(
            f"translation engine: {backend} {dtype}, batch {batch}{layout}, greedy, 64 -> 64 tokens{spread}",
            tok_s,
            f"{tok_s / baseline:.1f}x",
            f"{100 * tok_s * flops / peak:.0f}% of {peak / 1e9:.0f} G/s (issue); "
            f"{100 * tok_s * flops / here:.0f}% of {here / 1e9:,.0f} G/s (measured here)",
            rss[index],
        )

    # 3. First result for one short article in a fresh process; peak RSS with both models loaded.
    first: dict[str, float] = {}
    first_rss: dict[str, float] = {}
    for backend, dtype in (("transformers", "float32"), ("ctranslate2", "int8")):
        runs = [
            run_child({**base, "job": "first", "backend": backend, "dtype": dtype})
            for _ in range(1 if args.quick else 2)
        ]
        best = min(runs, key=lambda r: r["first_at"])
        first[backend] = best["first_at"]
        first_rss[backend] = best["first"]["maxrss_mb"]
        rows.append(
            (
                f"first result of one short article, fresh process: {backend} {dtype} "
                f"(torch imported: {best['first']['torch']})",
                f"{best['first_at']:.2f} s",
                "",
                "",
                f"{best['first']['maxrss_mb']:,.0f}",
            )
        )
        print(
            f"  first result, {backend} {dtype}: {[round(r['first_at'], 2) for r in runs]} s, "
            f"peak RSS {best['first']['maxrss_mb']:,.0f} MB",
            flush=True,
        )

    print()
    print(
        "| configuration | output tok/s | vs loop (corpus) / vs batch-1 transformers (engine) "
        "| % of compute bound | peak RSS MB |"
    )
    print("|---|---|---|---|---|")
    for cells in rows:
        print("| " + " | ".join(cells) + " |")
    print()
    print(
        f"first result: CTranslate2 int8 {first['transformers'] / first['ctranslate2']:.1f}x faster than "
        f"transformers float32; peak RSS with both models: CTranslate2 int8 "
        f"{100 * first_rss['ctranslate2'] / first_rss['transformers']:.0f}% of transformers float32"
    )
    print(
        f"% of compute bound: 'issue' uses --peak-fp32/--peak-int8 (the issue's figures for its "
        f"machine); 'measured here' is this machine's best {threads}-thread GEMM through torch: "
        + ", ".join(f"{name} {measured[name] / 1e9:,.0f} G/s" for name in ("float32", "bfloat16", "int8"))
    )
    print(
        f"arithmetic per output token (translation, 64 -> 64): {flops / 1e6:.0f} MFLOP; "
        f"loop output tokens: {loop['tokens']}; load average after {os.getloadavg()[0]:.2f}; "
        f"total {time.perf_counter() - began:.0f} s"
    )


if __name__ == "__main__":
    main()
