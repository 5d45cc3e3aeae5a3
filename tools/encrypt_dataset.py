"""Encrypt an image dataset for hand-over: RS, MI or RS-on-MI, optionally with a keyed scramble.

Examples:
    # ImageNet-style folder (class subfolders), RS with 16-px patches at 224 x 224
    python tools/encrypt_dataset.py data/imagenet/train data/imagenet_rs16/train \\
        --mode rs --patch-size 16 --resize 224 224 --workers 8

    # COCO detection: MI keeps the layout, boxes are rescaled by S/P (OUT/annotations.json, OUT/images/)
    python tools/encrypt_dataset.py data/coco/val2017 data/coco_mi16-8 --mode mi \\
        --patch-size 16 --sub-patch-size 8 --coco-ann data/coco/annotations/instances_val2017.json \\
        --short-side 512 --size-mismatch pad

    # Tens of millions of images: N shards (on N machines, e.g. a Slurm array), then a merge
    python tools/encrypt_dataset.py SRC OUT --mode rs -P 16 --shard 0/4   # ... 1/4, 2/4, 3/4
    python tools/encrypt_dataset.py SRC OUT --mode rs -P 16 --merge

Rerun the same command after an interruption to resume.
"""
import argparse
import os
import sys

from mmppml.crypto import MODES, SIZE_MISMATCH_MODES
from mmppml.offline import MAX_FILE_BYTES, MAX_PIXELS, EncryptionError, EncryptionSpec, RunOptions, encrypt_dataset
from mmppml.offline.shards import parse_shard

EXIT_CODES = '''exit codes:
  0    done: every image of a supported format is encrypted (the summary names image files of other
       formats, e.g. GIF or HEIC, that were not)
  2    bad request (arguments, paths, settings, key or annotation file, a folder name that is not
       UTF-8 or that the tool writes, a symbolic link in the output); nothing was encrypted
  3    done, but some source files were skipped (listed in the report)
  4    the output, the new key or the report cannot be written (read-only, disk full, I/O error), or
       a worker process died (e.g. out of memory); rerun to resume
  5    another run is writing to the output directory
  130  interrupted; rerun to resume
'''


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    pass


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Encrypt an image folder or a COCO set into a new directory (PNG, lossless).',
        epilog=EXIT_CODES,
        formatter_class=HelpFormatter)
    parser.add_argument(
        'source', help='image folder (class subfolders kept, folders below a class join it), or the COCO image folder')
    parser.add_argument('output', help='new directory (not inside the source); an interrupted one resumes')
    parser.add_argument(
        '--mode',
        required=True,
        choices=MODES,
        help='rs: shuffle PxP patches; mi: mix SxS sub-patches; rs-on-mi: mi, then shuffle')
    parser.add_argument('--patch-size', '-P', type=int, required=True, help='P')
    parser.add_argument('--sub-patch-size', '-S', type=int, help='S, a divisor of P (mi, rs-on-mi)')
    parser.add_argument(
        '--coco-ann', help='COCO json whose file_name entries are relative to SOURCE (written as annotations.json)')
    size = parser.add_mutually_exclusive_group()
    size.add_argument('--resize', type=int, nargs=2, metavar=('H', 'W'), help='resize every image first')
    size.add_argument(
        '--short-side', type=int, help='resize the short side to this, the long side to the nearest multiple of P')
    parser.add_argument(
        '--size-mismatch',
        default='error',
        choices=SIZE_MISMATCH_MODES,
        help='images not a multiple of P: skip and report, crop or pad (bottom/right)')
    parser.add_argument('--grayscale', action='store_true', help='decode one channel instead of three')
    parser.add_argument(
        '--key-file', help='keyed scramble applied after the encryption (kept secret; '
        'not inside OUTPUT)')
    parser.add_argument('--new-key', action='store_true', help='create --key-file from OS entropy')
    parser.add_argument(
        '--keep-names',
        action='store_true',
        help='keep file names (as .png, without folders below the class) instead of per-class indices')
    parser.add_argument('--workers', type=int, default=min(8, os.cpu_count() or 1), help='processes')
    parser.add_argument('--png-compression', type=int, default=1, help='0-9 (lossless either way)')
    parser.add_argument(
        '--fsync', action='store_true', help='flush each file to disk before renaming it (power-loss safe, slower)')
    parser.add_argument(
        '--follow-symlinks',
        action='store_true',
        help='also follow links to outside SOURCE (links inside it are always followed; '
        'others are skipped and reported)')
    parser.add_argument(
        '--max-file-bytes', type=int, default=MAX_FILE_BYTES, help='larger source files are skipped and reported')
    parser.add_argument(
        '--max-pixels',
        type=int,
        default=MAX_PIXELS,
        help='images with more pixels (read from the header) are skipped and reported')
    parser.add_argument(
        '--report',
        help='where the report naming skipped and ignored source files goes (default: OUTPUT.report.json '
        'beside OUTPUT); never inside OUTPUT or SOURCE, never the key or the annotation file, and an '
        'existing file only if it is an earlier report')
    sharding = parser.add_mutually_exclusive_group()
    sharding.add_argument(
        '--shard',
        metavar='K/N',
        help='encrypt only shard K of N (0 <= K < N: the sources whose index in the sorted '
        'listing is K mod N), resumable and locked on its own; then run --merge')
    sharding.add_argument(
        '--merge',
        action='store_true',
        help='after all N shards: check they finished, redo what they skipped, write the '
        'annotations, report and manifest (complete)')
    parser.add_argument('--quiet', action='store_true', help='no progress line')
    parser.add_argument('--pause-before-rename', type=float, default=0., help=argparse.SUPPRESS)  # tests
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        shard = parse_shard(args.shard) if args.shard is not None else None
        spec = EncryptionSpec(
            mode=args.mode,
            patch_size=args.patch_size,
            sub_patch_size=args.sub_patch_size,
            resize=tuple(args.resize) if args.resize else None,
            short_side=args.short_side,
            size_mismatch=args.size_mismatch,
            grayscale=args.grayscale)
        options = RunOptions(
            coco_ann=args.coco_ann,
            key_file=args.key_file,
            new_key=args.new_key,
            keep_names=args.keep_names,
            workers=args.workers,
            png_compression=args.png_compression,
            fsync=args.fsync,
            progress_stream=None if args.quiet else sys.stderr,
            pause=args.pause_before_rename,
            follow_symlinks=args.follow_symlinks,
            max_file_bytes=args.max_file_bytes,
            max_pixels=args.max_pixels,
            report_file=args.report,
            shard=shard,
            merge=args.merge)
        summary = encrypt_dataset(args.source, args.output, spec, options)
    except EncryptionError as e:
        print(f'error: {e}', file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print('\ninterrupted: rerun the same command to resume', file=sys.stderr)
        return 130
    if shard is not None:
        print(f'shard {shard[0]}/{shard[1]}: ', end='')
    print('\n'.join(summary.lines()))
    if shard is not None:
        print(f'shard {shard[0]}/{shard[1]} finished; once all {shard[1]} have, run this command with --merge '
              'instead of --shard')
    if args.new_key:
        print(f'new key written to {args.key_file}: keep it secret and out of the hand-over')
    print(f'report (names source files; keep it, do not hand it over): {summary.report_file}')
    if summary.skipped:
        print(f'{len(summary.skipped)} file(s) skipped, listed in the report')
    return summary.exit_code


if __name__ == '__main__':
    sys.exit(main())
