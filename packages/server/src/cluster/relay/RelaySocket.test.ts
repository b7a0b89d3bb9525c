import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { test } from 'node:test';
import { pino } from 'pino';
import type { TransportListener } from '../../media/MediaEngine.js';
import { RelaySocket } from './RelaySocket.js';
import { RelayTrack } from './RelayTrack.js';

const logger = pino({ level: 'silent' });
const settle = () => new Promise((r) => setTimeout(r, 100));

function collector(): TransportListener & { packets: string[] } {
  const packets: string[] = [];
  return { packets, onPacket: (buf) => packets.push(buf.toString()), onState() {} };
}

test('a relay leg takes datagrams of its id from its peer only, and sends its packets behind its id', async () => {
  const [a, b] = await Promise.all([RelaySocket.open('127.0.0.1', logger), RelaySocket.open('127.0.0.1', logger)]);
  const stranger = createSocket('udp4');
  try {
    const atB = new RelayTrack(42, a.endpoint, b);
    const atA = new RelayTrack(42, b.endpoint, a);
    const got = collector();
    atB.setListener(got);
    assert.equal(atA.send(Buffer.from('rtp-1')), true);
    await settle();
    assert.deepEqual(got.packets, ['rtp-1']);

    // The same leg id from another socket, and an unknown leg id: dropped.
    const forged = Buffer.concat([Buffer.from([0, 0, 0, 42]), Buffer.from('forged')]);
    stranger.send(forged, b.endpoint.port, b.endpoint.address);
    await settle();
    assert.deepEqual(got.packets, ['rtp-1'], 'a datagram from another peer is dropped');
    assert.ok(b.dropped >= 1);

    atB.close();
    assert.equal(atB.send(Buffer.from('x')), false, 'a closed leg sends nothing');
    atA.send(Buffer.from('rtp-2'));
    await settle();
    assert.deepEqual(got.packets, ['rtp-1'], 'a closed leg delivers nothing');
  } finally {
    stranger.close();
    a.close();
    b.close();
  }
});

test('a leg whose peer is not known yet takes its first datagrams from any sender, then only from the peer it is connected to', async () => {
  const [a, b] = await Promise.all([RelaySocket.open('127.0.0.1', logger), RelaySocket.open('127.0.0.1', logger)]);
  try {
    const waiting = new RelayTrack(9, undefined, b);
    const got = collector();
    waiting.setListener(got);
    assert.equal(waiting.send(Buffer.from('rtcp')), false, 'nowhere to send yet');
    new RelayTrack(9, b.endpoint, a).send(Buffer.from('early keyframe'));
    await settle();
    assert.deepEqual(got.packets, ['early keyframe']);
    waiting.connect({ address: '127.0.0.1', port: 9 });
    a.send(9, b.endpoint, Buffer.from('from a, not the peer now'));
    await settle();
    assert.deepEqual(got.packets, ['early keyframe']);
  } finally {
    a.close();
    b.close();
  }
});
