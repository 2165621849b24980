"""How every benchmark ends: a PASS/FAIL line per target, then its figures as one JSON line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

Check = tuple[str, bool, str]  # what is measured against what, whether it holds, the figure


def verdict(checks: list[Check], figures: dict[str, Any], out: Path | None = None) -> bool:
    """Print the checks and ``figures`` with them (``JSON {...}``, also written to ``out``);
    whether every target holds."""
    print()
    for text, ok, figure in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {text}: {figure}")
    summary = {
        **figures,
        "targets": {text: {"pass": ok, "value": figure} for text, ok, figure in checks},
        "all_pass": all(ok for _, ok, _ in checks),
    }
    line = json.dumps(summary, ensure_ascii=False, sort_keys=True, default=float)
    print("JSON " + line)
    if out is not None:
        out.write_text(line + "\n", encoding="utf-8")
    return bool(summary["all_pass"])
