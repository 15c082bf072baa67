#!/usr/bin/env python3
r"""Dump one table of an ESE database with impacket.ese (python3-impacket).

Used by tests/test_engine_database_writer_interop.cpp as an independent
reader of databases written by esekit. Prints tab-separated lines:

  STATUS  ok|error|missing  <detail>
  COLUMNS <name> <name> ...                 (when ok)
  ROW     <cell> <cell> ...                 (one per row, cells in column order)

A cell is the value impacket returns as text, or \N for None (NULL).

impacket returns Binary/LongBinary cells hex-encoded (bytes), NULL as None,
and a separated long value as the raw LID bytes it finds in the record (it
does not read long-value trees).

--py3-large-page-shim: impacket 0.10.0 cannot read pages larger than 8 KiB
on Python 3 (ESENT_PAGE.getTag calls ord() on an int; it fails the same way
on Windows-made files such as corpus cortana-akarib IndexedDB.edb). With
this flag getTag is replaced by the same logic with bytes indexing; nothing
else of impacket is changed.
"""
import sys
from struct import unpack


def install_large_page_shim(ese):
    original = ese.ESENT_PAGE.getTag

    def get_tag(self, tag_number):
        header = self._ESENT_PAGE__DBHeader
        large = header['Version'] == 0x620 and header['FileFormatRevision'] >= 17 and header['PageSize'] > 8192
        if not large:
            return original(self, tag_number)
        if self.record['FirstAvailablePageTag'] < tag_number:
            raise Exception('Trying to grab an unknown tag 0x%x' % tag_number)
        tags = self.data[-4 * self.record['FirstAvailablePageTag']:]
        base = len(self.record)
        for _ in range(tag_number):
            tags = tags[:-4]
        tag = tags[-4:]
        size = unpack('<H', tag[:2])[0] & 0x7fff
        offset = unpack('<H', tag[2:])[0] & 0x7fff
        data = bytearray(self.data[base + offset:][:size])
        flags = 0
        if len(data) >= 2:
            flags = data[1] >> 5
            data[1] &= 0x1f
        return flags, bytes(data)

    ese.ESENT_PAGE.getTag = get_tag


def cell(value):
    if value is None:
        return '\\N'
    if isinstance(value, bytes):
        value = value.decode('ascii', 'backslashreplace')
    return str(value).replace('\t', ' ').replace('\n', ' ')


def emit(*fields):
    sys.stdout.write('\t'.join(fields) + '\n')


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    shim = '--py3-large-page-shim' in sys.argv
    if len(args) != 2:
        emit('STATUS', 'error', 'usage: read_with_impacket.py [--py3-large-page-shim] FILE TABLE')
        return 2
    path, table = args
    try:
        from impacket import ese
    except ImportError as e:
        emit('STATUS', 'missing', 'impacket not importable: %s' % e)
        return 3
    if shim:
        install_large_page_shim(ese)
    try:
        db = ese.ESENT_DB(path)
        cursor = db.openTable(table)
        if cursor is None:
            raise Exception('table %s not found' % table)
        columns = [c.decode('utf-8') for c in cursor['TableData']['Columns'].keys()]
        rows = []
        while True:
            record = db.getNextRow(cursor)
            if record is None:
                break
            rows.append([cell(v) for v in record.values()])
        db.close()
    except Exception as e:  # report the reader's failure to the test instead of a traceback
        emit('STATUS', 'error', '%s: %s' % (type(e).__name__, e))
        return 1
    emit('STATUS', 'ok', 'shim' if shim else 'plain')
    emit('COLUMNS', *columns)
    for row in rows:
        emit('ROW', *row)
    return 0


if __name__ == '__main__':
    sys.exit(main())
