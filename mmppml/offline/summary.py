"""What an encryption run did, as printed and written to the report."""
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from .files import UNSUPPORTED_FORMAT

# What decoding to 8-bit loses, as said in the summary.
LOSS_NOTES = {
    'alpha': 'alpha channel dropped',
    '16-bit': 'more than 8 bits per channel reduced to 8',
    'frames': 'first frame kept, the other frames dropped'
}


@dataclass
class Summary:
    """What a run did.

    ``skipped`` lists ``{'file': relative source path, 'reason': str}`` for images that were not
    encrypted, ``ignored`` the same for entries of the source that are not images to encrypt
    (hidden, other types, links not followed), ``lossy`` maps each of :data:`LOSS_NOTES` to the
    sources that lost it in decoding, ``annotations_without_image`` lists the COCO annotations
    whose image_id is no image of the file (``{'annotation': index, 'image_id': id}``),
    ``coco_fields_dropped`` the fields of the COCO file not handed over (kind of entry -> field name ->
    number of entries holding it; no values), and
    ``report_file`` is where all of it was written.
    """
    sources: int
    done_before: int = 0
    encrypted: int = 0
    skipped: List[dict] = field(default_factory=list)
    ignored: List[dict] = field(default_factory=list)
    lossy: dict = field(default_factory=dict)
    annotations_without_image: List[dict] = field(default_factory=list)
    coco_fields_dropped: Dict[str, Dict[str, int]] = field(default_factory=dict)
    temp_files_removed: int = 0
    seconds: float = 0.
    report_file: Optional[Path] = None

    @property
    def exit_code(self) -> int:
        """0 when every source has an output, 3 when some were skipped."""
        return 3 if self.skipped else 0

    def lines(self) -> List[str]:
        rate = self.encrypted / self.seconds if self.seconds > 0 else 0.
        out = [
            f'sources: {self.sources}, already done: {self.done_before}, encrypted now: {self.encrypted} '
            f'in {self.seconds:.1f} s ({rate:.1f} img/s), skipped: {len(self.skipped)}'
        ]
        if self.temp_files_removed:
            out.append(f'removed {self.temp_files_removed} temporary file(s) left by an interrupted run')
        out += [f'  skipped {s["file"]}: {s["reason"]}' for s in self.skipped[:10]]
        if len(self.skipped) > 10:
            out.append(f'  ... {len(self.skipped) - 10} more in {self.report_file}')
        unsupported = [i['file'] for i in self.ignored if i['reason'].startswith(UNSUPPORTED_FORMAT)]
        if unsupported:
            kinds = sorted({Path(name).suffix.lower() for name in unsupported})
            out.append(f'{len(unsupported)} image file(s) NOT encrypted, their format is not supported '
                       f'({", ".join(kinds)}): convert them to PNG and rerun (all listed in the report)')
            out += [f'  not encrypted {name}' for name in unsupported[:10]]
        others = [i for i in self.ignored if not i['reason'].startswith(UNSUPPORTED_FORMAT)]
        if others:
            reasons = sorted({i['reason'] for i in others})
            out.append(f'ignored {len(others)} entr{"y" if len(others) == 1 else "ies"} of the source '
                       f'that are not images to encrypt ({"; ".join(reasons)})')
        for loss, files in sorted(self.lossy.items()):
            out.append(f'{len(files)} image(s) decoded with their {LOSS_NOTES[loss]}')
        if self.coco_fields_dropped:
            fields = sum(len(counts) for counts in self.coco_fields_dropped.values())
            out.append(f'{fields} field(s) of the COCO file that mmdet does not read were not handed over (their '
                       'names and counts are in the report)')
        if self.annotations_without_image:
            out.append(f'{len(self.annotations_without_image)} COCO annotation(s) name no image of the file and '
                       'were left out (listed in the report)')
        return out
