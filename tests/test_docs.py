"""What the code tells people to read exists: README sections cited by name."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# "README, 'Name'" on one line (a citation split across string literals would not match).
CITATION = re.compile(r"""README[,:]?[ ]+(['"])([^'"\n]+)\1""")


def _headings() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return {line.lstrip("#").strip() for line in text.splitlines() if line.startswith("#")}


def test_every_readme_section_the_code_cites_exists() -> None:
    headings = _headings()
    cited = {
        (str(path.relative_to(ROOT)), name)
        for path in (ROOT / "meettray").rglob("*.py")
        for _quote, name in CITATION.findall(path.read_text(encoding="utf-8"))
    }
    assert len(cited) >= 3  # the pattern still finds the citations
    assert sorted(c for c in cited if c[1] not in headings) == []


def test_the_readme_exit_code_table_is_the_exit_code_enum() -> None:
    from meettray.errors import ExitCode

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("### Exit codes", 1)[1].split("\n\n", 2)[1]
    documented = {int(m) for m in re.findall(r"^\| (\d+) \|", table, flags=re.MULTILINE)}
    assert documented == {int(code) for code in ExitCode}
