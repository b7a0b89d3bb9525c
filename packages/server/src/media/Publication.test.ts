// Publication and Subscription over fake transports: the ownership tree (a publication ends its
// views) and the guards (a throw in a publication's or view's own work ends that one with 10001
// INTERNAL; nothing reaches the event loop).
import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { pino } from 'pino';
import type { ServerError } from '../errors.js';
import type { Member } from '../rooms/Member.js';
import { sdpFixture } from '../../../../tests/fixtures/sdp.js';
import { Downlink } from './Downlink.js';
import type { MediaEngine, SlotInit, SubscriberTransport, TrackTransport, TransportListener } from './MediaEngine.js';
import { MediaStats } from './MediaStats.js';
import { MAX_SSRC_CHANGES, Publication, type StoreLimits } from './Publication.js';
import { buildNack } from './rtp/index.js';
import { mungePublisherOffer } from './sdp.js';
import { MAX_NACKED_PER_RTCP, RESEND_INTERVAL_MS, type Subscription } from './Subscription.js';

const offer = mungePublisherOffer(sdpFixture('wrtc-camera-offer'), 'video', ['VP8'])!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A transport (or a slot) that records what is sent; `failOn` makes `send` throw for the packets it matches. */
class FakeTransport implements TrackTransport {
  readonly mid = '0';
  open = false;
  readonly sent: Buffer[] = [];
  listener: TransportListener | undefined;
  closed = false;
  failOn: ((buf: Buffer) => boolean) | undefined;

  send(buf: Buffer): boolean {
    if (this.failOn?.(buf)) throw new RangeError('engine exploded');
    this.sent.push(Buffer.from(buf));
    return true;
  }
  setListener(listener: TransportListener): void {
    this.listener = listener;
  }
  close(): void {
    this.closed = true;
  }
}

/** A viewer's receive connection whose one slot is a FakeTransport, open from the start. */
class FakeSubscriberTransport implements SubscriberTransport {
  readonly id = 'c1';
  readonly slot = Object.assign(new FakeTransport(), { open: true });
  addSlot(_init: SlotInit): TrackTransport {
    return this.slot;
  }
  createOffer(): Promise<string> {
    return Promise.resolve('v=0');
  }
  setAnswer(): void {}
  onState(): void {}
  close(): void {}
}

/** A VP8 packet of `ssrc`; `key` makes it the first packet of a keyframe. */
function vp8(seq: number, key: boolean, ssrc = 0x1234): Buffer {
  const buf = Buffer.alloc(12 + 4 + 10);
  buf[0] = 0x80;
  buf[1] = 0x80 | offer.codec.pt;
  buf.writeUInt16BE(seq, 2);
  buf.writeUInt32BE(seq * 3000, 4);
  buf.writeUInt32BE(ssrc, 8);
  buf[12] = 0x10; // VP8 descriptor: S=1, partition 0, no extension
  buf[13] = key ? 0x00 : 0x01; // frame tag: P=0 is a keyframe
  buf[16] = 0x9d; // keyframe start code
  buf[17] = 0x01;
  buf[18] = 0x2a;
  return buf;
}

const RR = 201;
const isRr = (buf: Buffer) => buf[1] === RR;
const isRtcpPacket = (buf: Buffer) => buf[1]! >= 192 && buf[1]! <= 223;

describe('Publication', () => {
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => uncaught.push(err);
  const open: Publication[] = [];
  process.on('uncaughtException', onUncaught);
  after(() => process.off('uncaughtException', onUncaught));
  beforeEach(() => {
    logs.length = 0;
    uncaught.length = 0;
  });
  afterEach(() => {
    for (const publication of open.splice(0)) publication.close('test over');
    assert.deepEqual(uncaught, [], 'nothing escaped to the event loop');
  });

  /** A publication on a fake transport, connected unless `connected: false`. */
  function publish({ stats = new MediaStats(), connectTimeoutMs = 60_000, connected = true, store = undefined as StoreLimits | undefined } = {}) {
    const transport = new FakeTransport();
    const publication = new Publication({
      id: 'p1',
      member: { identifier: 'alice' } as Member,
      source: 'camera',
      offer,
      transport,
      stats,
      logger: logger.child({ identifier: 'alice', publication: 'p1' }),
      connectTimeoutMs,
      store,
    });
    open.push(publication);
    const ended: { reason: string; error: ServerError | null }[] = [];
    publication.on('close', (reason, error) => ended.push({ reason, error }));
    if (connected) publication.onState('connected');
    return { publication, transport, ended, stats };
  }

  function view(publication: Publication, id: string, stats = new MediaStats()) {
    const connection = new FakeSubscriberTransport();
    const transport = connection.slot;
    const viewer = { identifier: `viewer-${id}`, owner: { send() {} } } as unknown as Member;
    const engine = { createSubscriberTransport: () => connection } as unknown as MediaEngine;
    const downlink = new Downlink({ id: 'c1', member: viewer, engine, answerTimeoutMs: 60_000, logger }, () => {});
    const subscription = publication.subscribe({
      id,
      size: 'big',
      downlink,
      cname: `cname-${id}`,
      stats,
      dropRate: 0,
      connectTimeoutMs: 60_000,
      logger: logger.child({ subscription: id }),
    });
    const ended: (ServerError | null)[] = [];
    subscription.on('close', (error) => ended.push(error));
    subscription.onState('connected');
    return { subscription, transport, ended };
  }

  it('owns its views: closing it ends each with NOT_PUBLISHING before its own close event', () => {
    const { publication, transport, ended } = publish();
    const order: string[] = [];
    const a = view(publication, 's1');
    const b = view(publication, 's2');
    a.subscription.on('close', () => order.push('s1'));
    b.subscription.on('close', () => order.push('s2'));
    publication.on('close', () => order.push('publication'));
    assert.equal(publication.subscriptionCount, 2);
    publication.close('unpublished');
    assert.deepEqual(order, ['s1', 's2', 'publication']);
    for (const { ended: viewEnded, transport: slot, subscription } of [a, b]) {
      assert.deepEqual(
        viewEnded.map((e) => [e?.code, e?.detail.code, e?.detail.message]),
        [[10010, 'NOT_PUBLISHING', '"alice" stopped publishing camera (unpublished)']],
      );
      assert.notEqual(slot.listener, subscription, 'its slot no longer delivers to it (released for the next view)');
    }
    assert.equal(publication.subscriptionCount, 0);
    assert.deepEqual(ended, [{ reason: 'unpublished', error: null }]);
    assert.equal(transport.closed, true);
    publication.close('again');
    assert.equal(ended.length, 1, 'close is idempotent');
  });

  it('a view that closes leaves its publication and gets no more packets', () => {
    const { publication, transport } = publish();
    const a = view(publication, 's1');
    const b = view(publication, 's2');
    transport.listener!.onPacket(vp8(1, true));
    assert.equal(a.transport.sent.length, 1);
    a.subscription.close(null);
    assert.deepEqual(a.ended, [null]);
    assert.equal(publication.subscriptionCount, 1);
    transport.listener!.onPacket(vp8(2, false));
    assert.deepEqual([a.transport.sent.length, b.transport.sent.length], [1, 2]);
    publication.close('unpublished');
    assert.deepEqual(a.ended, [null], 'a closed view is not ended twice');
  });

  it('a throwing receiver report (the 32-layer crash) ends the publication with INTERNAL, logged with its ids', async () => {
    const { publication, transport, ended } = publish();
    const viewer = view(publication, 's1');
    transport.failOn = isRr;
    transport.listener!.onPacket(vp8(1, true));
    await sleep(1300); // receiver reports go out every second
    assert.equal(publication.closed, true);
    assert.deepEqual(
      ended.map((e) => [e.reason, e.error?.code, e.error?.detail.code, e.error?.detail.message]),
      [['internal error', 10001, 'INTERNAL', "the publication's receiver report failed: engine exploded"]],
    );
    assert.deepEqual(
      viewer.ended.map((e) => e?.detail.message),
      ['"alice" stopped publishing camera (internal error)'],
    );
    const [line] = logs;
    assert.deepEqual([line?.identifier, line?.publication, line?.msg], ['alice', 'p1', 'publication receiver report failed; ending the publication']);
    assert.match(String((line?.err as { stack?: string })?.stack), /RangeError: engine exploded/);
  });

  it(`a publisher that keeps changing its SSRC is ended with 10005 TOO_MANY_SSRCS after ${MAX_SSRC_CHANGES} changes`, () => {
    const { publication, transport, ended } = publish();
    for (let i = 0; i <= MAX_SSRC_CHANGES; i++) transport.listener!.onPacket(vp8(1, true, 0x1000 + i));
    assert.equal(publication.closed, false, `${MAX_SSRC_CHANGES} changes are taken`);
    transport.listener!.onPacket(vp8(1, true, 0x2000));
    assert.equal(publication.closed, true);
    assert.deepEqual([ended[0]?.error?.code, ended[0]?.error?.detail.code], [10005, 'TOO_MANY_SSRCS']);
  });

  it('a throw while handling a packet ends the publication, not the process', () => {
    const stats = new MediaStats();
    const { publication, transport, ended } = publish({ stats });
    Object.defineProperty(stats, 'rtpReceived', {
      get: () => 0,
      set: () => {
        throw new TypeError('counter broke');
      },
    });
    assert.doesNotThrow(() => transport.listener!.onPacket(vp8(1, true)));
    assert.equal(publication.closed, true);
    assert.equal(ended[0]?.error?.detail.message, "the publication's packet handling failed: counter broke");
    assert.doesNotThrow(() => transport.listener!.onPacket(vp8(2, true)), 'packets after the end are ignored');
  });

  it('a view whose forwarding throws ends alone with INTERNAL; the publication and the other views go on', () => {
    const { publication, transport, ended } = publish();
    const broken = view(publication, 's1');
    const fine = view(publication, 's2');
    broken.transport.failOn = () => true;
    transport.listener!.onPacket(vp8(1, true));
    transport.listener!.onPacket(vp8(2, false));
    assert.deepEqual(
      broken.ended.map((e) => [e?.code, e?.detail.code, e?.detail.message]),
      [[10001, 'INTERNAL', "the view's forwarding failed: engine exploded"]],
    );
    assert.equal(fine.transport.sent.length, 2, 'the next view still got both packets');
    assert.equal(publication.closed, false);
    assert.deepEqual(ended, []);
    assert.equal(publication.subscriptionCount, 1);
    assert.deepEqual(
      logs.map((l) => [l.subscription, l.msg]),
      [['s1', 'view forwarding failed; ending the view']],
    );
  });

  it("a keyframe request that throws in a view's work is the publication's failure", () => {
    const { publication, transport, ended } = publish();
    transport.listener!.onPacket(vp8(1, false)); // a layer exists; no keyframe yet
    transport.failOn = () => true;
    const late: Subscription = view(publication, 's1').subscription; // connecting asks for a keyframe
    assert.equal(ended[0]?.error?.detail.message, "the publication's keyframe request failed: engine exploded");
    assert.equal(late.closed, true);
  });

  it('RTCP from a view that breaks its handling ends that view', () => {
    const { publication } = publish();
    const viewer = view(publication, 's1');
    const stats = new MediaStats();
    const other = view(publication, 's2', stats);
    Object.defineProperty(stats, 'nackReceived', {
      get: () => 0,
      set: () => {
        throw new Error('nack counter broke');
      },
    });
    const nack = Buffer.from([0x81, 205, 0, 3, 0, 0, 0, 1, 0, 0, 0x5e, 0xed, 0, 1, 0, 0]);
    assert.doesNotThrow(() => other.transport.listener!.onPacket(nack));
    assert.equal(other.ended[0]?.detail.message, "the view's RTCP handling failed: nack counter broke");
    assert.deepEqual(viewer.ended, []);
    assert.equal(publication.closed, false);
  });

  it('the connect timer now lives in the publication: not connected in time → TRANSPORT_TIMEOUT', async () => {
    const { ended } = publish({ connectTimeoutMs: 50, connected: false });
    await sleep(120);
    assert.deepEqual(
      ended.map(({ error: e }) => [e?.code, e?.detail.code, e?.detail.message]),
      [[10004, 'TRANSPORT_TIMEOUT', 'the publication did not connect within 50 ms']],
    );
    const connected = publish().publication;
    await sleep(120);
    assert.equal(connected.closed, false, 'a connected one is left alone');
  });

  it('a new view starts from the newest keyframe and what followed it (no request to the publisher); a stale one is requested', async () => {
    const stats = new MediaStats();
    const { publication, transport } = publish({ stats });
    view(publication, 's1', stats);
    for (const [seq, key] of [
      [10, true],
      [11, false],
      [12, false],
    ] as const)
      transport.listener!.onPacket(vp8(seq, key));
    const requested = stats.keyframeRequestsSent;
    const late = view(publication, 's2', stats);
    const seqs = () => late.transport.sent.filter((b) => !isRtcpPacket(b)).map((b) => b.readUInt16BE(2));
    assert.deepEqual(seqs(), [10, 11, 12], 'the keyframe and the packets after it, in order');
    assert.equal(stats.keyframesReplayed, 1);
    assert.equal(stats.keyframeRequestsSent, requested, 'the publisher was not asked');
    transport.listener!.onPacket(vp8(13, false));
    assert.deepEqual(seqs(), [10, 11, 12, 13], 'live packets follow on');

    await sleep(1050);
    transport.listener!.onPacket(vp8(14, false));
    const stale = view(publication, 's3', stats);
    assert.deepEqual(
      stale.transport.sent.filter((b) => !isRtcpPacket(b)),
      [],
      'a keyframe older than 1 s is not replayed',
    );
    assert.equal(stats.keyframesReplayed, 1);
  });

  describe('limits a client cannot lift', () => {
    const rtp = (sent: Buffer[]) => sent.filter((b) => !isRtcpPacket(b));

    it('a NACK flood resends each packet once per resend interval, the rest counted as suppressed', async () => {
      const stats = new MediaStats();
      const { publication, transport } = publish({ stats });
      const viewer = view(publication, 's1', stats);
      for (let seq = 100; seq < 129; seq++) transport.listener!.onPacket(vp8(seq, seq === 100));
      const sent = rtp(viewer.transport.sent);
      assert.equal(sent.length, 29);
      const ssrc = sent[0]!.readUInt32BE(8);
      const outSeqs = sent.map((b) => b.readUInt16BE(2));
      const nack = buildNack(1, ssrc, outSeqs);
      for (let i = 0; i < 61; i++) viewer.transport.listener!.onPacket(nack);
      assert.equal(rtp(viewer.transport.sent).length - 29, 29, 'one resend of each packet, not 61');
      assert.equal(stats.rtpRetransmitted, 29);
      assert.equal(stats.retransmissionsSuppressed, 60 * 29);
      await sleep(RESEND_INTERVAL_MS + 10);
      viewer.transport.listener!.onPacket(nack);
      assert.equal(stats.rtpRetransmitted, 58, 'NACKed again after the interval: resent again');
      const resent = rtp(viewer.transport.sent).slice(29, 58);
      assert.deepEqual(resent, sent, 'byte for byte as first sent');
    });

    it(`handles at most ${MAX_NACKED_PER_RTCP} NACKed packets per RTCP packet`, () => {
      const stats = new MediaStats();
      const { publication, transport } = publish({ stats, store: { packets: 1024, maxPacketBytes: 1500 } });
      const viewer = view(publication, 's1', stats);
      for (let seq = 0; seq < 400; seq++) transport.listener!.onPacket(vp8(seq, seq === 0));
      const sent = rtp(viewer.transport.sent);
      const ssrc = sent[0]!.readUInt32BE(8);
      viewer.transport.listener!.onPacket(
        buildNack(
          1,
          ssrc,
          sent.map((b) => b.readUInt16BE(2)),
        ),
      );
      assert.equal(stats.rtpRetransmitted, MAX_NACKED_PER_RTCP);
      assert.equal(stats.nackItemsIgnored, 400 - MAX_NACKED_PER_RTCP);
    });

    it('drops RTP larger than maxPacketBytes, and keeps only `packets` per layer for NACKs', () => {
      const stats = new MediaStats();
      const { publication, transport } = publish({ stats, store: { packets: 16, maxPacketBytes: 300 } });
      const viewer = view(publication, 's1', stats);
      const big = Buffer.concat([vp8(1, true), Buffer.alloc(300)]);
      transport.listener!.onPacket(big);
      assert.equal(stats.rtpOversized, 1);
      assert.equal(publication.live, false, 'not even counted as media');
      for (let seq = 1; seq <= 40; seq++) transport.listener!.onPacket(vp8(seq, seq === 1));
      const sent = rtp(viewer.transport.sent);
      assert.equal(sent.length, 40);
      assert.equal(publication.stored(0, 24), undefined, 'older than the last 16 packets');
      assert.ok(publication.stored(0, 25));
      const ssrc = sent[0]!.readUInt32BE(8);
      viewer.transport.listener!.onPacket(
        buildNack(
          1,
          ssrc,
          sent.map((b) => b.readUInt16BE(2)),
        ),
      );
      assert.equal(stats.rtpRetransmitted, 16, 'only what the store still holds');
    });
  });
});
