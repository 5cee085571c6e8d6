"""Chunking: every chunk fits (by the model's own tokenizer), nothing lost, repeated or reordered."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarize.chunk import ChunkSettings, make_chunks
from summarize.reassemble import reassemble
from summarize.segment import segment
from summarize.tokens import LightTokenizer


def _hf_count(folder: Path):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(folder)
    return lambda text: len(tok(text)["input_ids"])


def _squash(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("family", ["marian", "t5", "barthez"])
@pytest.mark.parametrize(("budget", "target", "cross"), [(128, 128, True), (128, 64, False), (24, 24, False)])
def test_chunks_fit_and_cover_the_seed(
    tiny: dict[str, Path], seed_text: str, family: str, budget: int, target: int, cross: bool
) -> None:
    counter = LightTokenizer(tiny[family]).count
    hf_count = _hf_count(tiny[family])
    chunks = make_chunks(segment(seed_text, "fr"), counter, ChunkSettings(budget, target, cross))
    assert all(hf_count(c.text) <= budget for c in chunks)
    assert all(c.tokens == hf_count(c.text) for c in chunks)
    # Every sentence, in order, exactly once.
    assert _squash("".join(c.text for c in chunks)) == _squash(seed_text)
    sentences = [s.text for p in segment(seed_text, "fr") for s in p.sentences]
    joined = " ".join(c.text for c in chunks)
    position = 0
    for sentence in sentences:
        found = joined.find(sentence, position)
        assert found >= position, sentence
        position = found + len(sentence)


def test_seed_needs_several_chunks_at_128(tiny: dict[str, Path], seed_text: str) -> None:
    chunks = make_chunks(
        segment(seed_text), LightTokenizer(tiny["marian"]).count, ChunkSettings(128, 128, True)
    )
    assert len(chunks) > 1


def test_translation_chunks_never_cross_paragraphs(tiny: dict[str, Path], seed_text: str) -> None:
    paragraphs = segment(seed_text)
    chunks = make_chunks(paragraphs, LightTokenizer(tiny["marian"]).count, ChunkSettings(128, 64, False))
    for chunk in chunks:
        para = paragraphs[chunk.paragraph]
        assert para.start <= chunk.start and chunk.end <= para.end


def test_a_sentence_longer_than_the_budget_is_split_not_cut(tiny: dict[str, Path]) -> None:
    count = LightTokenizer(tiny["marian"]).count
    sentence = (
        "La commission, réunie à Bruxelles depuis lundi, a examiné les propositions des États membres; "
        "elle a ensuite entendu les représentants des régions, des syndicats et des entreprises, "
        "puis elle a publié un rapport de plus de deux cents pages sur la coopération spatiale."
    )
    chunks = make_chunks(segment(sentence), count, ChunkSettings(20, 20, False))
    assert len(chunks) > 2
    assert all(count(c.text) <= 20 for c in chunks)
    assert _squash("".join(c.text for c in chunks)) == _squash(sentence)
    # Clause boundaries are used first: most pieces end at punctuation or a word.
    assert all(c.joiner in (" ", "\n") or c is chunks[-1] for c in chunks)


def test_no_spaces_no_stops_still_fits(tiny: dict[str, Path]) -> None:
    count = LightTokenizer(tiny["marian"]).count
    text = "abcdéfghij" * 20_000  # 200,000 characters, no space, no full stop
    chunks = make_chunks(segment(text), count, ChunkSettings(64, 64, False))
    assert all(c.tokens <= 64 for c in chunks)
    assert "".join(c.text for c in chunks) == text
    assert reassemble(chunks, [c.text for c in chunks]) == text


def test_prefix_is_counted(tiny: dict[str, Path], seed_text: str) -> None:
    count = LightTokenizer(tiny["t5"]).count
    chunks = make_chunks(segment(seed_text), count, ChunkSettings(64, 64, True), prefix="summarize: ")
    assert all(count("summarize: " + c.text) <= 64 for c in chunks)


def test_reassemble_keeps_paragraphs(tiny: dict[str, Path]) -> None:
    text = "Premier paragraphe. Deux phrases.\n\nDeuxième paragraphe.\nUne ligne à part."
    chunks = make_chunks(segment(text), LightTokenizer(tiny["marian"]).count, ChunkSettings(64, 8, False))
    assert reassemble(chunks, [c.text for c in chunks]) == text
