"""summarize: French summaries and English translations of news articles with seq2seq models."""

__version__ = "0.1.0"
