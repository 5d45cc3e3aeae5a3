"""What every stage of the privacy evaluation hands on: tables, figure panels, what it skipped."""
from dataclasses import dataclass, field
from typing import Dict, List

Panels = Dict[str, list]  # mode -> [plain, encrypted, recovered] images


@dataclass
class StageResult:
    """What a stage found: rows of tables by name, figure panels by mode, and what it skipped."""
    tables: Dict[str, List[dict]] = field(default_factory=dict)
    figure: Panels = field(default_factory=dict)
    skipped: List[dict] = field(default_factory=list)

    def rows(self, table: str) -> List[dict]:
        return self.tables.setdefault(table, [])
