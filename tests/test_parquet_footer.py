"""The pure-Python Parquet footer reader, against pyarrow's reading of the same footers, and against bombs and junk."""

from __future__ import annotations

import io
import random
import time
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import REPO

from coalition_data.package import PackageError, open_package
from coalition_data.parquet import write_parquet
from coalition_data.parquet_footer import MAX_DEPTH, RATIO_FLOOR, check_size, uncompressed_size

# Thrift Compact Protocol type ids
TRUE, FALSE, BYTE, I16, I32, I64, DOUBLE, BINARY, LIST, SET, MAP, STRUCT = range(1, 13)


def pyarrow_size(raw: bytes) -> int:
    meta = pq.ParquetFile(io.BytesIO(raw)).metadata
    groups = [meta.row_group(i) for i in range(meta.num_row_groups)]
    return max(sum(group.total_byte_size for group in groups),
               sum(group.column(j).total_uncompressed_size for group in groups for j in range(group.num_columns)))


def parquet_bytes(table: pa.Table | pl.DataFrame, **options: Any) -> bytes:
    out = io.BytesIO()
    if isinstance(table, pl.DataFrame):
        table.write_parquet(out, **options)
    else:
        pq.write_table(table, out, **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def real_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("parquet")
    write_parquet(open_package(REPO), folder)
    return sorted(folder.glob("*.parquet"))


def test_the_real_files_read_as_pyarrow_reads_them_and_pass(real_files: list[Path]) -> None:
    assert len(real_files) == 15
    for path in real_files:
        raw = path.read_bytes()
        assert uncompressed_size(raw, path.name) == pyarrow_size(raw) > 0, path.name
        check_size(raw, path.name)
        assert uncompressed_size(raw, path.name) < 10 * len(raw), path.name  # they pack 0.3-2.1 times


rows = 3000
plain = pa.table({"id": pa.array(range(rows), pa.int64()), "name": [f"name {i % 97}" for i in range(rows)],
                  "score": [i / 7 if i % 5 else None for i in range(rows)], "flag": [i % 3 == 0 for i in range(rows)]})
WRITTEN = {
    "row groups, none": lambda: parquet_bytes(plain, row_group_size=700, compression="none"),
    "row groups, snappy": lambda: parquet_bytes(plain, row_group_size=1000, compression="snappy"),
    "row groups, zstd": lambda: parquet_bytes(plain, row_group_size=999, compression="zstd"),
    "nested list": lambda: parquet_bytes(pa.table({"tags": [[f"t{i}", "x"] if i % 4 else [] for i in range(rows)],
                                                   "deep": [[[i], [i, i + 1]] for i in range(rows)]})),
    "struct and map": lambda: parquet_bytes(pa.table({
        "point": [{"x": i, "y": str(i)} for i in range(rows)],
        "attrs": pa.array([[("k", i)] for i in range(rows)], pa.map_(pa.string(), pa.int64()))})),
    "dictionary": lambda: parquet_bytes(pa.table({"kind": pa.array(["a", "b", "c"] * rows).dictionary_encode()})),
    "empty table": lambda: parquet_bytes(pa.table({"id": pa.array([], pa.int64()), "name": pa.array([], pa.string())})),
    "no columns": lambda: parquet_bytes(pa.table({})),
    "key-value metadata": lambda: parquet_bytes(plain.replace_schema_metadata({"table": "t", "note": "é" * 500})),
    "page index, statistics off": lambda: parquet_bytes(plain, write_page_index=True, write_statistics=False),
    "polars, zstd": lambda: parquet_bytes(pl.from_arrow(plain), compression="zstd", row_group_size=1000),
    "polars, enum": lambda: parquet_bytes(pl.DataFrame({"e": ["x", "y"] * rows}, schema={"e": pl.Enum(["x", "y"])})),
    "polars, empty": lambda: parquet_bytes(pl.DataFrame({"a": []}, schema={"a": pl.Int32})),
}


@pytest.mark.parametrize("kind", WRITTEN)
def test_written_files_read_as_pyarrow_reads_them(kind: str) -> None:
    raw = WRITTEN[kind]()
    assert uncompressed_size(raw, kind) == pyarrow_size(raw)
    check_size(raw, kind)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """One cell of 200 MB of 'a', zstd: a few kilobytes on disk."""
    size = 200_000_000
    cell = pa.StringArray.from_buffers(1, pa.py_buffer(b"\0\0\0\0" + size.to_bytes(4, "little")),
                                       pa.py_buffer(b"a" * size))  # without copying it into Arrow
    # quick to write: statistics and dictionary would each copy the cell, and zstd's level 1 packs it as well
    return parquet_bytes(pa.table({"text": cell}), compression="zstd", compression_level=1,
                         use_dictionary=False, write_statistics=False)


def test_a_bomb_is_refused_quickly_by_name(bomb: bytes) -> None:
    assert len(bomb) < 20_000 and uncompressed_size(bomb, "bomb.parquet") >= 200_000_000
    start = time.perf_counter()
    with pytest.raises(PackageError, match=r"^data/bomb\.parquet: .*decompression bomb"):
        check_size(bomb, "data/bomb.parquet")
    assert time.perf_counter() - start < 0.1


def test_the_limits() -> None:
    with pytest.raises(PackageError, match=r"^f\.parquet: .*more than the limit of 1000 bytes"):
        check_size(file_with(row_group(size=2000)), "f.parquet", limit=1000)
    check_size(file_with(row_group(size=RATIO_FLOOR)), "f.parquet")  # packs far more than 1000 times, but is small
    with pytest.raises(PackageError, match=r"^f\.parquet: .*decompression bomb"):
        check_size(file_with(row_group(size=RATIO_FLOOR + 1)), "f.parquet")
    raw = file_with(row_group(size=100 << 20), data=(100 << 20) // 1000)
    check_size(raw, "f.parquet")  # less than 1000 times
    with pytest.raises(PackageError, match="bomb"):
        check_size(raw, "f.parquet", ratio=999)
    with pytest.raises(PackageError, match="limit"):
        check_size(file_with(row_group(size=(2 << 30) + 1), data=10 << 20), "f.parquet")


# A writer of the Thrift Compact Protocol, to build footers pyarrow never writes.

def varint(n: int) -> bytes:
    out = bytearray()
    while n > 0x7F:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    return bytes(out + bytes([n]))


def zigzag(n: int) -> bytes:
    return varint(n << 1 if n >= 0 else (-n << 1) - 1)


def struct(*fields: tuple[int, int, bytes]) -> bytes:
    out, last = bytearray(), 0
    for field, kind, value in fields:
        out += bytes([(field - last) << 4 | kind]) if 0 < field - last < 16 else bytes([kind]) + zigzag(field)
        out += value
        last = field
    return bytes(out + b"\x00")


def list_of(kind: int, *elements: bytes) -> bytes:
    head = bytes([len(elements) << 4 | kind]) if len(elements) < 15 else bytes([0xF0 | kind]) + varint(len(elements))
    return head + b"".join(elements)


# One field of every type, with a long-form field id and a long-form list among them.
EVERY_TYPE = (
    (90, TRUE, b""), (91, FALSE, b""), (92, BYTE, b"\xff"), (93, I16, zigzag(-300)), (94, I32, zigzag(2**31 - 1)),
    (95, I64, zigzag(-(2**63))), (96, DOUBLE, b"\x00" * 8), (97, BINARY, varint(3) + b"abc"),
    (98, LIST, list_of(TRUE, b"\x01", b"\x00")), (99, SET, list_of(I32, *[zigzag(i) for i in range(20)])),
    (100, MAP, varint(2) + bytes([BINARY << 4 | STRUCT]) + (varint(1) + b"k" + struct((1, I64, zigzag(5)))) * 2),
    (101, MAP, b"\x00"), (102, STRUCT, struct((1, LIST, list_of(STRUCT, struct(), struct((3, DOUBLE, bytes(8))))))),
    (3000, LIST, list_of(LIST, list_of(I16), list_of(BINARY, varint(0)))),
)


def column(size: int, *extra: tuple[int, int, bytes]) -> bytes:
    return struct((2, I64, zigzag(0)), *extra, (3, STRUCT, struct((1, I32, zigzag(6)), (6, I64, zigzag(size)), *extra)))


def row_group(*columns: bytes, size: int = 0, extra: tuple[tuple[int, int, bytes], ...] = ()) -> bytes:
    return struct((1, LIST, list_of(STRUCT, *columns)), (2, I64, zigzag(size)), *extra)


def file_with(*groups: bytes, extra: tuple[tuple[int, int, bytes], ...] = (), data: int = 0) -> bytes:
    return footer_file(struct((1, I32, zigzag(2)), (4, LIST, list_of(STRUCT, *groups)), *extra), data)


def footer_file(footer: bytes, data: int = 0) -> bytes:
    """A Parquet file of ``data`` bytes of (zero) column data and ``footer``."""
    return b"PAR1" + bytes(data) + footer + len(footer).to_bytes(4, "little") + b"PAR1"


def test_every_other_field_is_skipped() -> None:
    raw = file_with(row_group(column(5, *EVERY_TYPE), column(7), size=10, extra=EVERY_TYPE),
                    row_group(*[column(1)] * 20, size=3), extra=EVERY_TYPE)
    assert uncompressed_size(raw, "f") == max(10 + 3, 5 + 7 + 20)
    assert uncompressed_size(file_with(row_group(column(1), size=2**40)), "f") == 2**40  # a lying figure is not hidden
    assert uncompressed_size(file_with(row_group(column(2**50), size=1)), "f") == 2**50


def nested(depth: int) -> bytes:
    """A struct ``depth`` structs deep."""
    value = b"\x00"
    for _ in range(depth - 1):
        value = struct((1, STRUCT, value))
    return value


def lists(depth: int) -> bytes:
    """A list ``depth`` lists deep, holding one i32."""
    value = list_of(I32, zigzag(1))
    for _ in range(depth - 1):
        value = list_of(LIST, value)
    return value


MALFORMED = [
    ("no PAR1 magic at its start and end", b"PAR1" + bytes(20) + b"PAR2"),
    ("no PAR1 magic at its start and end", b"PAR1PAR1"),
    ("footer length 0 out of range", b"PAR1" + bytes(4) + b"PAR1"),
    ("footer length 9 out of range", b"PAR1\x00" + (9).to_bytes(4, "little") + b"PAR1"),
    ("footer length 4294967295 out of range", b"PAR1\x00" + b"\xff" * 4 + b"PAR1"),
    ("footer ends early", footer_file(struct((4, LIST, list_of(STRUCT, row_group(column(1)))))[:-3])),
    ("footer ends early", footer_file(bytes([0x10 | I64]) + b"\x80\x80")),  # a truncated varint
    ("a varint longer than ten bytes", footer_file(bytes([0x10 | I64]) + b"\xff" * 11 + b"\x00")),
    ("negative RowGroup.total_byte_size -5", file_with(row_group(column(1), size=-5))),
    ("negative ColumnMetaData.total_uncompressed_size -1", file_with(row_group(column(-1), size=5))),
    # FileMetaData is the first level, so this struct's innermost one is the 65th
    (f"nested deeper than {MAX_DEPTH}", footer_file(struct((9, STRUCT, nested(MAX_DEPTH))))),
    (f"nested deeper than {MAX_DEPTH}", footer_file(struct((9, LIST, lists(MAX_DEPTH))))),
    ("a list of 1000000 elements in 3 bytes",
     footer_file(struct((7, LIST, bytes([0xF0 | I32]) + varint(1_000_000) + b"\x00\x00")))),
    ("a list of 4611686018427387903 elements in 1 bytes",
     footer_file(struct((4, LIST, bytes([0xF0 | STRUCT]) + varint(2**62 - 1))))),
    ("a map of 99999999 entries in 1 bytes", footer_file(struct((7, MAP, varint(99_999_999) + b"\x88"))[:-1])),
    ("unknown type id 13", footer_file(struct((7, 13, b"\x00")))),
    ("unknown type id 0", footer_file(struct((7, LIST, list_of(0, b"\x00"))))),
    ("FileMetaData.row_groups has type id 10, not 9", footer_file(struct((4, SET, list_of(STRUCT))))),
    ("an element of RowGroup.columns has type id 8, not 12", file_with(struct((1, LIST, list_of(BINARY, b"\x00"))))),
    ("RowGroup.total_byte_size has type id 5, not 6", file_with(struct((2, I32, zigzag(1 << 30))))),
    ("ColumnChunk.meta_data has type id 8, not 12", file_with(row_group(struct((3, BINARY, b"\x00"))))),
]


@pytest.mark.parametrize(("reason", "raw"), MALFORMED)
def test_a_malformed_footer_is_a_package_error_saying_why(reason: str, raw: bytes) -> None:
    with pytest.raises(PackageError) as caught:
        check_size(raw, "data/t.parquet")
    assert str(caught.value) == f"data/t.parquet: not a readable Parquet file ({reason})"


def test_nesting_up_to_the_limit_is_read() -> None:
    assert uncompressed_size(footer_file(struct((9, STRUCT, nested(MAX_DEPTH - 1)))), "f") == 0


def mutations(seeds: list[bytes], count: int, rng: random.Random) -> list[bytes]:
    cases = []
    for _ in range(count):
        raw = bytearray(rng.choice(seeds))
        length = int.from_bytes(raw[-8:-4], "little")
        start = len(raw) - 8 - length
        how = rng.randrange(6)
        if how == 0:  # truncated, or with its end cut off
            raw = raw[:rng.randrange(len(raw))] if rng.random() < 0.5 else raw[:start + rng.randrange(length)] + raw[-8:]
        elif how == 1:  # bytes of the footer or its length flipped
            for _ in range(rng.randint(1, 4)):
                raw[rng.randrange(start, len(raw) - 4)] ^= 1 << rng.randrange(8)
        elif how == 2:  # random bytes, as footer or as file
            junk = rng.randbytes(rng.randrange(1, 3000))
            raw = bytearray(footer_file(junk) if rng.random() < 0.8 else junk)
        elif how == 3:  # a forged footer length
            raw[-8:-4] = rng.choice([rng.getrandbits(32), len(raw) - 12, len(raw) - 11, length + 1, length - 1,
                                     0]).to_bytes(4, "little")
        elif how == 4:  # a forged list header with a huge or long size, somewhere in the footer
            at = rng.randrange(start, len(raw) - 8)
            forged = bytes([0xF0 | rng.randrange(16)]) + varint(rng.choice([2**31, 2**62, rng.getrandbits(20), 15]))
            raw = footer_file(bytes(raw[start:at]) + forged + bytes(raw[at:-8]))
        else:  # a byte of the footer replaced by an arbitrary one
            raw[rng.randrange(start, len(raw) - 8)] = rng.randrange(256)
        cases.append(bytes(raw))
    return cases


def test_fuzzed_files_give_a_size_or_a_package_error_quickly() -> None:
    rng = random.Random(20240611)
    seeds = [WRITTEN[kind]() for kind in ("row groups, zstd", "nested list", "struct and map", "key-value metadata")]
    seeds.append(file_with(row_group(column(5, *EVERY_TYPE), size=10, extra=EVERY_TYPE), extra=EVERY_TYPE))
    refused = 0
    for raw in mutations(seeds, 2000, rng):
        start = time.perf_counter()
        try:
            assert uncompressed_size(raw, "f.parquet") >= 0
        except PackageError as exc:
            assert str(exc).startswith("f.parquet: not a readable Parquet file (")
            refused += 1
        assert time.perf_counter() - start < 0.5, raw
    assert refused > 1000  # most mutations break the footer; the rest still parse


def located(offset: int, compressed: int, dictionary: int | None = None) -> bytes:
    """A column whose compressed data starts at ``offset`` (its dictionary page, if any, at ``dictionary``)."""
    fields = [(1, I32, zigzag(6)), (6, I64, zigzag(compressed)), (7, I64, zigzag(compressed)),
              (9, I64, zigzag(offset))]
    if dictionary is not None:
        fields.append((11, I64, zigzag(dictionary)))
    return struct((2, I64, zigzag(0)), (3, STRUCT, struct(*fields)))


@pytest.mark.parametrize(("column", "refused"), [
    (located(4, 100), False), (located(60, 44, dictionary=4), False), (located(0, 15, dictionary=4), False),
    (located(4, 101), True), (located(10**9, 1), True), (located(2, 10), True), (located(4, 10, dictionary=10**9), True),
])
def test_a_columns_data_must_lie_between_the_magic_and_the_footer(column: bytes, refused: bool) -> None:
    """Polars panics (a BaseException, with a Rust backtrace on stderr) on a chunk reaching past the file."""
    raw = file_with(row_group(column, size=1), data=100)
    if refused:
        with pytest.raises(PackageError, match=r"f: not a readable Parquet file \(a column's data .* does not lie"):
            uncompressed_size(raw, "f")
    else:
        uncompressed_size(raw, "f")


def test_a_column_in_another_file_is_refused() -> None:
    elsewhere = struct((1, BINARY, varint(11) + b"/etc/passwd"), (2, I64, zigzag(0)),
                       (3, STRUCT, struct((6, I64, zigzag(1)))))
    with pytest.raises(PackageError, match=r"in another file \(ColumnChunk.file_path\)"):
        uncompressed_size(file_with(row_group(elsewhere, size=1)), "f")


def test_the_byte_that_made_polars_panic_is_refused_from_the_footer(real_files: list[Path]) -> None:
    [claims] = [path for path in real_files if path.name == "claims.parquet"]
    raw = bytearray(claims.read_bytes())
    raw[22915] = 0xBC  # in the footer: a column's offset now points far past the end of the file
    with pytest.raises(PackageError, match="does not lie between the magic and the footer"):
        uncompressed_size(bytes(raw), "claims.parquet")
