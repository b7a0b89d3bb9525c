/**
 * `room.getQualityStats()` (AVSDK GetQualityParam) from the stats reports of the live connections.
 * Rates (kbps, fps, loss) are differences of counters between two samples: the previous call's,
 * or, on the first call (or one long after the last), a sample taken one second earlier.
 */

/** One stream, sent or received (API.md section 7). */
export interface StreamQuality {
  width?: number;
  height?: number;
  fps?: number;
  kbps: number;
  /**
   * Sent: what the SFU's receiver reports say it lost. Received: packets lost on the way, counting
   * those recovered by retransmission (the SFU's own count of what it sent the view, media.viewStats,
   * against what arrived; against a server without it, one NACK stands for one packet), so that loss
   * repaired before playback still shows.
   */
  lossPercent: number;
}

export type SourceQuality = { camera?: StreamQuality; screen?: StreamQuality; audio?: StreamQuality };

export interface QualityStats {
  /** Round trip to the server (its receiver reports, else the ICE pair); 0 while unknown. */
  rttMs: number;
  /** All our sent streams together, weighted by their packets. */
  upLossPercent: number;
  /** All received streams together, weighted by their packets. */
  downLossPercent: number;
  send: SourceQuality;
  recv: Record<string, SourceQuality>;
}

export type QualitySource = keyof SourceQuality;

/** A connection's report and the streams of it to read: whose (recv) and which source, by track id or m-section. */
export interface QualityInput {
  direction: 'send' | 'recv';
  report: RTCStatsReport | null;
  streams: QualityStream[];
}

export interface QualityStream {
  identifier: string;
  source: QualitySource;
  trackId: string;
  mid?: string;
  /** Received: the server's count of what it sent this view (media.viewStats), when it told us. */
  server?: { subscriptionId: string; packets: number; resent: number };
}

/** Counters of one stream at one time. */
interface Counters {
  at: number;
  bytes: number;
  packets: number;
  /** Recv: packetsLost (expected by sequence number, not received: what repair left lost); send: unused. */
  lost: number;
  /** Recv: NACKs we sent. */
  nacks: number;
  /** Recv: the server's counts of this view, when known. */
  server: QualityStream['server'];
  frames: number | undefined;
  width: number | undefined;
  height: number | undefined;
  /** Send: the SFU's last reported fraction lost (0–1). */
  fractionLost: number | undefined;
  rtt: number | undefined;
}

interface Sample {
  at: number;
  streams: Map<string, { direction: 'send' | 'recv'; identifier: string; source: QualitySource; counters: Counters }>;
  pairRtt: number | undefined;
}

type Stat = Record<string, unknown>;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Reads the counters of every stream named in `inputs`. */
export function sample(inputs: readonly QualityInput[], at: number): Sample {
  const out: Sample = { at, streams: new Map(), pairRtt: undefined };
  for (const input of inputs) {
    const all: Stat[] = [];
    input.report?.forEach((s: Stat) => all.push(s));
    const byId = new Map(all.map((s) => [s.id as string, s]));
    for (const s of all) {
      if (s.type === 'candidate-pair' && (s.nominated === true || s.selected === true) && s.state === 'succeeded') {
        const rtt = num(s.currentRoundTripTime);
        if (rtt !== undefined) out.pairRtt = Math.max(out.pairRtt ?? 0, rtt);
      }
    }
    for (const stream of input.streams) {
      const rtpType = input.direction === 'send' ? 'outbound-rtp' : 'inbound-rtp';
      // The m-section, or the track's id: on the RTP stats (recent libwebrtc), or on the media-source / track stats they link to.
      const ofTrack = (s: Stat) =>
        (stream.mid !== undefined && s.mid === stream.mid) ||
        s.trackIdentifier === stream.trackId ||
        byId.get(s.mediaSourceId as string)?.trackIdentifier === stream.trackId ||
        byId.get(s.trackId as string)?.trackIdentifier === stream.trackId;
      const rtp = all.filter((s) => s.type === rtpType && ofTrack(s));
      if (rtp.length === 0) continue;
      const c: Counters = {
        at,
        bytes: 0,
        packets: 0,
        lost: 0,
        nacks: 0,
        server: stream.server,
        frames: undefined,
        width: undefined,
        height: undefined,
        fractionLost: undefined,
        rtt: undefined,
      };
      for (const s of rtp) {
        const legacy = byId.get(s.trackId as string) ?? {};
        c.bytes += num(input.direction === 'send' ? s.bytesSent : s.bytesReceived) ?? 0;
        c.packets += num(input.direction === 'send' ? s.packetsSent : s.packetsReceived) ?? 0;
        c.lost += num(s.packetsLost) ?? 0;
        c.nacks += num(s.nackCount) ?? 0;
        // Simulcast layers: the largest is what a 'big' view gets.
        const width = num(s.frameWidth) ?? num(legacy.frameWidth);
        if (width !== undefined && width >= (c.width ?? 0)) {
          c.width = width;
          c.height = num(s.frameHeight) ?? num(legacy.frameHeight);
          c.frames =
            input.direction === 'send' ? (num(s.framesEncoded) ?? num(legacy.framesSent)) : (num(s.framesDecoded) ?? num(legacy.framesDecoded));
        }
        const remote = all.find((r) => r.type === 'remote-inbound-rtp' && r.localId === s.id);
        if (remote) {
          const f = num(remote.fractionLost);
          if (f !== undefined) c.fractionLost = Math.max(c.fractionLost ?? 0, f);
          const rtt = num(remote.roundTripTime);
          if (rtt !== undefined) c.rtt = Math.max(c.rtt ?? 0, rtt);
        }
      }
      out.streams.set(`${input.direction}:${stream.identifier}:${stream.source}`, {
        identifier: stream.identifier,
        source: stream.source,
        direction: input.direction,
        counters: c,
      });
    }
  }
  return out;
}

/** The quality between two samples of the same connections (`before` older). */
export function qualityBetween(before: Sample, now: Sample): QualityStats {
  const out: QualityStats = { rttMs: 0, upLossPercent: 0, downLossPercent: 0, send: {}, recv: {} };
  const totals = { send: { lost: 0, expected: 0 }, recv: { lost: 0, expected: 0 } };
  let rtt: number | undefined;
  for (const [key, cur] of now.streams) {
    const c = cur.counters;
    const prev = before.streams.get(key)?.counters;
    const seconds = prev ? (c.at - prev.at) / 1000 : 0;
    const d = (f: (x: Counters) => number | undefined) => (prev && seconds > 0 ? Math.max(0, (f(c) ?? 0) - (f(prev) ?? 0)) : 0);
    const packets = d((x) => x.packets);
    let lossPercent: number;
    if (cur.direction === 'send') {
      lossPercent = (c.fractionLost ?? 0) * 100;
      totals.send.lost += (packets * lossPercent) / 100;
      totals.send.expected += packets;
    } else {
      const { lost, expected } = receivedLoss(c, prev, packets);
      lossPercent = expected > 0 ? (100 * lost) / expected : 0;
      totals.recv.lost += lost;
      totals.recv.expected += expected;
    }
    if (c.rtt !== undefined) rtt = Math.max(rtt ?? 0, c.rtt);
    const q: StreamQuality = { kbps: seconds > 0 ? round((d((x) => x.bytes) * 8) / 1000 / seconds) : 0, lossPercent: round(lossPercent) };
    if (c.width !== undefined) q.width = c.width;
    if (c.height !== undefined) q.height = c.height;
    if (c.frames !== undefined && prev?.frames !== undefined && seconds > 0) q.fps = round(d((x) => x.frames) / seconds);
    if (cur.direction === 'send') out.send[cur.source] = q;
    else (out.recv[cur.identifier] ??= {})[cur.source] = q;
  }
  out.upLossPercent = totals.send.expected > 0 ? round((100 * totals.send.lost) / totals.send.expected) : 0;
  out.downLossPercent = totals.recv.expected > 0 ? round((100 * totals.recv.lost) / totals.recv.expected) : 0;
  out.rttMs = round((rtt ?? now.pairRtt ?? 0) * 1000);
  return out;
}

/**
 * A received stream's loss before repair over the window: what never arrived the first time.
 * - With the server's counts of the same view (media.viewStats): it sent `Δsent` for the first time
 *   and `Δresent` again for our NACKs; we received `received`, resends included, so
 *   `Δsent − (received − Δresent)` did not arrive the first time. Not packetsLost, which counts only
 *   what repair left lost, and which libwebrtc updates for audio only with its receiver reports.
 * - Without them (an older server): `still lost + NACKs`, one NACK standing for one packet, which
 *   undercounts when one NACK names several.
 */
function receivedLoss(c: Counters, prev: Counters | undefined, received: number): { lost: number; expected: number } {
  if (!prev) return { lost: 0, expected: 0 };
  if (c.server && prev.server && c.server.subscriptionId === prev.server.subscriptionId) {
    const sent = c.server.packets - prev.server.packets;
    const resent = c.server.resent - prev.server.resent;
    return { lost: Math.min(sent, Math.max(0, sent - (received - resent))), expected: sent };
  }
  const lost = Math.max(0, c.lost - prev.lost + c.nacks - prev.nacks);
  return { lost, expected: Math.max(lost, received + c.lost - prev.lost) };
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

/** A first call (or one after this long) measures over a window of its own… */
const STALE_MS = 60_000;
/** …of this long; calls closer together than it wait for it too, or the rates would be noise. */
const WINDOW_MS = 1000;

/** Keeps the last sample between calls, so that a call measures since the one before. */
export class QualityMeter {
  #last: Sample | null = null;

  async measure(collect: () => Promise<QualityInput[]>): Promise<QualityStats> {
    let before = this.#last;
    if (!before || Date.now() - before.at > STALE_MS) before = sample(await collect(), Date.now());
    const wait = before.at + WINDOW_MS - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const now = sample(await collect(), Date.now());
    this.#last = now;
    return qualityBetween(before, now);
  }
}
