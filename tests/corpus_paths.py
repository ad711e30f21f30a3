"""Where the shared real corpus lives (tests skip with a reason when it is absent)."""
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# SPEECHKIT_CORPUS points elsewhere (e.g. from a git worktree that does not sit beside shared/)
SHARED = Path(os.environ.get("SPEECHKIT_CORPUS") or REPO.parent / "shared" / "corpus")
DEMO = REPO / "data" / "raw"


def shared(sub: str = "") -> Path:
    path = SHARED / sub
    if not path.exists():
        pytest.skip(f"shared corpus not found at {path} (it sits beside the repo in the project workspace)")
    return path
