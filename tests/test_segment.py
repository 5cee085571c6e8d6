"""Sentence segmentation: the French table, offsets, and the comparison behind the choice."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from summarize.segment import segment, split_sentences

# (text, expected sentences) — the French cases a news splitter must get right.
FRENCH_TABLE = [
    ("M. Ji a parlé hier. Mme Dupont a répondu.", ["M. Ji a parlé hier.", "Mme Dupont a répondu."]),
    ("Le Dr Martin est arrivé. Il a vu M. Durand.", ["Le Dr Martin est arrivé.", "Il a vu M. Durand."]),
    (
        "Le taux est de 3,5 % cette année. Il était de 2,1 % l'an dernier.",
        ["Le taux est de 3,5 % cette année.", "Il était de 2,1 % l'an dernier."],
    ),
    (
        "« Nous sommes prêts », a-t-il déclaré. La réunion a repris.",
        ["« Nous sommes prêts », a-t-il déclaré.", "La réunion a repris."],
    ),
    ("Il hésita... Puis il partit.", ["Il hésita...", "Puis il partit."]),
    (
        "La mission coûte 12 000 €. Elle commence le 17/06 à 16h01.",
        ["La mission coûte 12 000 €.", "Elle commence le 17/06 à 16h01."],
    ),
    ("Voir p. 12 du rapport. La suite est en annexe.", ["Voir p. 12 du rapport.", "La suite est en annexe."]),
    (
        "Selon l'art. 3 de la loi, c'est interdit. Le juge l'a rappelé.",
        ["Selon l'art. 3 de la loi, c'est interdit.", "Le juge l'a rappelé."],
    ),
    ("Quoi ? Vraiment ! Oui.", ["Quoi ?", "Vraiment !", "Oui."]),
    (
        "Le site www.example.fr a fermé. Les utilisateurs sont partis.",
        ["Le site www.example.fr a fermé.", "Les utilisateurs sont partis."],
    ),
    (
        "Mme Lagarde et M. Le Maire se sont vus. Ils ont parlé de la BCE.",
        ["Mme Lagarde et M. Le Maire se sont vus.", "Ils ont parlé de la BCE."],
    ),
    (
        "Il est né en 1985 à Paris. Il vit à Lyon depuis 2010.",
        ["Il est né en 1985 à Paris.", "Il vit à Lyon depuis 2010."],
    ),
    (
        "J. Dupont a signé. Le contrat court jusqu'en 2030.",
        ["J. Dupont a signé.", "Le contrat court jusqu'en 2030."],
    ),
    (
        "Il a acheté des pommes, des poires, etc. et il est rentré.",
        ["Il a acheté des pommes, des poires, etc. et il est rentré."],
    ),
    # "etc." ends a list, and before a capital the sentence too (sentencex never cuts there).
    (
        "Il a acheté des pommes, des poires, etc. Le marché fermait.",
        ["Il a acheté des pommes, des poires, etc.", "Le marché fermait."],
    ),
    (
        "Il a acheté des pommes, etc., puis il est rentré.",
        ["Il a acheté des pommes, etc., puis il est rentré."],
    ),
    # A number after "etc." starts the next sentence, as a capital does (inside the list's own
    # sentence "etc." comes before a comma, a bracket that closes or a lower-case word).
    (
        "Il a acheté des pommes, des poires, etc. 2023 a été une bonne année.",
        ["Il a acheté des pommes, des poires, etc.", "2023 a été une bonne année."],
    ),
    (
        "Ils ont cité Lyon, Lille, etc. 12 communes ont voté contre.",
        ["Ils ont cité Lyon, Lille, etc.", "12 communes ont voté contre."],
    ),
    # Behind an opening quote the word decides as without it; behind an opening bracket only a
    # capital starts a sentence: a lower-case aside or a number (a date, a share) stays.
    (
        "Il a acheté des pommes, des poires, etc. « Le marché fermait », dit-il.",
        ["Il a acheté des pommes, des poires, etc.", "« Le marché fermait », dit-il."],
    ),
    (
        "Il a acheté des pommes, des poires, etc. (Voir plus bas.)",
        ["Il a acheté des pommes, des poires, etc.", "(Voir plus bas.)"],
    ),
    (
        "Il a acheté des pommes, des poires, etc. (voir plus bas). Le marché fermait.",
        ["Il a acheté des pommes, des poires, etc. (voir plus bas).", "Le marché fermait."],
    ),
    (
        "Des études sur le blé, le maïs, etc. (2019) le confirment.",
        ["Des études sur le blé, le maïs, etc. (2019) le confirment."],
    ),
    (
        "Les fruits, les légumes, etc. (12 % des ventes) reculent.",
        ["Les fruits, les légumes, etc. (12 % des ventes) reculent."],
    ),
    # A brand written with a capital inside (iPhone, eBay) starts a sentence: no lower-case word.
    (
        "Apple a présenté son téléphone. iPhone 16 sera vendu en septembre.",
        ["Apple a présenté son téléphone.", "iPhone 16 sera vendu en septembre."],
    ),
    ("Il a tout vendu. eBay a pris sa commission.", ["Il a tout vendu.", "eBay a pris sa commission."]),
    # A closing » stays with its sentence, with or without a space after it.
    ("« Oui. »Puis il est parti.", ["« Oui. »", "Puis il est parti."]),
    ("« Oui. » Puis il est parti.", ["« Oui. »", "Puis il est parti."]),
    ("Il part. « Oui. »Non.", ["Il part.", "« Oui. »", "Non."]),
    ("Il dit « Oui. »Puis il part.", ["Il dit « Oui. »", "Puis il part."]),
    # A bracket closed right after a sentence's end mark ends it when a sentence follows
    # (sentencex never cuts there); one that closes an aside, or an abbreviation, goes on.
    ("(Il l'a dit hier.) Le maire répond.", ["(Il l'a dit hier.)", "Le maire répond."]),
    ("(Pourquoi pas ?) Le maire a ri.", ["(Pourquoi pas ?)", "Le maire a ri."]),
    ("Il a crié (enfin !) « Le maire a ri. »", ["Il a crié (enfin !)", "« Le maire a ri. »"]),
    ("Il part (voir p. 12) et la suite. Fin.", ["Il part (voir p. 12) et la suite.", "Fin."]),
    ("Il a dit (c'est vrai.) que non. Fin.", ["Il a dit (c'est vrai.) que non.", "Fin."]),
    ("Il a vu (M.) Dupont hier. Fin.", ["Il a vu (M.) Dupont hier.", "Fin."]),
]


@pytest.mark.parametrize(("text", "expected"), FRENCH_TABLE)
def test_french_table(text: str, expected: list[str]) -> None:
    assert [text[s:e] for s, e in split_sentences(text, "fr")] == expected


def _score(split) -> int:
    return sum(split(text) == expected for text, expected in FRENCH_TABLE)


def test_ours_beats_the_raw_libraries() -> None:
    """Why sentencex + an abbreviation guard: the raw libraries miss cases of the table."""
    import pysbd
    import sentencex

    seg = pysbd.Segmenter(language="fr", clean=False)
    scores = {
        "ours": _score(lambda t: [t[s:e] for s, e in split_sentences(t, "fr")]),
        "pysbd": _score(lambda t: [s.strip() for s in seg.segment(t)]),
        "sentencex": _score(lambda t: [s.strip() for s in sentencex.segment("fr", t) if s.strip()]),
    }
    assert scores["ours"] == len(FRENCH_TABLE)
    assert scores["pysbd"] < len(FRENCH_TABLE) and scores["sentencex"] < len(FRENCH_TABLE), scores


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Un.",
        "Pas de point final",
        "Ligne un.\nLigne deux.\n\nParagraphe deux.\n",
        "  Indenté.  Deux espaces.  ",
        "«»…!!??",
        "a\n\n\n\nb",
        "中文句子。第二句。",
    ],
)
def test_offsets_cover_the_text(text: str) -> None:
    paragraphs = segment(text, "fr")
    rebuilt = []
    for para in paragraphs:
        assert text[para.start : para.end] == para.text
        for sent in para.sentences:
            assert text[sent.start : sent.end] == sent.text
            assert sent.text == sent.text.strip() and sent.text
        rebuilt.append(" ".join(s.text for s in para.sentences))
    # Nothing but whitespace is left out.
    assert "".join(rebuilt).replace(" ", "") == "".join(text.split())


def test_paragraph_separators_are_kept(seed_text: str) -> None:
    paragraphs = segment(seed_text, "fr")
    assert any(p.separator.count("\n") >= 2 for p in paragraphs)  # the seed has a blank line
    assert paragraphs[1].sentences[0].text.startswith("La Chine va étendre")
    ji = [s.text for p in paragraphs for s in p.sentences if "Selon M. Ji" in s.text]
    assert ji and ji[0].startswith("Selon M. Ji, l'espace")


# (language, text, expected sentences): every script the detector may name. The pipeline
# splits a paragraph in its own detected language (a translation unit's ``lang``).
SCRIPTS_TABLE = [
    (
        "zh",
        "今天天气很好。我们去公园吧！你来吗？好的。",
        ["今天天气很好。", "我们去公园吧！", "你来吗？", "好的。"],
    ),
    ("zh", "他说：“我们明天出发。”然后他走了。", ["他说：“我们明天出发。”", "然后他走了。"]),
    ("zh", "真的吗……我不知道。好吧！", ["真的吗……我不知道。", "好吧！"]),
    (
        "ja",
        "今日は晴れです。公園に行きましょう！来ますか？",
        ["今日は晴れです。", "公園に行きましょう！", "来ますか？"],
    ),
    # A quotation followed by と言った ("he said") is one sentence.
    (
        "ja",
        "彼は「明日行く。」と言った。それから帰った。",
        ["彼は「明日行く。」と言った。", "それから帰った。"],
    ),
    (
        "hi",
        "यह पहला वाक्य है। यह दूसरा वाक्य है। क्या यह तीसरा है?",
        ["यह पहला वाक्य है।", "यह दूसरा वाक्य है।", "क्या यह तीसरा है?"],
    ),
    ("hi", "राम घर गया॥ सीता वन गई।", ["राम घर गया॥", "सीता वन गई।"]),
    ("ar", "هل أنت بخير؟ نعم، أنا بخير. شكرا لك.", ["هل أنت بخير؟", "نعم، أنا بخير.", "شكرا لك."]),
    ("ur", "یہ پہلا جملہ ہے۔ یہ دوسرا جملہ ہے۔", ["یہ پہلا جملہ ہے۔", "یہ دوسرا جملہ ہے۔"]),
    ("he", 'ד"ר כהן הגיע. מה קרה? כלום.', ['ד"ר כהן הגיע.', "מה קרה?", "כלום."]),
    # Thai and Lao write no full stop: a space between two of their words ends a phrase or a
    # sentence (sentencex has no rules for them), but not one after the repetition mark ๆ; a
    # full stop after a Thai letter is an abbreviation's (พ.ศ., ก.ค., ดร.). Khmer ends with ។.
    ("th", "วันนี้อากาศดีมาก เราไปสวนสาธารณะกันเถอะ", ["วันนี้อากาศดีมาก", "เราไปสวนสาธารณะกันเถอะ"]),
    ("th", "ฝนตกหนักมากๆ ทั้งวัน ถนนหลายสายน้ำท่วม", ["ฝนตกหนักมากๆ ทั้งวัน", "ถนนหลายสายน้ำท่วม"]),
    ("th", "เมื่อวันที่ 5 ก.ค. 2567 ครม. มีมติ", ["เมื่อวันที่ 5 ก.ค. 2567 ครม. มีมติ"]),
    ("th", "ดร. สมชายกล่าว", ["ดร. สมชายกล่าว"]),
    ("lo", "ມື້ນີ້ອາກາດດີຫຼາຍ ພວກເຮົາໄປສວນກັນເທາະ", ["ມື້ນີ້ອາກາດດີຫຼາຍ", "ພວກເຮົາໄປສວນກັນເທາະ"]),
    ("lo", "ຫຼາຍໆ ຄົນມາຮ່ວມງານ ພວກເຮົາດີໃຈ", ["ຫຼາຍໆ ຄົນມາຮ່ວມງານ", "ພວກເຮົາດີໃຈ"]),
    ("km", "ខ្ញុំទៅផ្សារ។ គាត់នៅផ្ទះ។", ["ខ្ញុំទៅផ្សារ។", "គាត់នៅផ្ទះ។"]),
    ("el", "Τι κάνεις; Είμαι καλά. Ευχαριστώ!", ["Τι κάνεις;", "Είμαι καλά.", "Ευχαριστώ!"]),
    ("el", "Ο κ. Παπαδόπουλος ήρθε. Τι έγινε;", ["Ο κ. Παπαδόπουλος ήρθε.", "Τι έγινε;"]),
    ("es", "¿Cómo estás? ¡Muy bien! Gracias.", ["¿Cómo estás?", "¡Muy bien!", "Gracias."]),
    ("es", "El Sr. García llegó. La Sra. López tardó.", ["El Sr. García llegó.", "La Sra. López tardó."]),
    (
        "de",
        "Das ist z. B. ein Test. Dr. Müller kommt morgen. Er bringt u. a. Kuchen.",
        ["Das ist z. B. ein Test.", "Dr. Müller kommt morgen.", "Er bringt u. a. Kuchen."],
    ),
    (
        "de",
        "Am 3. Oktober ist Feiertag. Das ist bekannt.",
        ["Am 3. Oktober ist Feiertag.", "Das ist bekannt."],
    ),
    (
        "en",
        "The U.S. economy grew. Mr. Smith said so. He lives in the U.S. Then he left.",
        ["The U.S. economy grew.", "Mr. Smith said so.", "He lives in the U.S.", "Then he left."],
    ),
    (
        "en",
        "Dr. Smith met Prof. Jones at 3 p.m. yesterday. They talked.",
        ["Dr. Smith met Prof. Jones at 3 p.m. yesterday.", "They talked."],
    ),
    # sentencex cuts after "т. е." and "др." (no Russian list): a lower-case word goes on.
    (
        "ru",
        "Он приехал в 5 ч. утра, т. е. рано. Потом ушёл.",
        ["Он приехал в 5 ч. утра, т. е. рано.", "Потом ушёл."],
    ),
    ("ru", "Проф. Иванов и др. ученые пришли. Конец.", ["Проф. Иванов и др. ученые пришли.", "Конец."]),
    # Georgian letters are lower case, but its sentences have no capital to start with.
    ("ka", "ეს პირველი წინადადებაა. ეს მეორეა.", ["ეს პირველი წინადადებაა.", "ეს მეორეა."]),
    # sentencex leaves an opening quote glued to the next word at the end of the sentence before.
    ("en", "He left. “Yes. She stayed.", ["He left.", "“Yes.", "She stayed."]),
    ("ar", "غادر. “نعم.", ["غادر.", "“نعم."]),
    ("en", 'He left. "Yes. She stayed.', ["He left.", '"Yes.', "She stayed."]),
    # ...but a closing quote glued to the next sentence stays with its own.
    ("en", "“Yes.”Then he left.", ["“Yes.”", "Then he left."]),
    ("en", '"Yes."Then he left.', ['"Yes."', "Then he left."]),
    ("de", "„Ja.“Dann ging er.", ["„Ja.“", "Dann ging er."]),
    # A word with a capital inside is no lower-case word going on (a Russian "т. е. рано" is).
    (
        "en",
        "Apple updated its phones. iOS 18 came out. mRNA vaccines work.",
        ["Apple updated its phones.", "iOS 18 came out.", "mRNA vaccines work."],
    ),
    # A list's end ("etc.", "usw.", "и т. д.") before a capital ends the sentence.
    (
        "es",
        "Compró manzanas, peras, etc. El mercado cerró.",
        ["Compró manzanas, peras, etc.", "El mercado cerró."],
    ),
    ("de", "Er kaufte Äpfel, Birnen usw. Dann ging er.", ["Er kaufte Äpfel, Birnen usw.", "Dann ging er."]),
    ("ru", "Купил яблоки, груши и т. д. Потом ушёл.", ["Купил яблоки, груши и т. д.", "Потом ушёл."]),
    # Before a number too; behind a bracket, a lower-case aside stays in the sentence.
    (
        "de",
        "Er kaufte Äpfel, Birnen usw. 2023 war ein gutes Jahr.",
        ["Er kaufte Äpfel, Birnen usw.", "2023 war ein gutes Jahr."],
    ),
    (
        "ru",
        "Купил яблоки, груши и т. д. 12 городов против.",
        ["Купил яблоки, груши и т. д.", "12 городов против."],
    ),
    (
        "it",
        "Ha comprato mele, pere ecc. 12 comuni hanno votato.",
        ["Ha comprato mele, pere ecc.", "12 comuni hanno votato."],
    ),
    ("en", "He bought apples, pears, etc. (see below).", ["He bought apples, pears, etc. (see below)."]),
    ("en", "(He said so.) The mayor replied.", ["(He said so.)", "The mayor replied."]),
    ("de", "[Er kam spät.] Dann ging er.", ["[Er kam spät.]", "Dann ging er."]),
    # Italian "ecc." likewise (sentencex never cuts after it); before a lower-case word, or
    # with a comma, the list and its sentence go on, as after "etc." in Portuguese and Catalan.
    (
        "it",
        "Ha comprato mele, pere ecc. Il mercato chiudeva.",
        ["Ha comprato mele, pere ecc.", "Il mercato chiudeva."],
    ),
    ("it", "Ha comprato mele, pere ecc. e poi è tornato.", ["Ha comprato mele, pere ecc. e poi è tornato."]),
    ("it", "Ha comprato mele, pere, ecc., poi è tornato.", ["Ha comprato mele, pere, ecc., poi è tornato."]),
    (
        "pt",
        "Comprou maçãs, peras etc. O mercado fechava.",
        ["Comprou maçãs, peras etc.", "O mercado fechava."],
    ),
    (
        "pt",
        "Comprou maçãs, peras etc. e voltou para casa.",
        ["Comprou maçãs, peras etc. e voltou para casa."],
    ),
    (
        "ca",
        "Va comprar pomes, peres, etc. El mercat tancava.",
        ["Va comprar pomes, peres, etc.", "El mercat tancava."],
    ),
    (
        "ca",
        "Va comprar pomes, peres, etc. i va tornar a casa.",
        ["Va comprar pomes, peres, etc. i va tornar a casa."],
    ),
    # Russian "г." is a year after a number and a city before a name, and a capital may follow
    # either inside a sentence ("В 2020 г. Путин ...", "1991 г. Президент СССР ..."): sentencex
    # never cuts there, nor do we, unless the capitalised word starts Russian sentences and is
    # no name (a preposition, conjunction, pronoun or sentence adverb); an initial is a name.
    ("ru", "Он живёт в г. Москве. Потом уехал.", ["Он живёт в г. Москве.", "Потом уехал."]),
    (
        "ru",
        "В 2020 г. Путин подписал закон. Потом уехал.",
        ["В 2020 г. Путин подписал закон.", "Потом уехал."],
    ),
    (
        "ru",
        "Итоги за 2020 г. В текущем году компания выросла.",
        ["Итоги за 2020 г.", "В текущем году компания выросла."],
    ),
    ("ru", "Он родился в 1991 г. Потом переехал.", ["Он родился в 1991 г.", "Потом переехал."]),
    ("ru", "Строили в 1990–1995 гг. Однако всё бросили.", ["Строили в 1990–1995 гг.", "Однако всё бросили."]),
    (
        "ru",
        "Это было в 2026 г. «Он ушёл», — сказала она.",
        ["Это было в 2026 г.", "«Он ушёл», — сказала она."],
    ),
    ("ru", "В 2000 г. В. В. Путин стал президентом.", ["В 2000 г. В. В. Путин стал президентом."]),
    # "им.", "пл.", "т. е." come before what they qualify: sentencex cuts before its capital.
    ("ru", "Театр им. Пушкина открыт. Конец.", ["Театр им. Пушкина открыт.", "Конец."]),
    ("ru", "Митинг прошёл на пл. Революции. Конец.", ["Митинг прошёл на пл. Революции.", "Конец."]),
    ("ru", "Главный экспортёр, т. е. Россия, молчит.", ["Главный экспортёр, т. е. Россия, молчит."]),
    ("ru", "Главный экспортёр, т.е. Россия, молчит.", ["Главный экспортёр, т.е. Россия, молчит."]),
    # ...but the pronoun "им" ends a sentence before a word that starts one.
    ("ru", "Мы благодарны им. Они помогли.", ["Мы благодарны им.", "Они помогли."]),
]


@pytest.mark.parametrize(("lang", "text", "expected"), SCRIPTS_TABLE)
def test_scripts_table(lang: str, text: str, expected: list[str]) -> None:
    assert [text[s:e] for s, e in split_sentences(text, lang)] == expected


def test_own_language_splits_better_than_french() -> None:
    """Why the pipeline passes a paragraph's detected language: French rules miss the others'."""

    def score(lang_of: Callable[[str], str]) -> int:
        return sum(
            [text[s:e] for s, e in split_sentences(text, lang_of(lang))] == expected
            for lang, text, expected in SCRIPTS_TABLE
        )

    own, french = score(lambda lang: lang), score(lambda lang: "fr")
    assert own == len(SCRIPTS_TABLE)
    assert french < own, french
