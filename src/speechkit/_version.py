"""The package version, and a digest of the code itself for cache keys."""
from __future__ import annotations

import functools

__version__ = "0.1.0"


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of every Python module of the installed package (~1 ms, once per process).

    Cache keys carry it beside :data:`__version__`: a checkout updated with ``git pull`` keeps its
    version number, but a cache entry written by the old code must never be served as the new
    code's result.

    >>> len(code_digest()), code_digest() == code_digest()
    (40, True)
    """
    import hashlib
    from importlib.resources import files

    h = hashlib.sha1()
    # the package as importlib sees it: a folder, or a folder inside a zip (where a Path finds nothing)
    for rel, module in sorted(_modules(files("speechkit"), ""), key=lambda pair: pair[0]):
        h.update(rel.encode())
        h.update(module.read_bytes())
    return h.hexdigest()


def _modules(folder, prefix: str):
    """``(relative path, file)`` of every ``*.py`` below ``folder`` (not ``__pycache__``)."""
    for item in folder.iterdir():
        if item.is_dir():
            if item.name != "__pycache__":
                yield from _modules(item, f"{prefix}{item.name}/")
        elif item.name.endswith(".py"):
            yield prefix + item.name, item
