"""The tutorial notebook shows its charts inline: executed in a fresh kernel (no %matplotlib
inline), every cell that draws a chart (``plot_…``) has an image/png output.

nbmake (``pytest --nbmake``) also runs the notebook; this test checks what it displays."""
from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "01_explore.ipynb"


def test_chart_cells_display_png_images():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert not any("%matplotlib" in cell.source for cell in nb.cells if cell.cell_type == "code")
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()
    chart_cells = [cell for cell in nb.cells if cell.cell_type == "code" and ".plot_" in cell.source]
    assert len(chart_cells) >= 4
    for cell in chart_cells:
        mimes = [mime for out in cell.outputs for mime in out.get("data", {})]
        assert "image/png" in mimes, (cell.source, mimes)
    errors = [out for cell in nb.cells for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    assert not errors
