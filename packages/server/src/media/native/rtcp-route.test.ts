import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { routeRtcp } from './rtcp-route.js';

/** One RTCP packet: header (V=2, count, type, length) then 32-bit words. */
function rtcp(count: number, type: number, words: number[]): Buffer {
  const buf = Buffer.alloc(4 + 4 * words.length);
  buf[0] = 0x80 | count;
  buf[1] = type;
  buf.writeUInt16BE(words.length, 2);
  words.forEach((w, i) => buf.writeUInt32BE(w >>> 0, 4 + 4 * i));
  return buf;
}
const block = (ssrc: number) => [ssrc, 0, 0, 0, 0, 0];

function routed(compound: Buffer): [number, number][] {
  const out: [number, number][] = [];
  routeRtcp(compound, (ssrc, packet) => out.push([ssrc, packet[1]!]));
  return out;
}

describe('routeRtcp', () => {
  it('a compound of RR, PLI, NACK and REMB reaches each stream it names', () => {
    const rr = rtcp(2, 201, [0xaaaa, ...block(1), ...block(2)]);
    const pli = rtcp(1, 206, [0xaaaa, 2]);
    const nack = rtcp(1, 205, [0xaaaa, 1, 0x00050000]);
    const remb = rtcp(15, 206, [0xaaaa, 0, 0x52454d42, (2 << 24) | 0x12345, 1, 2]);
    assert.deepEqual(routed(Buffer.concat([rr, pli, nack, remb])), [
      [1, 201],
      [2, 201],
      [2, 206],
      [1, 205],
      [1, 206],
      [2, 206],
    ]);
  });

  it('an SR skips its sender info; FIR goes to each FCI entry', () => {
    const sr = rtcp(1, 200, [0xaaaa, 0, 0, 0, 0, 0, ...block(7)]);
    const fir = rtcp(4, 206, [0xaaaa, 0, 7, 1 << 24, 8, 2 << 24]);
    assert.deepEqual(routed(Buffer.concat([sr, fir])), [
      [7, 200],
      [7, 206],
      [8, 206],
    ]);
  });

  it('SDES and BYE go nowhere; a truncated or foreign packet ends the walk without throwing', () => {
    const sdes = rtcp(1, 202, [0xaaaa, 0]);
    const pli = rtcp(1, 206, [0xaaaa, 3]);
    assert.deepEqual(routed(Buffer.concat([sdes, pli])), [[3, 206]]);
    assert.deepEqual(routed(Buffer.concat([pli, pli.subarray(0, 6)])), [[3, 206]]);
    const wrongVersion = Buffer.from(pli);
    wrongVersion[0] = 0x40;
    assert.deepEqual(routed(wrongVersion), []);
    const longer = Buffer.from(pli);
    longer.writeUInt16BE(40, 2);
    assert.deepEqual(routed(longer), []);
  });
});
