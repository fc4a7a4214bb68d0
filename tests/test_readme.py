"""The README's instrument example is a valid definition that scores as described."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

import instruments
import scoring

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_starts_with_the_two_commands():
    head = README.read_text().splitlines()[:8]
    assert any(line.startswith("make run") for line in head)
    assert any(line.startswith("make test") for line in head)


def test_readme_instrument_example_loads_and_scores():
    text = README.read_text()
    section = text[text.index("## Adding an instrument") :]
    example = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    inst = instruments.loads(example, filename="README.md")
    assert inst.id == "skolnarvaro" and inst.item_ids == ["N1", "N2", "S1"]
    result = scoring.score(inst, np.array([[1.0, np.nan, 1.0], [0.0, 0.0, 0.0]]))
    assert list(result["risk_total"]) == [2.0, 0.0]  # N1 = Ja, N2 omitted -> prorated to 2
    assert list(result["band"]) == ["high", "low"]
    assert list(result["protective_total"]) == [1.0, 0.0]
