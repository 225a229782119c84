#!/bin/sh
# Rebuilds the shipped sample models/samples/fashion-mnist: the first N (default 256) Fashion-MNIST test images and
# labels, in file order, as gzip IDX files of the same format. Byte-for-byte reproducible (gzip without name or time).
# Usage: tools/make-sample.sh [SOURCE_DIR] [N]   (SOURCE_DIR default /usr/share/datasets/fashion-mnist,
#        installed by: apt-get install dataset-fashion-mnist)
set -eu
src="${1:-/usr/share/datasets/fashion-mnist}"
n="${2:-256}"
out="$(cd "$(dirname "$0")/.." && pwd)/models/samples/fashion-mnist"
mkdir -p "$out"
python3 - "$src" "$out" "$n" <<'PY'
import gzip, struct, sys
src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])

def copy(name, magic, dims, item_bytes):
    """Keeps the header (magic, sizes) with the count set to n, and the first n items."""
    with gzip.open(f"{src}/{name}", "rb") as f:
        data = f.read()
    found, count = struct.unpack(">II", data[:8])
    assert found == magic, f"{name}: magic {found:#010x}, expected {magic:#010x}"
    header = 4 + 4 * dims
    body = data[header:header + n * item_bytes]
    assert count >= n and len(body) == n * item_bytes, f"{name}: fewer than {n} items"
    with open(f"{out}/{name}", "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as g:
        g.write(struct.pack(">II", magic, n) + data[8:header] + body)

copy("t10k-images-idx3-ubyte.gz", 0x00000803, 3, 28 * 28)
copy("t10k-labels-idx1-ubyte.gz", 0x00000801, 1, 1)
PY
echo "wrote $n images and labels to $out"
