"""How large a Parquet file's column data is once decompressed, read from its footer without pyarrow.

A few kilobytes of zstd can hold gigabytes, so a Parquet file's uncompressed size is checked before
Polars reads it. The footer is a Thrift Compact Protocol ``FileMetaData``; this reader follows only
the fields that give sizes and skips every other one, bounding depth, lengths and counts, so a
malformed footer is a PackageError, never another exception, a long loop or a large allocation.
"""

from __future__ import annotations

from collections.abc import Iterator

from coalition_data.package import PackageError
from coalition_data.zipped import MAX_BYTES, MAX_RATIO

MAGIC = b"PAR1"
MAX_DEPTH = 64
# Below this a file is read however well it packs: repetitive columns legitimately pack more than
# MAX_RATIO times (a million 0.0 written by Polars: 3 KB for 8 MB), and a few dozen megabytes harm nobody.
RATIO_FLOOR = 64 << 20

# Thrift Compact Protocol type ids
STOP, TRUE, FALSE, BYTE, I16, I32, I64, DOUBLE, BINARY, LIST, SET, MAP, STRUCT = range(13)

# Field ids in parquet.thrift
FILE_ROW_GROUPS = 4  # FileMetaData.row_groups: list<RowGroup>
GROUP_COLUMNS = 1  # RowGroup.columns: list<ColumnChunk>
GROUP_TOTAL_BYTE_SIZE = 2  # RowGroup.total_byte_size: i64
CHUNK_FILE_PATH = 1  # ColumnChunk.file_path: the column's data in another file
CHUNK_META_DATA = 3  # ColumnChunk.meta_data: ColumnMetaData
META_TOTAL_UNCOMPRESSED_SIZE = 6  # ColumnMetaData.total_uncompressed_size: i64
META_TOTAL_COMPRESSED_SIZE = 7  # ColumnMetaData.total_compressed_size: i64
META_DATA_PAGE_OFFSET = 9  # ColumnMetaData.data_page_offset: i64
META_DICTIONARY_PAGE_OFFSET = 11  # ColumnMetaData.dictionary_page_offset: i64


_META_NAMES = {META_TOTAL_UNCOMPRESSED_SIZE: "total_uncompressed_size", META_TOTAL_COMPRESSED_SIZE: "total_compressed_size",
               META_DATA_PAGE_OFFSET: "data_page_offset", META_DICTIONARY_PAGE_OFFSET: "dictionary_page_offset"}


class _Malformed(Exception):
    pass


def uncompressed_size(raw: bytes, file: str) -> int:
    """The bytes the column data of the Parquet file ``raw`` takes decompressed, as its footer declares.

    The larger of two sums, so that one lying figure does not hide the other: the row groups'
    ``total_byte_size`` and the column chunks' ``total_uncompressed_size``.
    """
    try:
        if len(raw) < 12 or raw[:4] != MAGIC or raw[-4:] != MAGIC:
            raise _Malformed("no PAR1 magic at its start and end")
        length = int.from_bytes(raw[-8:-4], "little")
        if not 0 < length <= len(raw) - 12:
            raise _Malformed(f"footer length {length} out of range")
        footer = _Footer(memoryview(raw)[len(raw) - 8 - length:len(raw) - 8], data_end=len(raw) - 8 - length)
        group_sizes, column_sizes = footer.file_metadata()
    except _Malformed as exc:
        raise PackageError(f"{file}: not a readable Parquet file ({exc})") from None
    return max(group_sizes, column_sizes)


def check_size(raw: bytes, file: str, limit: int = MAX_BYTES, ratio: int = MAX_RATIO) -> None:
    """Refuse the Parquet file ``raw`` if its data decompresses to more than ``limit`` bytes, or to more
    than ``ratio`` times its own size and more than RATIO_FLOOR bytes (a decompression bomb)."""
    size = uncompressed_size(raw, file)
    if size > limit:
        raise PackageError(f"{file}: its data decompresses to {size} bytes, more than the limit of {limit} bytes")
    if size > RATIO_FLOOR and size > ratio * len(raw):
        raise PackageError(f"{file}: its data decompresses to {size // len(raw)} times the file's size "
                           f"({size} bytes); refusing a decompression bomb")


class _Footer:
    """A cursor over a Thrift Compact Protocol FileMetaData."""

    def __init__(self, data: memoryview, data_end: int) -> None:
        self.data = data
        self.pos = 0
        self.data_end = data_end  # where the column data must end: the footer follows it

    def file_metadata(self) -> tuple[int, int]:
        """(sum of RowGroup.total_byte_size, sum of ColumnMetaData.total_uncompressed_size)."""
        group_sizes = column_sizes = 0
        for field, kind in self._fields(depth=1):
            if field == FILE_ROW_GROUPS:
                for _ in range(self._list_of(STRUCT, kind, "FileMetaData.row_groups")):
                    groups, columns = self._row_group()
                    group_sizes += groups
                    column_sizes += columns
            else:
                self._skip(kind, depth=1)
        return group_sizes, column_sizes

    def _row_group(self) -> tuple[int, int]:
        group_size = column_sizes = 0
        for field, kind in self._fields(depth=2):
            if field == GROUP_COLUMNS:
                for _ in range(self._list_of(STRUCT, kind, "RowGroup.columns")):
                    column_sizes += self._column_chunk()
            elif field == GROUP_TOTAL_BYTE_SIZE:
                group_size += self._size(kind, "RowGroup.total_byte_size")
            else:
                self._skip(kind, depth=2)
        return group_size, column_sizes

    def _column_chunk(self) -> int:
        size = 0
        for field, kind in self._fields(depth=3):
            if field == CHUNK_META_DATA:
                self._expect(STRUCT, kind, "ColumnChunk.meta_data")
                size += self._column_metadata()
            elif field == CHUNK_FILE_PATH:  # a reader that followed it would read outside the package
                raise _Malformed("a column's data is in another file (ColumnChunk.file_path)")
            else:
                self._skip(kind, depth=3)
        return size

    def _column_metadata(self) -> int:
        """The column's uncompressed size, once its compressed bytes are found to lie between the magic and
        the footer (Polars panics on a chunk that reaches past the end of the file)."""
        sizes: dict[int, int] = {}
        for field, kind in self._fields(depth=4):
            if field in _META_NAMES:
                sizes[field] = self._size(kind, f"ColumnMetaData.{_META_NAMES[field]}")
            else:
                self._skip(kind, depth=4)
        offsets = [sizes[f] for f in (META_DATA_PAGE_OFFSET, META_DICTIONARY_PAGE_OFFSET) if sizes.get(f)]  # 0: none
        start, length = min(offsets, default=len(MAGIC)), sizes.get(META_TOTAL_COMPRESSED_SIZE, 0)
        if any(not len(MAGIC) <= offset <= self.data_end for offset in offsets) or start + length > self.data_end:
            raise _Malformed(f"a column's data (at {', '.join(map(str, offsets)) or start}, {length} bytes) does not "
                             f"lie between the magic and the footer at {self.data_end}")
        return sizes.get(META_TOTAL_UNCOMPRESSED_SIZE, 0)

    def _fields(self, depth: int) -> Iterator[tuple[int, int]]:
        """The (field id, type id) of each field of the struct at the cursor; the caller reads or skips each value."""
        if depth > MAX_DEPTH:
            raise _Malformed(f"nested deeper than {MAX_DEPTH}")
        field = 0
        while True:
            header = self._byte()
            kind = header & 0x0F
            if kind == STOP:
                return
            delta = header >> 4
            field = field + delta if delta else self._zigzag(self._varint())
            yield field, kind

    def _skip(self, kind: int, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise _Malformed(f"nested deeper than {MAX_DEPTH}")
        if kind in (TRUE, FALSE):  # a struct field's value is in its header
            return
        if kind == BYTE:
            self._take(1)
        elif kind in (I16, I32, I64):
            self._varint()
        elif kind == DOUBLE:
            self._take(8)
        elif kind == BINARY:
            self._take(self._varint())
        elif kind in (LIST, SET):
            size, element = self._list_header()
            for _ in range(size):
                self._skip_element(element, depth + 1)
        elif kind == MAP:
            size = self._varint()
            if size:
                if 2 * size > self._remaining():  # each entry takes at least two bytes
                    raise _Malformed(f"a map of {size} entries in {self._remaining()} bytes")
                types = self._byte()
                for _ in range(size):
                    self._skip_element(types >> 4, depth + 1)
                    self._skip_element(types & 0x0F, depth + 1)
        elif kind == STRUCT:
            for _, field_kind in self._fields(depth + 1):
                self._skip(field_kind, depth + 1)
        else:
            raise _Malformed(f"unknown type id {kind}")

    def _skip_element(self, kind: int, depth: int) -> None:
        if kind in (TRUE, FALSE):  # in a list, set or map each boolean takes a byte of its own
            self._take(1)
        else:
            self._skip(kind, depth)

    def _list_header(self) -> tuple[int, int]:
        header = self._byte()
        size = header >> 4
        if size == 15:
            size = self._varint()
        if size > self._remaining():  # each element takes at least a byte
            raise _Malformed(f"a list of {size} elements in {self._remaining()} bytes")
        return size, header & 0x0F

    def _list_of(self, element: int, kind: int, name: str) -> int:
        self._expect(LIST, kind, name)
        size, actual = self._list_header()
        if size:
            self._expect(element, actual, f"an element of {name}")
        return size

    def _size(self, kind: int, name: str) -> int:
        self._expect(I64, kind, name)
        size = self._zigzag(self._varint())
        if size < 0:
            raise _Malformed(f"negative {name} {size}")
        return size

    @staticmethod
    def _expect(expected: int, kind: int, name: str) -> None:
        # A size under an unexpected type would otherwise be skipped, and so not counted.
        if kind != expected:
            raise _Malformed(f"{name} has type id {kind}, not {expected}")

    def _remaining(self) -> int:
        return len(self.data) - self.pos

    def _byte(self) -> int:
        if self.pos >= len(self.data):
            raise _Malformed("footer ends early")
        self.pos += 1
        return self.data[self.pos - 1]

    def _take(self, count: int) -> None:
        if count > self._remaining():
            raise _Malformed("footer ends early")
        self.pos += count

    def _varint(self) -> int:
        value = 0
        for shift in range(0, 70, 7):  # an i64 takes at most ten bytes
            byte = self._byte()
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
        raise _Malformed("a varint longer than ten bytes")

    @staticmethod
    def _zigzag(value: int) -> int:
        return (value >> 1) ^ -(value & 1)
