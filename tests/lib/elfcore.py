# SPDX-License-Identifier: GPL-2.0-or-later
"""Read guest-physical memory from an ELF core of dump-guest-memory (paging=false):
one PT_LOAD per RAM range, p_paddr = guest-physical address. For tests only."""

import struct

PT_LOAD = 1


class Core:
    def __init__(self, path):
        self.f = open(path, "rb")
        h = self.f.read(64)
        if h[:4] != b"\x7fELF" or h[4] != 2 or h[5] != 1:
            raise ValueError("%s: not a little-endian ELF64 file" % path)
        phoff, = struct.unpack_from("<Q", h, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", h, 0x36)
        self.loads = []            # (paddr, filesz, offset)
        for i in range(phnum):
            self.f.seek(phoff + i * phentsize)
            p = self.f.read(56)
            (p_type, _flags, p_offset, _vaddr, p_paddr, p_filesz,
             _memsz, _align) = struct.unpack("<IIQQQQQQ", p)
            if p_type == PT_LOAD and p_filesz:
                self.loads.append((p_paddr, p_filesz, p_offset))

    def read(self, addr, size):
        out = b""
        while size > 0:
            for paddr, filesz, off in self.loads:
                if paddr <= addr < paddr + filesz:
                    n = min(size, paddr + filesz - addr)
                    self.f.seek(off + addr - paddr)
                    out += self.f.read(n)
                    addr += n
                    size -= n
                    break
            else:
                raise ValueError("guest-physical 0x%x is not in the core" % addr)
        return out

    def qwords(self, addr, n):
        return list(struct.unpack("<%dQ" % n, self.read(addr, 8 * n)))

    def close(self):
        self.f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
