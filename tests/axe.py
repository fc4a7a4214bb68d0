"""axe-core, the accessibility engine, from the npm registry: installed once into ``.venv/axe`` by the
first test that needs it (Node's npm is on the machine; nothing is downloaded by the browser)."""

from __future__ import annotations

import shutil
import subprocess

from .browser import ROOT

AXE_VERSION = "4.14.1"
AXE_HOME = ROOT / ".venv" / "axe"
AXE_FILE = AXE_HOME / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# not WCAG success criteria, but what the issue asks too: one h1 per page, headings that do not skip
STRUCTURE_RULES = ["page-has-heading-one", "heading-order"]


def axe_source() -> str:
    if not AXE_FILE.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is missing: install Node.js (Debian package 'npm') to run the axe-core tests")
        subprocess.run([npm, "install", "--no-save", "--no-audit", "--no-fund", "--silent", "--prefix", str(AXE_HOME),
                        f"axe-core@{AXE_VERSION}"], check=True, timeout=300)
    return AXE_FILE.read_text(encoding="utf-8")


def violations(page) -> list[dict]:
    """Run axe on the whole document: every WCAG 2.0/2.1 A and AA rule, and the heading rules."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"],
               "rules": {rule: {"enabled": True} for rule in STRUCTURE_RULES}}  # added to the tags' rules
    return page.evaluate("options => axe.run(document, options).then(r => r.violations)", options)


def describe(found: list[dict]) -> str:
    lines = []
    for v in found:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        lines += [f"    {n['target']}: {n['failureSummary'].splitlines()[-1].strip()}" for n in v["nodes"][:5]]
    return "\n".join(lines)
