#!/usr/bin/env bash
# Where the server's CPU per forwarded packet goes: runs the Hudong-only forwarding bench at one N and
# records the server process with perf (call graphs; JS frames named through --perf-basic-prof) while
# it forwards, then prints the cost by thread, library, component (docs/media.md) and top symbols. Run
# from the repo root as root, after `npm run build`; needs perf (apt-get install -y linux-perf).
#   bash bench/forwarding/profile.sh [N=100] [SECONDS=15] [SERVER_OPTIONS_JSON='{}']   e.g. '{"iceUdpMux":false}'
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-100}
secs=${2:-15}
server_config=${3:-'{}'}
out=test-results/profile
mkdir -p "$out"
export NODE_OPTIONS="--perf-basic-prof-only-functions"
bash ../shared/tools/netns-run node --import tsx bench/forwarding/run.ts --only hudong --n "$n" --warmup 20 --settle 8 --seconds $((secs + 20)) --server-config "$server_config" \
  >"$out/bench.out" 2>"$out/bench.log" &
bench=$!
until pid=$(grep -oP 'hudong started, pid \K\d+' "$out/bench.log" 2>/dev/null); do sleep 0.5; done
until grep -q "hudong N=$n: $n subscribers" "$out/bench.log"; do sleep 0.5; done
sleep 14 # settle, and the first seconds of the measure window
echo "profiling server pid $pid for $secs s at N=$n" >&2
perf stat -e task-clock,context-switches,cpu-migrations -p "$pid" -- sleep "$secs" 2>"$out/stat.txt" &
perf record -F 999 -g -p "$pid" -o "$out/perf.data" -- sleep "$secs" 2>/dev/null
wait "$bench" || true
grep -E "N=$n:" "$out/bench.log" | tail -1
cat "$out/stat.txt"
report() { perf report -i "$out/perf.data" --no-children -g none --stdio "$@" 2>/dev/null | grep -E '^ +[0-9]' | head -"$rows" || true; }
echo "== by thread (self time)"; rows=12 report --sort comm
echo "== by library (self time)"; rows=12 report --sort dso
echo "== top symbols (self time)"; rows=45 report --sort dso,sym
# The table of docs/media.md: self time by component, in µs per forwarded packet of this run. Kernel
# symbols say little here (cpu-clock samples taken with interrupts off land on the re-enable), so the
# kernel is also split by the inclusive time of its entry points (softirqs run inside sendto on loopback).
us=$(grep -E "N=$n:" "$out/bench.log" | tail -1 | grep -oP '[0-9.]+(?= µs/pkt)')
echo "== by component (self time), µs per forwarded packet of ${us}"
rows=100000 report --sort dso,sym | awk -v us="$us" '
  { p = $1; sub(/%/, "", p); dso = $2; sym = $NF
    if (dso ~ /kernel/) c = "kernel"
    else if (dso == "[JIT]") c = "our JavaScript (JIT)"
    else if (dso == "node" && sym ~ /aes|gcm|GCM|EVP_|evp_|CRYPTO_|ossl_|sha1|SHA1|HMAC|cipher/) c = "SRTP (OpenSSL in node)"
    else if (dso == "node") c = "node: V8, N-API, libuv"
    else if (dso ~ /hudong_media/ && sym ~ /Srtp|StreamTable/) c = "SRTP (hudong_media.node)"
    else if (dso ~ /hudong_media/) c = "native engine: N-API, batching (hudong_media.node)"
    else if (dso ~ /node_datachannel/ && sym ~ /srtp|aes|gcm|GCM|EVP_|CRYPTO_|sha1|hmac|HMAC|cipher/) c = "SRTP (libsrtp + OpenSSL)"
    else if (dso ~ /node_datachannel/) c = "libdatachannel + libjuice"
    else if (dso ~ /libc|libstdc/) c = "libc, libstdc++"
    else c = "other"
    t[c] += p }
  END { for (c in t) printf "%6.1f %%  %5.2f µs  %s\n", t[c], t[c] * us / 100, c }' | sort -rn
echo "== kernel entry points (inclusive)"
perf report -i "$out/perf.data" --children --sort sym -g none --stdio 2>/dev/null |
  grep -E '\[k\] (__x64_sys_sendto|handle_softirqs|schedule|__x64_sys_futex|__x64_sys_poll|__x64_sys_epoll_pwait)$' |
  awk -v us="$us" '{ p = $1; sub(/%/, "", p); printf "%6.1f %%  %5.2f µs  %s\n", p, p * us / 100, $NF }'
echo "perf data: $out/perf.data" >&2
