// Subscriber worker (child process of run.ts): many node-datachannel peers that only receive and
// count RTP — no decoding, no depacketizing, no RTCP of their own (except an optional periodic PLI).
// IPC in:  {cmd:'add', target, url, publisher, feedId, names:[...]} | {cmd:'answer', name, offer} | {cmd:'snapshot'} | {cmd:'pli', seconds} | {cmd:'closeAll'}
// IPC out: {type:'added', ok, errors} | {type:'answered', answer} | {type:'snapshot', at, subs:[...]} | {type:'closed'}
// ('answer' is for send-path.ts: an offer from a bare node-datachannel sender, no SFU signalling.)
import nodeDataChannel from 'node-datachannel';
import type { PeerConnection, Track } from 'node-datachannel';
import { joinHudong, waitForCamera } from './hudong.js';
import { buildPli, isRtcp } from '@hudong/server/rtp';
import { JanusSession, JANUS_ROOM } from './janus.js';

nodeDataChannel.initLogger('Error', (level, msg) => console.error(`ndc ${level}: ${msg}`));
const send = (m: unknown) => void (process.connected && process.send!(m));

interface SsrcState {
  received: number;
  maxExt: number;
  baseExt: number;
}
interface Sub {
  name: string;
  pc: PeerConnection;
  track?: Track;
  close: () => void;
  received: number;
  bytes: number;
  keyframes: number;
  ssrcs: Map<number, SsrcState>;
  mediaSsrc: number;
  /** Date.now() when it asked to view (Hudong), and when its first media packet came: join → first frame. */
  subscribedAt?: number;
  firstPacketAt?: number;
  /** Set when the server ended the view (media.subscriptionEnded): code and sub-code. */
  readonly ended?: string;
}
const subs: Sub[] = [];

function onPacket(sub: Sub, buf: Buffer): void {
  if (buf.length < 12 || buf[0]! >> 6 !== 2) return;
  if (isRtcp(buf)) return;
  sub.received++;
  sub.bytes += buf.length;
  sub.firstPacketAt ??= Date.now();
  const ssrc = buf.readUInt32BE(8);
  const seq = buf.readUInt16BE(2);
  let st = sub.ssrcs.get(ssrc);
  if (!st) {
    sub.ssrcs.set(ssrc, (st = { received: 0, maxExt: seq, baseExt: seq }));
    if (!sub.mediaSsrc) sub.mediaSsrc = ssrc;
  } else {
    const delta = (seq - (st.maxExt & 0xffff)) & 0xffff;
    if (delta !== 0 && delta < 0x8000) st.maxExt += delta;
  }
  st.received++;
  // VP8 keyframe: first packet of a frame (S=1, PID=0) whose payload header has P=0
  let off = 12 + 4 * (buf[0]! & 0x0f);
  if (buf[0]! & 0x10) off += 4 + 4 * buf.readUInt16BE(off + 2);
  let end = buf.length;
  if (buf[0]! & 0x20) end -= buf[end - 1]!;
  if (off >= end) return; // padding only
  const d0 = buf[off]!;
  if ((d0 & 0x10) === 0 || (d0 & 0x07) !== 0) return;
  let p = off + 1;
  if (d0 & 0x80) {
    const x = buf[p++]!;
    if (x & 0x80) p += buf[p]! & 0x80 ? 2 : 1;
    if (x & 0x40) p++;
    if (x & 0x30) p++;
  }
  if (p < end && (buf[p]! & 0x01) === 0) sub.keyframes++;
}

// libjuice gathers no candidate on 127.x addresses (not even on the namespace's jlo0), and a
// node-datachannel server offers none either: then neither side has a candidate and ICE never starts.
// So each subscriber binds a port of its own (10000–19999: below Janus's 20000–40000 and the
// ephemeral range) and announces it as a host candidate on 127.0.0.1, as a libwebrtc client would
// announce 127.0.0.2; the server learns its own address as peer-reflexive.
const WORKER = Number(process.argv[2] ?? 0);
let nextPort = 10_000 + WORKER * 1000;
function withCandidate(sdp: string, port: number): string {
  if (/^a=candidate:/m.test(sdp)) return sdp;
  const cand = `a=candidate:1 1 UDP 2122317823 127.0.0.1 ${port} typ host\r\n`;
  return sdp.replace(/(m=[^\r\n]*\r?\n(?:(?!m=)[^\r\n]*\r?\n)*?)(a=end-of-candidates)/, `$1${cand}$2`).replace(/^(m=\S+) 9 /m, `$1 ${port} `);
}

/** Server offer → gathered answer, counting RTP on every track. */
function answerOffer(name: string, offer: string): Promise<{ sub: Sub; answer: string }> {
  const port = nextPort++;
  const pc = new nodeDataChannel.PeerConnection(name, { iceServers: [], portRangeBegin: port, portRangeEnd: port });
  const sub: Sub = { name, pc, close: () => pc.close(), received: 0, bytes: 0, keyframes: 0, ssrcs: new Map(), mediaSsrc: 0 };
  pc.onTrack((t) => {
    sub.track = t;
    t.onMessage((buf) => onPacket(sub, buf));
  });
  const gathered = new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error('ICE gathering timed out')), 10_000);
    pc.onGatheringStateChange((s) => s === 'complete' && (clearTimeout(timer), res()));
  });
  pc.setRemoteDescription(offer, 'offer' as never);
  return gathered.then(() => ({ sub, answer: withCandidate(pc.localDescription()!.sdp, port) }));
}

async function addHudong(url: string, publisher: string, name: string): Promise<Sub> {
  const { client, members } = await joinHudong(url, name);
  await waitForCamera(client, members, publisher);
  const offered = client.event('media.subscriberOffer', 10_000);
  const subscribedAt = Date.now();
  await client.call('media.subscribe', { identifier: publisher, source: 'camera', size: 'big', codecs: ['VP8'] });
  const { data: offer } = await offered;
  const { sub, answer } = await answerOffer(name, offer.sdp);
  await client.call('media.subscriberAnswer', { connectionId: offer.connectionId, revision: offer.revision, sdp: answer });
  sub.close = () => (sub.pc.close(), client.close());
  sub.subscribedAt = subscribedAt;
  Object.defineProperty(sub, 'ended', {
    get: () => {
      const ended = client.events.find((f) => f.event === 'media.subscriptionEnded');
      return ended ? `${ended.data.error.code} ${ended.data.error.detail.code}` : '';
    },
  });
  return sub;
}

async function addJanus(url: string, feedId: number, name: string): Promise<Sub> {
  const s = new JanusSession();
  await s.open(url);
  let ev;
  for (let attempt = 0; ; attempt++) {
    try {
      ev = await s.message({ request: 'join', ptype: 'subscriber', room: JANUS_ROOM, streams: [{ feed: feedId }] });
      break;
    } catch (e) {
      if (attempt >= 20 || !/No such feed/.test((e as Error).message)) throw e; // feed not listed yet
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const { sub, answer } = await answerOffer(name, ev.jsep!.sdp);
  await s.message({ request: 'start' }, { type: 'answer', sdp: answer });
  await s.trickleCompleted();
  sub.close = () => (sub.pc.close(), s.close());
  return sub;
}

function pli(sub: Sub): void {
  if (!sub.track || !sub.mediaSsrc) return;
  try {
    sub.track.sendMessageBinary(buildPli(0x5eed0001, sub.mediaSsrc));
  } catch {
    /* track closed */
  }
}
let pliTimer: NodeJS.Timeout | undefined;

/** What run.ts sends (see the header); Janus subscribers name the publisher's feed. */
type WorkerCommand =
  | ({ cmd: 'add'; url: string; publisher: string; names: string[] } & ({ target: 'hudong' } | { target: 'janus'; feedId: number }))
  | { cmd: 'answer'; name: string; offer: string }
  | { cmd: 'snapshot' }
  | { cmd: 'pli'; seconds: number }
  | { cmd: 'closeAll' };

async function handle(m: WorkerCommand): Promise<void> {
  if (m.cmd === 'add') {
    const errors: string[] = [];
    let ok = 0;
    const queue = [...m.names];
    const lane = async () => {
      for (let name = queue.shift(); name; name = queue.shift()) {
        try {
          const adding = m.target === 'hudong' ? addHudong(m.url, m.publisher, name) : addJanus(m.url, m.feedId, name);
          let timer: NodeJS.Timeout | undefined;
          const late = new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error('join took over 60 s')), 60_000)));
          let timedOut = false;
          late.catch(() => (timedOut = true));
          adding.then(
            (sub) => timedOut && sub.close(),
            () => {},
          ); // a late join is closed, not counted
          subs.push(await Promise.race([adding, late]).finally(() => clearTimeout(timer)));
          ok++;
        } catch (e) {
          errors.push(`${name}: ${(e as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, lane));
    send({ type: 'added', ok, errors });
  } else if (m.cmd === 'answer') {
    const { sub, answer } = await answerOffer(m.name, m.offer);
    subs.push(sub);
    send({ type: 'answered', answer });
  } else if (m.cmd === 'snapshot') {
    send({
      type: 'snapshot',
      at: Date.now(), // the counts are as of now: a busy worker answers late, its own clock says when
      subs: subs.map((s) => {
        const st = s.ssrcs.get(s.mediaSsrc);
        return {
          ended: s.ended ?? '',
          state: s.pc.state(),
          received: s.received,
          bytes: s.bytes,
          keyframes: s.keyframes,
          mediaReceived: st?.received ?? 0,
          mediaSpan: st ? st.maxExt - st.baseExt + 1 : 0,
          ssrcs: s.ssrcs.size,
          firstPacketMs: s.subscribedAt !== undefined && s.firstPacketAt !== undefined ? s.firstPacketAt - s.subscribedAt : null,
        };
      }),
    });
  } else if (m.cmd === 'pli') {
    clearInterval(pliTimer);
    if (m.seconds > 0) pliTimer = setInterval(() => subs[0] && pli(subs[0]), m.seconds * 1000);
  } else if (m.cmd === 'closeAll') {
    clearInterval(pliTimer);
    for (const s of subs.splice(0)) s.close();
    send({ type: 'closed' });
  }
}

// A command that fails outside a subscriber's own try (which reports per name) is reported to run.ts, which rejects its wait.
process.on('message', (m) => void handle(m as WorkerCommand).catch((e: unknown) => send({ type: 'error', message: String(e) })));
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
