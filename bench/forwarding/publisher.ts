// The publisher (child process of run.ts): one @roamhq/wrtc peer sending 640x360 VP8 at 30 fps from
// nonstandard.RTCVideoSource, fed I420 frames whose content keeps changing (moving bar + fresh noise
// blocks every frame) so the encoder has something to spend its ~1.5 Mbps ceiling on.
// IPC in: {cmd:'connect', target:'hudong'|'janus', url, identifier} | {cmd:'stats'} | {cmd:'stop'}
// IPC out: {type:'connected', identifier?, feedId?} | {type:'stats', ...} | {type:'error', message}
import { randomFillSync } from 'node:crypto';
import wrtc from '@roamhq/wrtc';
import type { RawClient } from '../../tests/helpers/raw-client.js';
import { joinHudong } from './hudong.js';
import { JanusSession, JANUS_ROOM } from './janus.js';

const W = 640,
  H = 360,
  FPS = 30;
const BLOCKS_PER_FRAME = Number(process.env.BENCH_NOISE_BLOCKS ?? 48);
/**
 * `b=AS` (kbit/s) put on the SFU's answer, the same for both SFUs, so the workload is the issue's
 * ~1.5 Mbps whatever each SFU's bandwidth feedback allows (it settled near 1.7 Mbps without).
 * 1700 gives ~1.5 Mbps of RTP (measured); `getParameters/setParameters` fails in @roamhq/wrtc 0.10.
 */
const AS_KBPS = Number(process.env.BENCH_AS_KBPS ?? 1700);
const send = (m: unknown) => void (process.connected && process.send!(m));

const source = new wrtc.nonstandard.RTCVideoSource();
const track = source.createTrack();
const frame = new Uint8Array((W * H * 3) / 2);
frame.fill(128);
const noise = new Uint8Array(16 * 16);
let n = 0;

function nextFrame(): void {
  const y = frame.subarray(0, W * H);
  // a vertical bar sweeping across the picture
  const bx = (n * 8) % W;
  for (let r = 0; r < H; r++) {
    const row = r * W;
    y.fill(40, row + ((bx + W - 8) % W), row + ((bx + W - 8) % W) + 8);
    y.fill(220, row + bx, row + Math.min(W, bx + 8));
  }
  // fresh noise in random 16x16 blocks (luma and chroma)
  for (let b = 0; b < BLOCKS_PER_FRAME; b++) {
    const bxp = Math.floor(Math.random() * (W / 16)) * 16,
      byp = Math.floor(Math.random() * Math.floor(H / 16)) * 16;
    randomFillSync(noise);
    for (let r = 0; r < 16; r++) y.set(noise.subarray(r * 16, r * 16 + 16), (byp + r) * W + bxp);
    const u = W * H + (byp / 2) * (W / 2) + bxp / 2,
      v = u + (W * H) / 4;
    for (let r = 0; r < 8; r++) {
      frame.fill(noise[r]!, u + r * (W / 2), u + r * (W / 2) + 8);
      frame.fill(noise[255 - r]!, v + r * (W / 2), v + r * (W / 2) + 8);
    }
  }
  n++;
  source.onFrame({ width: W, height: H, data: frame });
}

// 30 fps against the wall clock (setInterval alone drifts)
const t0 = performance.now();
let sent = 0;
const pump = setInterval(() => {
  const due = Math.floor(((performance.now() - t0) * FPS) / 1000);
  if (due - sent > 5) sent = due - 1; // fell behind (busy machine): drop, don't burst
  while (sent < due) {
    nextFrame();
    sent++;
  }
}, 5);

let pc: RTCPeerConnection | undefined;
let hudong: RawClient | undefined;
let janus: JanusSession | undefined;

async function gatheredOffer(): Promise<string> {
  pc = new wrtc.RTCPeerConnection({ iceServers: [] }) as unknown as RTCPeerConnection;
  pc.addTransceiver(track, { direction: 'sendonly' });
  const done = new Promise<void>((res) => {
    pc!.onicegatheringstatechange = () => pc!.iceGatheringState === 'complete' && res();
    pc!.onicecandidate = (e) => !e.candidate && res();
  });
  await pc.setLocalDescription(await pc.createOffer());
  await done;
  return pc.localDescription!.sdp;
}

/** Until the transport is up and RTP has left (Janus only lists a feed once its media flows). */
async function flowing(): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const st = await stats();
    if (st.connectionState === 'connected' && Number(st.packetsSent) > 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`publisher transport not flowing after 30 s (${pc?.connectionState})`);
}

/** The SFU's answer with `b=AS` on the video section: libwebrtc never sends faster than that. */
function capped(answer: string): string {
  return answer.replace(/(m=video[^\r\n]*\r?\n(?:c=[^\r\n]*\r?\n)?)/, `$1b=AS:${AS_KBPS}\r\n`);
}

async function connect(target: string, url: string, identifier: string): Promise<void> {
  const sdp = await gatheredOffer();
  if (target === 'hudong') {
    hudong = (await joinHudong(url, identifier)).client;
    const r = await hudong.call('media.publish', { source: 'camera', sdp });
    await pc!.setRemoteDescription({ type: 'answer', sdp: capped(r.sdp!) });
    await flowing();
    send({ type: 'connected', identifier });
  } else {
    janus = new JanusSession();
    await janus.open(url);
    const joined = await janus.message({ request: 'join', ptype: 'publisher', room: JANUS_ROOM, display: identifier });
    const feedId = joined.plugindata!.data.id;
    const conf = await janus.message({ request: 'configure', audio: false, video: true }, { type: 'offer', sdp });
    await pc!.setRemoteDescription({ type: 'answer', sdp: capped(conf.jsep!.sdp) });
    await janus.trickleCompleted();
    await flowing();
    await new Promise((r) => setTimeout(r, 500));
    send({ type: 'connected', feedId });
  }
}

/** The reply to {cmd:'stats'}: frames fed so far and, once the transport exists, its state and video outbound-rtp counters. */
export interface PublisherStats {
  framesFed: number;
  at: number;
  connectionState?: RTCPeerConnectionState;
  bytesSent?: number;
  packetsSent?: number;
  framesEncoded?: number;
  frameWidth?: number;
  frameHeight?: number;
  keyFramesEncoded?: number;
  pliCount?: number;
  firCount?: number;
  nackCount?: number;
  retransmitted?: number;
  limitation?: string;
}

async function stats(): Promise<PublisherStats> {
  const out: PublisherStats = { framesFed: n, at: Date.now() };
  if (!pc) return out;
  const report = await pc.getStats();
  report.forEach((stat: RTCStats) => {
    if (stat.type !== 'outbound-rtp') return;
    const s = stat as RTCOutboundRtpStreamStats;
    if (s.kind === 'video') {
      Object.assign(out, {
        bytesSent: s.bytesSent,
        packetsSent: s.packetsSent,
        framesEncoded: s.framesEncoded,
        frameWidth: s.frameWidth ?? 0,
        frameHeight: s.frameHeight ?? 0,
        keyFramesEncoded: s.keyFramesEncoded ?? 0,
        pliCount: s.pliCount ?? 0,
        firCount: s.firCount ?? 0,
        nackCount: s.nackCount ?? 0,
        retransmitted: s.retransmittedPacketsSent ?? 0,
        limitation: s.qualityLimitationReason ?? '',
      });
    }
  });
  out.connectionState = pc.connectionState;
  return out;
}

/** What run.ts sends (see the header). */
type PublisherCommand =
  { cmd: 'connect'; target: 'hudong' | 'janus'; url: string; identifier: string } | { cmd: 'stats' } | { cmd: 'disconnect' } | { cmd: 'stop' };

process.on('message', (message) => {
  const m = message as PublisherCommand;
  if (m.cmd === 'connect') {
    connect(m.target, m.url, m.identifier).catch((e) => send({ type: 'error', message: String(e?.stack ?? e) }));
  } else if (m.cmd === 'stats') {
    stats().then(
      (s) => send({ type: 'stats', ...s }),
      (e) => send({ type: 'error', message: String(e) }),
    );
  } else if (m.cmd === 'disconnect') {
    pc?.close();
    pc = undefined;
    hudong?.close();
    janus?.close();
    hudong = undefined;
    janus = undefined;
    send({ type: 'disconnected' });
  } else if (m.cmd === 'stop') {
    clearInterval(pump);
    pc?.close();
    hudong?.close();
    janus?.close();
    track.stop();
    setTimeout(() => process.exit(0), 200);
  }
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
