"""Chunking: every chunk fits (by the model's own tokenizer), nothing lost, repeated or reordered."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarize.chunk import SENTENCE_LIMIT_FACTOR, ChunkSettings, make_chunks
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


# Long sentences with no full stop: one sentence each for the segmenter, far over the 64-token
# translation target. opus-mt drops content from inputs that long, so they must reach the model
# in pieces of at most twice the target (a clause, else a run of words, else characters).
_CLAUSES = (
    "la commission européenne réunie à Bruxelles depuis lundi a examiné les propositions des États membres",
    "elle a ensuite entendu les représentants des régions des syndicats et des entreprises",
    "puis elle a publié un rapport de plus de deux cents pages sur la coopération spatiale",
    "que les ministres étudieront lors de leur prochaine réunion à Luxembourg au mois de juin",
)


def _run_on(separator: str, size: int = 5_000) -> str:
    clauses: list[str] = []
    while len(separator.join(clauses)) < size:
        clauses.append(_CLAUSES[len(clauses) % len(_CLAUSES)])
    return separator.join(clauses)


_LONG_SENTENCES = {
    "french-commas": _run_on(", "),
    "french-no-commas": _run_on(" "),
    "cjk-no-spaces": "欧洲委员会审查了成员国关于空间合作和地区融资的提案" * 200,
    "one-word-repeated": " ".join(["commission"] * 20_000),
}


# Summary chunk counts of each input, computed with the chunker before translation chunks were
# cut down to the target: summary chunking (target == budget) must not change.
@pytest.mark.parametrize(
    ("name", "family", "prefix", "summary_chunks"),
    [
        ("french-commas", "marian", "", 4),
        ("french-no-commas", "marian", "", 4),
        ("cjk-no-spaces", "marian", "", 32),
        ("one-word-repeated", "marian", "", 256),
        ("french-commas", "t5", "translate French to English: ", 5),
    ],
)
def test_a_run_on_sentence_is_cut_for_translation(
    tiny: dict[str, Path], name: str, family: str, prefix: str, summary_chunks: int
) -> None:
    text = _LONG_SENTENCES[name]
    paragraphs = segment(text, "fr")
    assert [len(p.sentences) for p in paragraphs] == [1]  # one run-on sentence, as intended
    count = LightTokenizer(tiny[family]).count
    hf_count = _hf_count(tiny[family])
    budget, target = 512, 64

    chunks = make_chunks(paragraphs, count, ChunkSettings(budget, target, False), prefix=prefix)
    assert len(chunks) > 1
    assert all(c.tokens == hf_count(prefix + c.text) for c in chunks)
    assert max(c.tokens for c in chunks) <= SENTENCE_LIMIT_FACTOR * target
    _assert_exact_cover(text, chunks)

    summary = make_chunks(paragraphs, count, ChunkSettings(budget, budget, True), prefix=prefix)
    assert all(c.tokens == hf_count(prefix + c.text) <= budget for c in summary)
    assert len(summary) == summary_chunks
    _assert_exact_cover(text, summary)


def _assert_exact_cover(text: str, chunks: list) -> None:
    """Nothing lost, repeated or reordered: offsets tile the text and reassembly gives it back
    (text written without spaces gets one at each cut: the outputs there are English words)."""
    spaced = " " in text
    rebuilt = reassemble(chunks, [c.text for c in chunks])
    assert rebuilt == text if spaced else rebuilt == " ".join(c.text for c in chunks)
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
    for before, after in zip(chunks, chunks[1:]):
        assert before.end <= after.start
        assert text[before.end : after.start] == ("" if before.joiner == "" or not spaced else " ")


def test_an_ordinary_long_sentence_stays_whole_for_translation(tiny: dict[str, Path]) -> None:
    sentence = ", ".join(_CLAUSES[:2]) + "."  # one sentence, over the target, under twice it
    count = LightTokenizer(tiny["marian"]).count
    assert 64 < count(sentence) <= 128
    (chunk,) = make_chunks(segment(sentence, "fr"), count, ChunkSettings(512, 64, False))
    assert chunk.text == sentence


def test_a_lone_character_over_a_tiny_target_is_kept_whole(tiny: dict[str, Path]) -> None:
    """A target too small for one character (with the prefix) does not make a fitting text fail."""
    count = LightTokenizer(tiny["t5"]).count
    prefix = "translate French to English: "
    text = "abcdéfghij" * 3
    chunks = make_chunks(segment(text), count, ChunkSettings(64, count(prefix), False), prefix=prefix)
    assert reassemble(chunks, [c.text for c in chunks]) == text
    assert all(c.tokens <= 64 for c in chunks)


def test_a_lone_carriage_return_is_a_line_break(tiny: dict[str, Path]) -> None:
    """Old Mac files end lines with \\r alone: their paragraphs must not run together."""
    text = "Ligne un.\rLigne deux.\r\rParagraphe trois.\r\nFin."
    paragraphs = segment(text)
    assert [p.text for p in paragraphs] == ["Ligne un.", "Ligne deux.", "Paragraphe trois.", "Fin."]
    chunks = make_chunks(paragraphs, LightTokenizer(tiny["marian"]).count, ChunkSettings(64, 8, False))
    assert reassemble(chunks, [c.text for c in chunks]) == "Ligne un.\nLigne deux.\n\nParagraphe trois.\nFin."


def test_sentences_written_without_a_space_are_not_given_one(tiny: dict[str, Path]) -> None:
    """Chinese puts no space after 。: a chunk of several sentences must not gain one."""
    text = "今天天气很好。我们去公园吧！你来吗？好的。"
    paragraphs = segment(text, "zh")
    assert len(paragraphs[0].sentences) == 4
    (chunk,) = make_chunks(paragraphs, LightTokenizer(tiny["marian"]).count, ChunkSettings(128, 128, True))
    assert chunk.text == text


def test_a_long_chinese_sentence_is_cut_after_its_commas(tiny: dict[str, Path]) -> None:
    """Chinese writes no space after ， or 、: those are its clause boundaries, not the middle
    of a word (as in 布鲁|塞尔, Brussels, cut in two)."""
    text = (
        "欧洲委员会昨天在布鲁塞尔审查了成员国关于空间合作的提案，随后听取了各地区、工会和企业"
        "代表的意见，并发表了一份长达两百页的报告，部长们将在六月的下次会议上研究该报告。"
    )
    count = LightTokenizer(tiny["marian"]).count
    chunks = make_chunks(segment(text, "zh"), count, ChunkSettings(512, 24, False))
    assert sum(c.text.endswith(("，", "、")) for c in chunks) >= 4
    assert "".join(c.text for c in chunks) == text


def test_outputs_of_text_written_without_spaces_are_joined_with_one(tiny: dict[str, Path]) -> None:
    """A cut in Chinese falls between words: the English outputs of its sides need a space
    ("the proposals" + "of the member states"), where a cut inside a Latin word needs none."""
    count = LightTokenizer(tiny["marian"]).count
    chinese = "欧洲委员会审查了成员国关于空间合作和地区融资的提案" * 4
    chunks = make_chunks(segment(chinese, "zh"), count, ChunkSettings(512, 16, False))
    assert len(chunks) > 1 and all(c.joiner == " " for c in chunks[:-1])
    assert "".join(c.text for c in chunks) == chinese
    latin = "abcdéfghij" * 40
    chunks = make_chunks(segment(latin, "fr"), count, ChunkSettings(512, 16, False))
    assert len(chunks) > 1 and all(c.joiner == "" for c in chunks[:-1])


def test_a_long_arabic_sentence_is_cut_after_its_commas(tiny: dict[str, Path]) -> None:
    """The Arabic comma ، and semicolon ؛ are clause boundaries, preferred to any space."""
    text = (
        "قال الرئيس إن الحكومة ستبدأ العمل غدا، وإن الوزراء سيجتمعون في الصباح؛ "
        "ثم غادر القاعة دون أن يجيب على أسئلة الصحفيين الذين انتظروه طويلا"
    )
    count = LightTokenizer(tiny["marian"]).count
    chunks = make_chunks(segment(text, "ar"), count, ChunkSettings(512, 16, False))
    assert {c.text[-1] for c in chunks} >= {"،", "؛"}
    assert reassemble(chunks, [c.text for c in chunks]) == text


# Phrases of Thai news prose: Thai ends none with a mark, and puts a space between them.
_THAI_PHRASES = [
    "กรุงเทพมหานครประกาศแผนพัฒนาระบบขนส่งสาธารณะฉบับใหม่เมื่อวันจันทร์ที่ผ่านมา",
    "โครงการนี้มีเป้าหมายเพื่อลดปัญหาการจราจรติดขัดในเขตเมืองชั้นใน",
    "ผู้ว่าราชการกรุงเทพมหานครกล่าวว่าจะมีการเพิ่มเส้นทางรถประจำทางอีกสามสิบสาย",
    "นอกจากนี้ยังมีแผนขยายทางจักรยานให้ครอบคลุมทุกเขต",
    "ประชาชนจำนวนมากแสดงความเห็นด้วยกับนโยบายดังกล่าว",
    "แต่บางส่วนกังวลเรื่องงบประมาณที่ต้องใช้",
    "นักวิชาการด้านผังเมืองเห็นว่าการลงทุนครั้งนี้คุ้มค่าในระยะยาว",
    "เพราะจะช่วยลดมลพิษทางอากาศได้อย่างมีนัยสำคัญ",
]


def test_a_long_thai_paragraph_is_packed_phrase_by_phrase(tiny: dict[str, Path]) -> None:
    """Thai phrases are packed like sentences: a translation chunk stays within its target
    (one paragraph-long "sentence" cut at its middle spaces made chunks of up to twice it).
    The tiny tokenizer knows no Thai, hence the large target: a phrase is 119 to 227 tokens."""
    text = " ".join(_THAI_PHRASES * 3)
    count = LightTokenizer(tiny["marian"]).count
    chunks = make_chunks(segment(text, "th"), count, ChunkSettings(1024, 256, False))
    assert len(chunks) > 1 and all(c.tokens <= 256 for c in chunks)
    assert all(set(c.text.split(" ")) <= set(_THAI_PHRASES) for c in chunks)  # cut at spaces only
    _assert_exact_cover(text, chunks)
    # Summary chunks fill up: each is cut only where the next phrase would not fit (cut at
    # middle spaces, some were a third full).
    summary = make_chunks(segment(text, "th"), count, ChunkSettings(512, 512, True))
    longest = max(count(phrase) for phrase in _THAI_PHRASES)
    assert all(c.tokens + longest > 512 for c in summary[:-1])
    _assert_exact_cover(text, summary)
