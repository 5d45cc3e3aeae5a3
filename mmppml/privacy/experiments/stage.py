"""What every stage of the privacy evaluation hands on: tables, figure panels, what it skipped; and the
smallest budgets the learned Fashion-MNIST attacks run with (``--quick``, tests)."""
from dataclasses import dataclass, field
from typing import Dict, List

Panels = Dict[str, list]  # mode -> [plain, encrypted, recovered] images

# The budgets that the quick settings of the in-domain stage and of the frontier's attacks share: a few
# attacked images, the smallest block attacker, a few inverter steps, galleries of 10.
QUICK_ATTACK_BUDGETS = dict(
    test_images=64,
    attacker_epochs=1.,
    attacker_dims=32,
    attacker_layers=1,
    proxy_epochs=1.,
    inverter_steps=5,
    gallery_size=10)


@dataclass
class StageResult:
    """What a stage found: rows of tables by name, figure panels by mode, and what it skipped."""
    tables: Dict[str, List[dict]] = field(default_factory=dict)
    figure: Panels = field(default_factory=dict)
    skipped: List[dict] = field(default_factory=list)

    def rows(self, table: str) -> List[dict]:
        return self.tables.setdefault(table, [])
