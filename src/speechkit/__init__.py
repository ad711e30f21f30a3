"""speechkit: scraped Chinese government meeting speeches → clean, comparable data."""
from speechkit._version import __version__

__all__ = ["__version__", "load"]


def load(processed_dir="data/processed"):
    """Load a processed corpus (see :class:`speechkit.api.Corpus`)."""
    from speechkit.api import Corpus

    return Corpus.load(processed_dir)
