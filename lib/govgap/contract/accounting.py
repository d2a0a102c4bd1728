"""Row accounting and quarantine: every row read is either kept or quarantined with a reason."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from govgap.errors import AccountingError


@dataclass
class Accounting:
    """Counts for one input: ``read == kept + quarantined`` is checked on creation."""

    source: str
    read: int
    kept: int
    quarantined: int

    def __post_init__(self):
        if self.read != self.kept + self.quarantined:
            raise AccountingError(
                f"{self.source}: rows do not add up: read {self.read} != kept {self.kept} "
                f"+ quarantined {self.quarantined}"
            )

    def as_dict(self) -> dict:
        return asdict(self)
