"""speechkit: scraped Chinese government meeting speeches → clean, comparable data."""
from speechkit._version import __version__

__all__ = ["__version__", "load"]


def load(processed_dir="data/processed", meta=None, **kwargs):
    """Open a processed corpus: ``sk.load("data/processed")`` → :class:`speechkit.api.Corpus`.

    ``meta`` is an optional CSV keyed by ``source_path`` adding grouping columns.
    """
    from speechkit.api import Corpus

    return Corpus.load(processed_dir, meta=meta, **kwargs)
