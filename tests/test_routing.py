"""Routing: which models translate and summarise each language, and the config file overriding them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from summarize.lang import NEWS_LANGUAGES
from summarize.models import DEFAULT_SUMMARY_MODEL, DEFAULT_TRANSLATION_MODEL
from summarize.routing import (
    DEFAULT_EN_FR_MODEL,
    DEFAULT_FALLBACK_MODEL,
    TO_ENGLISH,
    TO_FRENCH,
    ConfigError,
    LanguageCodeError,
    Route,
    RoutingConfig,
    SummaryRoute,
    default_config_path,
    load_config,
    local_model_way,
    models_for_langs,
    normalize_lang,
    routes_for,
    summary_route,
    translation_route,
)

UNLISTED = "kk"  # Kazakh: no opus-mt-kk-en nor opus-mt-kk-fr


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --- built-in routes ---------------------------------------------------------------------------


def test_french() -> None:
    assert translation_route("fr") == Route("fr", DEFAULT_TRANSLATION_MODEL, "default")
    assert DEFAULT_TRANSLATION_MODEL == "Helsinki-NLP/opus-mt-fr-en"
    assert summary_route("fr") == SummaryRoute("fr", (), DEFAULT_SUMMARY_MODEL, "native")


def test_english_passes_through_and_is_translated_to_french_to_summarise() -> None:
    route = translation_route("en")
    assert route.passthrough and route.model is None and route.models == ()
    summary = summary_route("en")
    assert summary.to_french == (DEFAULT_EN_FR_MODEL,) == ("Helsinki-NLP/opus-mt-en-fr",)
    assert summary.kind == "direct" and not summary.reuses_translation


@pytest.mark.parametrize("lang", ["es", "de"])
def test_spanish_and_german_have_direct_models_both_ways(lang: str) -> None:
    assert translation_route(lang) == Route(lang, f"Helsinki-NLP/opus-mt-{lang}-en", "direct")
    summary = summary_route(lang)
    assert summary.to_french == (f"Helsinki-NLP/opus-mt-{lang}-fr",)
    assert summary.kind == "direct"
    assert summary.models == (f"Helsinki-NLP/opus-mt-{lang}-fr", DEFAULT_SUMMARY_MODEL)


def test_unlisted_language_falls_back_to_the_multilingual_model() -> None:
    assert UNLISTED not in TO_ENGLISH and UNLISTED not in TO_FRENCH
    assert translation_route(UNLISTED) == Route(UNLISTED, "Helsinki-NLP/opus-mt-mul-en", "fallback")
    summary = summary_route(UNLISTED)
    assert summary.to_french == (DEFAULT_FALLBACK_MODEL, DEFAULT_EN_FR_MODEL)
    assert summary.kind == "pivot" and summary.pivot == "en" and summary.reuses_translation


def test_undetected_language_uses_the_fallback() -> None:
    assert translation_route(None).model == DEFAULT_FALLBACK_MODEL
    assert summary_route(None).to_french == (DEFAULT_FALLBACK_MODEL, DEFAULT_EN_FR_MODEL)


def test_languages_without_a_dedicated_model_use_their_family_model() -> None:
    assert translation_route("pt") == Route("pt", "Helsinki-NLP/opus-mt-ROMANCE-en", "family")
    # No opus-mt-pt-fr either: the pivot reuses the family model's English.
    assert summary_route("pt").to_french == ("Helsinki-NLP/opus-mt-ROMANCE-en", DEFAULT_EN_FR_MODEL)


def test_aliases_and_regional_codes() -> None:
    assert normalize_lang("nb") == normalize_lang("NN") == "no"
    assert normalize_lang("pt-BR") == normalize_lang("pt_PT") == "pt"
    assert translation_route("nb").source_lang == "no"
    for bad in ("", "x", "fr1", "français"):
        with pytest.raises(LanguageCodeError):
            translation_route(bad)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("fr", "fr"), ("FR", "fr"), ("pt-BR", "pt"), ("nb", "no"), ("iw", "he"), ("ber", "ber"), ("fra", "fr"),
     ("fre", "fr"), ("DEU", "de"), ("fe", None),
     ("xx", None), ("qq", None), ("fr1", None),
     # Three letters: ISO 639-3 (kab), 639-5 families that opus-mt names models with (gem, mul).
     ("kab", "kab"), ("gem", "gem"), ("mul", "mul"), ("xyz", None), ("qqq", None), ("frx", None),
     ("und", None), ("zxx", None), ("mis", None)],  # ISO 639, but not a language
)  # fmt: skip
def test_a_typed_code_must_be_iso_639(typed: str, expected: str | None) -> None:
    from summarize.routing import user_lang

    if expected is None:
        with pytest.raises(LanguageCodeError):
            user_lang(typed)
    else:
        assert user_lang(typed) == expected


def test_the_config_refuses_an_unknown_language_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="fe: not an ISO 639-1"):
        load_config(write(tmp_path, '[models.translation.by_lang]\nfe = "me/fe-en"\n'))
    with pytest.raises(ConfigError, match="xyz: not an ISO 639-1 or 639-3"):
        load_config(write(tmp_path, '[models.translation.by_lang]\nxyz = "me/xyz-en"\n'))


def test_every_three_letter_code_in_the_tables_is_iso_639() -> None:
    from summarize.routing import TO_ENGLISH, TO_FRENCH, iso_639_3

    codes = iso_639_3()
    assert len(codes) > 7000 and {"fra", "fre", "deu", "ger", "mul", "zls", "gmq"} <= codes
    assert all(len(c) == 3 and c.isascii() and c.isalpha() and c.islower() for c in codes)
    assert [c for table in (TO_ENGLISH, TO_FRENCH) for c in table if len(c) == 3 and c not in codes] == []


def test_every_news_language_has_a_model_of_its_own() -> None:
    # The detector's default candidates should never need the weak multilingual fallback.
    for lang in NEWS_LANGUAGES:
        assert translation_route(lang).kind in {"passthrough", "default", "direct", "family"}, lang


def test_tables_hold_well_formed_helsinki_ids() -> None:
    pattern = re.compile(r"^Helsinki-NLP/opus-mt-[A-Za-z]+-(en|fr)$")
    for table, target in ((TO_ENGLISH, "en"), (TO_FRENCH, "fr")):
        for lang, model in table.items():
            assert lang == normalize_lang(lang)
            assert pattern.match(model) and model.endswith(f"-{target}"), model
    assert "en" not in TO_ENGLISH and "fr" not in TO_FRENCH


@given(st.from_regex(r"[a-z]{2,3}", fullmatch=True))
def test_any_code_gets_a_consistent_route(lang: str) -> None:
    route = translation_route(lang)
    summary = summary_route(lang)
    assert summary.models[-1] == DEFAULT_SUMMARY_MODEL
    if lang == "en":
        assert route.passthrough
    else:
        assert route.model is not None and route.model.endswith("-en")
    if summary.pivot == "en":
        assert summary.to_french == (route.model, DEFAULT_EN_FR_MODEL)


# --- models_for_langs ----------------------------------------------------------------------------


def test_models_for_langs() -> None:
    assert models_for_langs(["es", "de"]) == [
        "Helsinki-NLP/opus-mt-es-en",
        "Helsinki-NLP/opus-mt-es-fr",
        "Helsinki-NLP/opus-mt-de-en",
        "Helsinki-NLP/opus-mt-de-fr",
        DEFAULT_SUMMARY_MODEL,
    ]
    assert models_for_langs(["fr"]) == [DEFAULT_TRANSLATION_MODEL, DEFAULT_SUMMARY_MODEL]
    assert models_for_langs(["en", "EN"]) == [DEFAULT_EN_FR_MODEL, DEFAULT_SUMMARY_MODEL]
    # Pivot languages share the en→fr model; nothing is listed twice.
    assert models_for_langs(["pt", "ro", UNLISTED]) == [
        "Helsinki-NLP/opus-mt-ROMANCE-en",
        DEFAULT_EN_FR_MODEL,
        "Helsinki-NLP/opus-mt-ro-fr",
        DEFAULT_FALLBACK_MODEL,
        DEFAULT_SUMMARY_MODEL,
    ]
    assert models_for_langs([]) == []


def test_models_for_langs_follows_the_config() -> None:
    config = RoutingConfig(summary_model="me/summary", translation_by_lang={"es": "me/es-en"})
    assert models_for_langs(["es"], config) == ["me/es-en", "Helsinki-NLP/opus-mt-es-fr", "me/summary"]


# --- config file ---------------------------------------------------------------------------------

FULL_CONFIG = """
# every key is optional
[models]
summary = "me/summary-fr"

[models.translation]
default = "me/fr-en"
fallback = "me/any-en"

[models.translation.by_lang]
es = "me/es-en"
NB = "me/no-en"

[models.to_french]
default = "me/en-fr"

[models.to_french.by_lang]
de = "me/de-fr"
ja = "pivot"
"""


def test_config_overrides_win(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, FULL_CONFIG))
    assert config.path == tmp_path / "config.toml"
    assert translation_route("fr", config) == Route("fr", "me/fr-en", "override")
    assert translation_route("es", config) == Route("es", "me/es-en", "override")
    assert translation_route("no", config).model == "me/no-en"
    assert translation_route(UNLISTED, config) == Route(UNLISTED, "me/any-en", "fallback")
    assert translation_route("de", config).model == "Helsinki-NLP/opus-mt-de-en"  # not overridden
    assert translation_route("en", config).passthrough

    assert summary_route("fr", config) == SummaryRoute("fr", (), "me/summary-fr", "native")
    assert summary_route("de", config) == SummaryRoute("de", ("me/de-fr",), "me/summary-fr", "override")
    assert summary_route("en", config).to_french == ("me/en-fr",)
    # "pivot" forces the English route even though opus-mt-ja-fr exists.
    assert summary_route("ja", config).to_french == ("Helsinki-NLP/opus-mt-ja-en", "me/en-fr")
    # A pivot reuses the (overridden) English translation.
    assert summary_route("pt", config).to_french == ("Helsinki-NLP/opus-mt-ROMANCE-en", "me/en-fr")
    assert summary_route(UNLISTED, config).to_french == ("me/any-en", "me/en-fr")


@pytest.mark.parametrize(
    ("to_french", "en_fr"),
    [
        ('[models.to_french.by_lang]\nde = "pivot"\nen = "me/en-fr"\n', "me/en-fr"),
        ('[models.to_french]\ndefault = "me/en-fr"\n[models.to_french.by_lang]\nde = "pivot"\n', "me/en-fr"),
        (  # by_lang.en wins over default, as it does for English articles
            '[models.to_french]\ndefault = "me/other"\n[models.to_french.by_lang]\nde = "pivot"\n'
            'en = "me/en-fr"\n',
            "me/en-fr",
        ),
        ('[models.to_french.by_lang]\nde = "pivot"\nen = "pivot"\n', DEFAULT_EN_FR_MODEL),
    ],
)
def test_a_pivot_ends_on_the_model_english_articles_get(tmp_path: Path, to_french: str, en_fr: str) -> None:
    # The review's bug: the pivot's en→fr leg took the built-in model, ignoring by_lang.en.
    config = load_config(write(tmp_path, to_french))
    assert summary_route("en", config).to_french == (en_fr,)
    for lang in ("de", "pt", UNLISTED):
        assert summary_route(lang, config).to_french[-1] == en_fr
    # `models list` and `models pull` read the same routes.
    assert ("de", "to_french", en_fr) in routes_for(["de"], config)
    assert en_fr in models_for_langs(["de"], config)


def test_a_missing_model_hint_names_the_way_to_a_local_folder() -> None:
    # --translation-model serves French only: other routes are set in the config file.
    assert local_model_way("fr", "translation").endswith("--translation-model")
    assert local_model_way("DE", "translation").endswith('[models.translation.by_lang] de = "DIR"')
    assert local_model_way("ja", "to_french").endswith('[models.to_french.by_lang] ja = "DIR"')
    assert local_model_way("en", "to_french").endswith('[models.to_french.by_lang] en = "DIR"')


def test_translation_shorthand(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[models]\ntranslation = "me/fr-en"\n'))
    assert config.translation_model == "me/fr-en"
    assert translation_route("fr", config).model == "me/fr-en"


def test_relative_folders_are_relative_to_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conf = tmp_path / "conf"
    conf.mkdir()
    text = (
        '[models]\nsummary = "./models/sum"\n[models.translation]\ndefault = "../shared/fr-en"\n'
        '[models.translation.by_lang]\nes = "/abs/es-en"\nde = "me/de-en"\n'
    )
    (conf / "config.toml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # the run starts elsewhere than the file's folder
    config = load_config(Path("conf/config.toml"))
    assert config.summary_model == str(conf / "models" / "sum")
    assert config.translation_model == str(tmp_path / "shared" / "fr-en")
    assert config.translation_by_lang["es"] == "/abs/es-en"  # absolute: as written
    assert config.translation_by_lang["de"] == "me/de-en"  # a hub id: as written


def test_a_hub_shaped_value_naming_a_model_folder_beside_the_config_is_that_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conf = tmp_path / "conf"
    (conf / "models" / "sum").mkdir(parents=True)
    (conf / "models" / "sum" / "config.json").write_text("{}", encoding="utf-8")
    (conf / "half").mkdir()  # no config.json: not a model folder, so still a hub id
    text = '[models]\nsummary = "models/sum"\n[models.translation]\ndefault = "half"\n'
    (conf / "config.toml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    config = load_config(Path("conf/config.toml"))
    assert config.summary_model == str(conf / "models" / "sum")
    assert config.translation_model == "half"


def test_missing_default_file_means_defaults(tmp_path: Path) -> None:
    # conftest points XDG_CONFIG_HOME at an empty temporary folder.
    assert default_config_path().parts[-2:] == ("summarize", "config.toml")
    assert not default_config_path().exists()
    assert load_config() == RoutingConfig()
    assert load_config(None).path is None


def test_default_file_is_read(tmp_path: Path) -> None:
    path = default_config_path()
    path.parent.mkdir(parents=True)
    path.write_text('[models]\nsummary = "me/summary"\n', encoding="utf-8")
    assert load_config().summary_model == "me/summary"


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file") as info:
        load_config(tmp_path / "nope.toml")
    assert info.value.path == tmp_path / "nope.toml"
    assert info.value.exit_code == 2
    assert info.value.hint == "check the path given to --config or SUMMARIZE_CONFIG"
    with pytest.raises(ConfigError, match="cannot read the file") as info:
        load_config(tmp_path)  # a folder
    assert info.value.hint == "give --config or SUMMARIZE_CONFIG a readable TOML file"


def test_an_unreadable_default_file_says_what_to_do_with_it() -> None:
    # A config file the user never named (the default location) cannot be fixed with --config.
    path = default_config_path()
    path.mkdir(parents=True)  # a folder where the file should be: unreadable as a file
    with pytest.raises(ConfigError, match="cannot read the file") as info:
        load_config()
    assert info.value.path == path
    assert info.value.hint == "make it a readable TOML file, or move it away to run with the defaults"


def test_broken_toml_names_the_file_and_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[models]\nsummary = "ok"\ntranslation = "unterminated\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    error = info.value
    assert error.path == path and error.line == 3
    assert f"{path}:3:" in str(error) and "invalid TOML" in str(error)
    assert error.hint


def test_shorthand_and_table_together_is_invalid_toml(tmp_path: Path) -> None:
    text = '[models]\ntranslation = "me/fr-en"\n\n[models.translation.by_lang]\nes = "me/es-en"\n'
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    assert info.value.line == 4


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("[models]\nsummary = 3\n", 2, "models.summary: must be a non-empty string"),
        # A blank line above the key: the line was the blank one.
        ("[models]\n\n  \nsummary = 3\n", 4, "models.summary: must be a non-empty string"),
        (
            '[models]\nsummary = "bad id!"\n',
            2,
            "models.summary: 'bad id!' is neither a model folder nor a valid",
        ),
        ('\n[models]\nsumary = "x"\n', 3, "models.sumary: unknown key"),
        ('[models.translation]\ndefault = ""\n', 2, "models.translation.default: must be"),
        ('[models.translation.by_lang]\nfrench = "x"\n', 2, "not an ISO 639-1 or 639-3 language code"),
        ('[models.translation.by_lang]\nes = "pivot"\n', 2, "only valid under models.to_french"),
        ('[models.to_french]\nby_lang = "x"\n', 2, "must be a table of language = model"),
        ('models = "x"\n', 1, "models: must be a table"),
        ('[models.to_french]\ndefault = "pivot"\n', 2, "only valid under models.to_french.by_lang"),
        ('[models.translation]\nfallback = "pivot"\n', 2, "only valid under models.to_french.by_lang"),
        ('[models]\nsummary = "pivot"\n', 2, "only valid under models.to_french.by_lang"),
        # A misspelt table or a key outside [models] changed nothing, without a word.
        ('# routing\n[model]\nsummary = "x"\n', 2, "model: unknown key (the file holds a [models] table"),
        ('summary = "x"\n', 1, "summary: unknown key (the file holds a [models] table only)"),
        # Two names of one language: one of the two models was dropped, without a word.
        (
            '[models.translation.by_lang]\nes = "a/b"\nspa = "c/d"\n',
            3,
            "models.translation.by_lang.spa: the same language as es; keep one of the two",
        ),
    ],
)
def test_wrong_values_name_the_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)) as info:
        load_config(write(tmp_path, text))
    assert info.value.line == line


def test_unreadable_files_are_config_errors(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'[models]\nsummary = "caf\xe9"\n')
    with pytest.raises(ConfigError, match="not UTF-8") as info:
        load_config(path)
    assert info.value.line == 2
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path)  # a folder


def test_run_options_pickle_with_their_routing_tables() -> None:
    # Ray sends the constructor's options to each worker pickled; RoutingConfig's read-only
    # tables (MappingProxyType) made every RunOptions refuse to pickle.
    import pickle
    from types import MappingProxyType

    from summarize.options import RunOptions

    routing = RoutingConfig(translation_by_lang=MappingProxyType({"de": "Helsinki-NLP/opus-mt-de-en"}))
    options = RunOptions(routing=routing, cache_dir=Path("c"))
    copy = pickle.loads(pickle.dumps(options))
    assert copy == options
    assert copy.routing.translation_by_lang["de"] == "Helsinki-NLP/opus-mt-de-en"
    with pytest.raises(TypeError):  # read-only still
        copy.routing.translation_by_lang["de"] = "other"  # type: ignore[index]
