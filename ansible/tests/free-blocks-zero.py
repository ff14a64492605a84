"""Count the free blocks of an ext4 file system that are not zero (the data of deleted files:
what the build left on its volume); exit 1 when there are more than ALLOWED.

usage: free-blocks-zero.py DEVICE ALLOWED

dumpe2fs lists the free blocks; the device is read with O_DIRECT (its page cache may hold what
a block held before the zeroing, which went through the file system).
"""

import mmap
import os
import re
import subprocess
import sys

device, allowed = sys.argv[1], int(sys.argv[2])
listing = subprocess.run(["dumpe2fs", device], capture_output=True, text=True, check=True).stdout
block_size = int(re.search(r"^Block size:\s+(\d+)$", listing, re.M).group(1))
ranges = []
for line in re.findall(r"^\s+Free blocks: (.+)$", listing, re.M):
    for part in line.split(","):
        first, _, last = part.strip().partition("-")
        ranges.append((int(first), int(last or first)))

zero = bytes(block_size)
free = dirty = 0
fd = os.open(device, os.O_RDONLY | os.O_DIRECT)
buffer = mmap.mmap(-1, 256 * block_size)  # page-aligned, as O_DIRECT needs
try:
    for first, last in ranges:
        block = first
        while block <= last:
            count = min(256, last - block + 1)
            view = memoryview(buffer)[: count * block_size]
            os.preadv(fd, [view], block * block_size)
            chunk = bytes(view)
            free += count
            if chunk.count(0) != len(chunk):
                dirty += sum(chunk[i * block_size : (i + 1) * block_size] != zero for i in range(count))
            block += count
finally:
    os.close(fd)

print(f"{device}: {free} free blocks of {block_size} bytes, {dirty} of them not zero (allowed: {allowed})")
sys.exit(1 if dirty > allowed else 0)
