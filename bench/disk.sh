# bench/disk.sh: the benchmarks' made-up disk (sourced, not run).
#
# bench_disk PATH MIB: a sparse MIB MiB raw disk with a quarter of it in
# data runs of 1..8 MiB, 40% random bytes (compressed files, binaries) and
# the rest text-like (logs, configs, sources), between zero runs: the
# layout and the text are seeded, the random runs fresh each time.
bench_disk() {
	rm -f "$1"
	truncate -s "${2}M" "$1"
	python3 - "$1" "$2" <<'PY'
import os, random, sys
path, mib = sys.argv[1], int(sys.argv[2])
rnd = random.Random(42)
words = [bytes(rnd.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(rnd.randint(2, 9))) for _ in range(4000)]
with open(path, "r+b") as f:
    # a quarter of the disk in data runs of 1..8 MiB, the rest zeros
    left = mib // 4
    while left > 0:
        n = min(left, rnd.randint(1, 8))
        off = rnd.randrange(0, mib - n)
        f.seek(off << 20)
        if rnd.random() < 0.4:
            f.write(os.urandom(n << 20))            # compressed files, binaries
        else:
            text = b" ".join(rnd.choice(words) for _ in range((n << 20) // 5))
            f.write(text[: n << 20])                # logs, configs, sources
        left -= n
PY
}
