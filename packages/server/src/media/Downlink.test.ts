// The receive connection's negotiation and slot logic over a fake engine: offers coalesced and
// serialized, free slots reused without an offer, and every failure ending the views with a code.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { ServerError } from '../errors.js';
import type { Member } from '../rooms/Member.js';
import { Downlink, type SlotOccupant } from './Downlink.js';
import type { MediaEngine, SlotInit, TrackTransport, SubscriberTransport, TransportListener, TransportState } from './MediaEngine.js';
import type { SdpCodec } from './sdp.js';

const VP8: SdpCodec = { pt: 96, name: 'VP8', clockRate: 90000, channels: undefined, fmtp: '' };
const OPUS: SdpCodec = { pt: 111, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'minptime=10;useinbandfec=1' };
const tick = () => new Promise((resolve) => setImmediate(resolve));

class FakeSlot implements TrackTransport {
  listener: TransportListener | undefined;
  open = false;
  constructor(
    readonly mid: string,
    readonly init: SlotInit,
  ) {}
  send(): boolean {
    return this.open;
  }
  setListener(listener: TransportListener): void {
    this.listener = listener;
  }
  close(): void {}
}

class FakeConnection implements SubscriberTransport {
  readonly id = 'c1';
  readonly slots: FakeSlot[] = [];
  answers: string[] = [];
  closed = false;
  stateListener: (state: TransportState) => void = () => {};
  addSlot(init: SlotInit): TrackTransport {
    const slot = new FakeSlot(String(this.slots.length), init);
    this.slots.push(slot);
    return slot;
  }
  createOffer(): Promise<string> {
    return Promise.resolve(`offer with ${this.slots.length} m-sections`);
  }
  setAnswer(sdp: string): void {
    this.answers.push(sdp);
  }
  onState(listener: (state: TransportState) => void): void {
    this.stateListener = listener;
  }
  close(): void {
    this.closed = true;
  }
}

/** An answer accepting the codec on every m-section up to `count`, renumbered to pt+1. */
function answerFor(count: number, codecs: SdpCodec[]): string {
  let sdp = 'v=0\r\ns=-\r\n';
  for (let mid = 0; mid < count; mid++) {
    const c = codecs[mid] ?? codecs[0]!;
    sdp += `m=${c.name === 'opus' ? 'audio' : 'video'} 9 UDP/TLS/RTP/SAVPF ${c.pt + 1}\r\na=mid:${mid}\r\na=rtpmap:${c.pt + 1} ${c.name}/${c.clockRate}\r\n`;
  }
  return sdp;
}

function occupant(): SlotOccupant & { ended: (ServerError | null)[] } {
  const ended: (ServerError | null)[] = [];
  return { ended, onPacket() {}, onState() {}, connectionClosed: (error) => ended.push(error) };
}

function setup(answerTimeoutMs = 60_000, openingVideoCodec?: string, reserveRefillMs?: number) {
  const connection = new FakeConnection();
  const offers: { connectionId: string; revision: number; sdp: string }[] = [];
  const member = { identifier: 'viewer', owner: { send: (_event: string, data: (typeof offers)[number]) => offers.push(data) } } as unknown as Member;
  const engine = { createSubscriberTransport: () => connection } as unknown as MediaEngine;
  let closed = 0;
  const downlink = new Downlink(
    { id: 'c1', member, engine, answerTimeoutMs, openingVideoCodec, reserveRefillMs, logger: pino({ level: 'silent' }) },
    () => closed++,
  );
  return { connection, offers, downlink, closed: () => closed };
}

describe('Downlink', () => {
  it('coalesces the views asked for in one turn into one offer, and offers the next only after the answer', async () => {
    const { connection, offers, downlink } = setup();
    const a = downlink.place(occupant(), 'video', VP8, 'a');
    const b = downlink.place(occupant(), 'audio', OPUS, 'b');
    assert.deepEqual([a.mid, b.mid], ['0', '1']);
    await tick();
    assert.deepEqual(offers, [{ connectionId: 'c1', revision: 1, sdp: 'offer with 2 m-sections' }]);
    const c = downlink.place(occupant(), 'video', VP8, 'c');
    await tick();
    assert.equal(offers.length, 1, 'one offer in flight at a time');
    downlink.answer('c1', 1, answerFor(2, [VP8, OPUS]));
    assert.deepEqual([a.pt, b.pt, c.pt], [97, 112, 96], 'payload types as answered; the next slot keeps the offered one until answered');
    await tick();
    assert.deepEqual(
      offers.map((o) => o.revision),
      [1, 2],
      'the slot added meanwhile is offered after the answer',
    );
    downlink.answer('c1', 2, answerFor(3, [VP8, OPUS, VP8]));
    assert.equal(c.pt, 97);
    assert.equal(connection.answers.length, 2);
  });

  it('a view that ends frees its slot for the next view of the same kind and codec: no new m-section, no offer', async () => {
    const { connection, offers, downlink } = setup();
    const first = occupant();
    const slot = downlink.place(first, 'video', VP8, 'a');
    await tick();
    downlink.answer('c1', 1, answerFor(1, [VP8]));
    const audio = downlink.place(occupant(), 'audio', OPUS, 'b');
    await tick();
    downlink.answer('c1', 2, answerFor(2, [VP8, OPUS]));
    downlink.release(slot, first);
    assert.notEqual(connection.slots[0]!.listener, first, 'the freed slot no longer delivers to the old view');
    const second = occupant();
    const reused = downlink.place(second, 'video', VP8, 'c');
    await tick();
    assert.equal(reused, slot, 'the same slot, with its SSRC and sequence numbers');
    assert.notEqual(reused, audio);
    assert.equal(connection.slots[0]!.listener, second);
    assert.equal(connection.slots.length, 2);
    assert.equal(offers.length, 2, 'no offer for a reused slot');
    downlink.release(slot, first);
    assert.equal(connection.slots[0]!.listener, second, 'a stale release is ignored');
  });

  it('an unusable answer closes the connection: 10002 BAD_SDP to the caller and to every view on it', async () => {
    const { connection, downlink, closed } = setup();
    const a = occupant();
    const b = occupant();
    downlink.place(a, 'video', VP8, 'a');
    downlink.place(b, 'video', VP8, 'b');
    await tick();
    assert.throws(
      () => downlink.answer('c1', 1, answerFor(1, [VP8])),
      (err: ServerError) => err.code === 10002 && err.detail.code === 'BAD_SDP' && /no m-section 1/.test(err.message),
    );
    assert.equal(connection.closed, true);
    assert.equal(closed(), 1);
    for (const o of [a, b])
      assert.deepEqual(
        o.ended.map((e) => [e?.code, e?.detail.code]),
        [[10002, 'BAD_SDP']],
      );
    assert.equal(downlink.closed, true);
  });

  it('an answer to no offer in flight (stale revision, other connection) is refused without closing anything', async () => {
    const { connection, downlink } = setup();
    downlink.place(occupant(), 'video', VP8, 'a');
    assert.throws(() => downlink.answer('c1', 1, answerFor(1, [VP8])), /none waits/);
    await tick();
    assert.throws(() => downlink.answer('c9', 1, answerFor(1, [VP8])), /waiting: c1 #1/);
    assert.throws(() => downlink.answer('c1', 2, answerFor(1, [VP8])), /waiting: c1 #1/);
    assert.equal(connection.closed, false);
    downlink.answer('c1', 1, answerFor(1, [VP8]));
  });

  it('an offer not answered in time ends the views with 10004 TRANSPORT_TIMEOUT; a failed connection with TRANSPORT_FAILED', async () => {
    const slow = setup(30);
    const a = occupant();
    slow.downlink.place(a, 'video', VP8, 'a');
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.deepEqual(
      a.ended.map((e) => [e?.code, e?.detail.code, e?.detail.message]),
      [[10004, 'TRANSPORT_TIMEOUT', 'offer 1 of the receive connection was not answered within 30 ms']],
    );
    const broken = setup();
    const b = occupant();
    broken.downlink.place(b, 'video', VP8, 'b');
    broken.connection.stateListener('failed');
    assert.deepEqual(
      b.ended.map((e) => [e?.code, e?.detail.code]),
      [[10004, 'TRANSPORT_FAILED']],
    );
  });

  it('a reset (close with no error) ends every view silently', () => {
    const { downlink } = setup();
    const a = occupant();
    downlink.place(a, 'audio', OPUS, 'a');
    downlink.close(null);
    assert.deepEqual(a.ended, [null]);
  });
});

describe('Downlink opened before any view', () => {
  it('offers a free audio slot and two free video slots at once; the first audio and two cameras take them without another offer', async () => {
    const { connection, offers, downlink } = setup(60_000, 'VP8', 20);
    const offersWhenOpened = downlink.open().then(() => offers.length);
    const offersWhenOpenedAgain = downlink.open().then(() => offers.length);
    assert.equal(await offersWhenOpenedAgain, 0, 'opening an opened connection resolves at once');
    assert.equal(await offersWhenOpened, 1, 'open resolves once its offer is sent');
    await tick();
    assert.equal(offers.length, 1, 'offered once, with the three slots');
    assert.deepEqual(
      connection.slots.map((s) => [s.init.kind, s.init.codec.name]),
      [
        ['audio', 'opus'],
        ['video', 'VP8'],
        ['video', 'VP8'],
      ],
    );
    downlink.answer('c1', 1, answerFor(3, [OPUS, VP8, VP8]));
    const wrtcOpus = { ...OPUS, pt: 109, fmtp: 'useinbandfec=1' };
    const audio = downlink.place(occupant(), 'audio', wrtcOpus, 'a');
    assert.equal(audio.mid, '0', 'an Opus publication of other parameters takes the opened audio slot');
    const cameras = [downlink.place(occupant(), 'video', { ...VP8, pt: 98 }, 'v'), downlink.place(occupant(), 'video', VP8, 'w')];
    assert.deepEqual(
      cameras.map((c) => [c.mid, c.negotiated]),
      [
        ['2', true],
        ['1', true],
      ],
      'VP8 publications take the opened video slots, already negotiated',
    );
    await tick();
    assert.equal(offers.length, 1, 'no offer for any of them');
    await downlink.open();
    assert.equal(connection.slots.length, 3, 'opening an open connection adds nothing');
  });

  it('keeps a video slot in reserve: taking the last free one offers a new one a moment later, once however many are taken', async () => {
    const { connection, offers, downlink } = setup(60_000, 'VP8', 20);
    await downlink.open();
    downlink.answer('c1', 1, answerFor(3, [OPUS, VP8, VP8]));
    const first = occupant();
    const slot = downlink.place(first, 'video', VP8, 'v');
    await new Promise((resolve) => setTimeout(resolve, 40));
    assert.equal(offers.length, 1, 'one free video slot is left: no refill');
    downlink.place(occupant(), 'video', VP8, 'w');
    downlink.release(slot, first);
    downlink.place(occupant(), 'video', VP8, 'x');
    await tick();
    assert.equal(offers.length, 1, 'the refill waits, so that it does not compete with the new view');
    await new Promise((resolve) => setTimeout(resolve, 40));
    assert.equal(offers.length, 2, 'one refill offer');
    assert.deepEqual(
      connection.slots.map((s) => s.init.kind),
      ['audio', 'video', 'video', 'video'],
    );
    downlink.answer('c1', 2, answerFor(4, [OPUS, VP8, VP8, VP8]));
    const next = downlink.place(occupant(), 'video', VP8, 'y');
    assert.deepEqual([next.mid, next.negotiated], ['3', true], 'the next view takes the reserve');
    downlink.close(null);
    await new Promise((resolve) => setTimeout(resolve, 40));
    assert.equal(connection.slots.length, 4, 'no refill after closing');
  });

  it('a connection that was not opened keeps no reserve', async () => {
    const { connection, offers, downlink } = setup(60_000, 'VP8', 20);
    const first = occupant();
    const slot = downlink.place(first, 'video', VP8, 'v');
    await tick();
    downlink.answer('c1', 1, answerFor(1, [VP8]));
    downlink.release(slot, first);
    downlink.place(occupant(), 'video', VP8, 'w');
    await new Promise((resolve) => setTimeout(resolve, 40));
    assert.deepEqual([offers.length, connection.slots.length], [1, 1]);
  });

  it('a throw in its own timer-driven work (sending the offer) closes it with INTERNAL; nothing reaches the event loop', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
    try {
      const { connection, downlink, closed } = setup();
      const view = occupant();
      downlink.place(view, 'video', VP8, 'a');
      connection.createOffer = () => Promise.reject(new RangeError('offer exploded'));
      await tick();
      await tick();
      assert.equal(downlink.closed, true);
      assert.equal(closed(), 1);
      assert.deepEqual(
        view.ended.map((e) => [e?.code, e?.detail.code]),
        [[10001, 'INTERNAL']],
      );
      assert.match(view.ended[0]!.detail.message, /offer exploded/);

      const second = setup(60_000, 'VP8', 1);
      void second.downlink.open();
      const viewer = occupant();
      second.downlink.place(viewer, 'video', VP8, 'b');
      second.connection.addSlot = () => {
        throw new Error('no more m-sections');
      };
      await tick();
      second.downlink.answer('c1', 1, answerFor(3, [OPUS, VP8, VP8]));
      second.downlink.place(occupant(), 'video', VP8, 'c'); // takes the last reserve slot: a refill follows
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(second.downlink.closed, true, 'the refill timer threw');
      assert.equal(viewer.ended[0]?.detail.message, "the receive connection's reserve refill failed: no more m-sections");
      assert.deepEqual(uncaught, []);
    } finally {
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onUncaught);
    }
  });
});
