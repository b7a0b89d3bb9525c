import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'sdp-transform';
import { writeSubscriberOffer } from './subscriber-offer.js';

const offer = writeSubscriberOffer({
  sessionId: '42',
  version: 3,
  ufrag: 'abcdEFGH',
  pwd: 'p'.repeat(24),
  fingerprint: 'AB:CD',
  candidates: [
    { address: '10.0.0.5', port: 40000 },
    { address: '192.168.1.9', port: 40000 },
  ],
  slots: [
    {
      mid: '0',
      kind: 'audio',
      codec: { pt: 111, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'useinbandfec=1;x-evil=1' },
      ssrc: 11,
      cname: 'c',
    },
    { mid: '1', kind: 'video', codec: { pt: 96, name: 'VP8', clockRate: 90000, channels: undefined, fmtp: '' }, ssrc: 22, cname: 'c' },
  ],
});

describe('writeSubscriberOffer', () => {
  const sdp = parse(offer);

  it('an ICE-lite, bundled offer with one fingerprint and every candidate on each m-section', () => {
    assert.match(offer, /\r\na=ice-lite\r\n/);
    assert.equal(sdp.groups?.[0]?.mids, '0 1');
    assert.equal(sdp.fingerprint?.hash, 'AB:CD');
    assert.equal(sdp.origin?.sessionVersion, 3);
    for (const m of sdp.media) {
      assert.equal(m.direction, 'sendonly');
      assert.equal(m.setup, 'actpass');
      assert.equal(m.rtcpMux, 'rtcp-mux');
      assert.equal(m.iceUfrag, 'abcdEFGH');
      assert.deepEqual(
        m.candidates?.map((c) => `${c.ip}:${c.port}/${c.type}`),
        ['10.0.0.5:40000/host', '192.168.1.9:40000/host'],
      );
      assert.equal(m.port, 40000);
    }
  });

  it('each m-section declares its codec (fmtp sanitized), its SSRC and msid; video asks for NACK, PLI, FIR and REMB only', () => {
    const [audio, video] = sdp.media;
    assert.deepEqual(audio!.rtp, [{ payload: 111, codec: 'opus', rate: 48000, encoding: 2 }]);
    assert.deepEqual(audio!.fmtp, [{ payload: 111, config: 'useinbandfec=1' }]);
    assert.equal(audio!.rtcpFb, undefined);
    assert.deepEqual(
      video!.ssrcs?.map((s) => `${s.id} ${s.attribute}`),
      ['22 cname', '22 msid'],
    );
    assert.deepEqual(
      video!.rtcpFb?.map((f) => `${f.type}${f.subtype ? ` ${f.subtype}` : ''}`),
      ['nack', 'nack pli', 'ccm fir', 'goog-remb'],
    );
    assert.equal(video!.fmtp.length, 0);
  });
});
