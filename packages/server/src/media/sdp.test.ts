import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'sdp-transform';
import {
  answeredPayloadType,
  chooseCodec,
  codecsOf,
  completePublisherAnswer,
  mungePublisherOffer,
  orderRids,
  OPUS_DEFAULT_FMTP,
  sanitizeFmtp,
  SdpError,
  type SdpCodec,
} from './sdp.js';
import { sdpFixture as fixture } from '../../../../tests/fixtures/sdp.js';

/**
 * SDPs captured in the test namespace: offers of @roamhq/wrtc 0.10.0 and of Chromium 156 through
 * the SDK (tests/browser/codecs.test.ts), the answer libdatachannel 0.24.5 gave the munged
 * Chromium simulcast offer (before completePublisherAnswer), and a Chromium viewer's answer.
 */
const WRTC_CAMERA = fixture('wrtc-camera-offer');
const WRTC_MICROPHONE = fixture('wrtc-microphone-offer');
const CHROMIUM_SIMULCAST = fixture('chromium-simulcast-offer');
const CHROMIUM_H264 = fixture('chromium-h264-offer');
const NDC_SIMULCAST_ANSWER = fixture('ndc-simulcast-answer');
const CHROMIUM_H264_ANSWER = fixture('chromium-h264-answer');

const linesOf = (sdp: string) => sdp.split('\r\n').filter(Boolean);
const codecsIn = (sdp: string) => codecsOf(parse(sdp).media[0]!);

/**
 * sdp-transform writes the SDP anew: every line of the output must be a line of the input, unchanged,
 * and every input line but the m-line and those `dropped` must be there (attribute order is free).
 */
function assertRewritten(input: string, output: string, dropped: (line: string) => boolean): void {
  const expected = linesOf(input)
    .filter((l) => !l.startsWith('m=') && !dropped(l))
    .sort();
  assert.deepEqual(
    linesOf(output)
      .filter((l) => !l.startsWith('m='))
      .sort(),
    expected,
  );
  assert.ok(output.endsWith('\r\n') && !output.includes('\r\n\r\n'));
}

/** libdatachannel ignores an fmtp or rtcp-fb line that comes before its payload type's rtpmap. */
function assertRtpmapFirst(sdp: string): void {
  const lines = linesOf(sdp);
  for (const [i, line] of lines.entries()) {
    const pt = /^a=(?:fmtp|rtcp-fb):(\d+) /.exec(line)?.[1];
    if (pt !== undefined) assert.ok(lines.findIndex((l) => l.startsWith(`a=rtpmap:${pt} `)) < i, `${line} after its rtpmap`);
  }
}

/** The offer's rtpmap/fmtp/rtcp-fb lines of other payload types, which munging drops. */
const otherPayloadType = (pt: number) => (line: string) => {
  const linePt = /^a=(?:rtpmap|fmtp|rtcp-fb):(\d+) /.exec(line)?.[1];
  return linePt !== undefined && Number(linePt) !== pt;
};

describe('sdp', () => {
  it('munges the wrtc camera offer to VP8 only, without RTX, RED, FEC, transport-cc or other extensions', () => {
    const offer = mungePublisherOffer(WRTC_CAMERA, 'video', ['VP8', 'H264'])!;
    assert.deepEqual(offer.codec, { pt: 96, name: 'VP8', clockRate: 90000, channels: undefined, fmtp: '' });
    const lines = linesOf(offer.sdp);
    assert.ok(lines.includes('m=video 40085 UDP/TLS/RTP/SAVPF 96'));
    assert.deepEqual(
      lines.filter((l) => l.startsWith('a=rtpmap')),
      ['a=rtpmap:96 VP8/90000'],
    );
    assert.deepEqual(lines.filter((l) => l.startsWith('a=rtcp-fb')).sort(), [
      'a=rtcp-fb:96 ccm fir',
      'a=rtcp-fb:96 goog-remb',
      'a=rtcp-fb:96 nack',
      'a=rtcp-fb:96 nack pli',
    ]);
    assert.deepEqual(
      lines.filter((l) => l.startsWith('a=extmap:')).map((l) => l.split(' ')[0]),
      ['a=extmap:9', 'a=extmap:10', 'a=extmap:11'],
    );
    assert.deepEqual(offer.extIds, { mid: 9, rid: 10 });
    assert.deepEqual([offer.rids, offer.simulcast], [[], undefined]);
    // 3656694496 is the RTX SSRC of the FID group; the candidates, ICE and DTLS lines stay as they were.
    assertRewritten(
      WRTC_CAMERA,
      offer.sdp,
      (l) =>
        otherPayloadType(96)(l) ||
        l === 'a=rtcp-fb:96 transport-cc' ||
        /^a=extmap:[1-8] /.test(l) ||
        l.startsWith('a=ssrc-group:FID') ||
        l.startsWith('a=ssrc:3656694496 '),
    );
    assertRtpmapFirst(offer.sdp);
  });

  it('munges the wrtc microphone offer (audio only) to Opus and keeps its fmtp', () => {
    const offer = mungePublisherOffer(WRTC_MICROPHONE, 'audio', ['VP8'])!;
    assert.deepEqual(offer.codec, { pt: 111, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'minptime=10;useinbandfec=1' });
    assert.match(offer.sdp, /\r\nm=audio 59024 UDP\/TLS\/RTP\/SAVPF 111\r\n/);
    assert.deepEqual(offer.extIds, { mid: 4, rid: undefined });
    assertRewritten(WRTC_MICROPHONE, offer.sdp, (l) => otherPayloadType(111)(l) || l === 'a=rtcp-fb:111 transport-cc' || /^a=extmap:[1-3] /.test(l));
    assertRtpmapFirst(offer.sdp);
  });

  it('keeps the simulcast of a Chromium offer, and its rid and simulcast lines', () => {
    const offer = mungePublisherOffer(CHROMIUM_SIMULCAST, 'video', ['VP8', 'H264'])!;
    assert.equal(offer.codec.pt, 96);
    assert.deepEqual([offer.rids, offer.simulcast], [['l', 'h'], 'l;h']);
    assert.deepEqual(offer.extIds, { mid: 9, rid: 10 });
    // Unknown attributes (a=rtcp-xr) pass through sdp-transform as they were.
    assertRewritten(
      CHROMIUM_SIMULCAST,
      offer.sdp,
      (l) => otherPayloadType(96)(l) || l === 'a=rtcp-fb:96 transport-cc' || /^a=extmap:([1-8]|1[34]) /.test(l),
    );
    assertRtpmapFirst(offer.sdp);
    assert.deepEqual(orderRids(['h', 'm', 'l']), ['l', 'm', 'h']);
    assert.deepEqual(orderRids(['f', 'h', 'q']), ['q', 'h', 'f']);
    assert.deepEqual(orderRids(['a', 'b']), ['a', 'b'], 'unknown names: as offered');
  });

  it('answers every offered rid with recv, whether libdatachannel echoed them as send or left them out', () => {
    const offer = mungePublisherOffer(CHROMIUM_SIMULCAST, 'video', ['VP8'])!;
    const echoed = NDC_SIMULCAST_ANSWER;
    assert.match(
      echoed,
      /a=rid:l send\r\na=rid:h send\r\na=simulcast:send l;h\r\n/,
      'libdatachannel 0.24 echoes the direction: Chromium then sends nothing',
    );
    const completed = completePublisherAnswer(echoed, offer);
    assert.match(completed, /a=rid:l recv\r\na=rid:h recv\r\na=simulcast:recv l;h\r\n/);
    // The rest is as libdatachannel wrote it, but for the space sdp-transform writes after msid-semantic (as Chromium does).
    const ridOrSimulcast = /a=(rid|simulcast):[^\r]*\r\n/g;
    assertRewritten(echoed.replace('a=msid-semantic:WMS', 'a=msid-semantic: WMS'), completed.replace(ridOrSimulcast, ''), (l) =>
      /^a=(rid|simulcast):/.test(l),
    );
    assert.equal(completePublisherAnswer(completed, offer), completed, 'idempotent');
    const left = echoed.replace(ridOrSimulcast, '');
    assert.equal(completePublisherAnswer(left, offer), completed);
    const single = mungePublisherOffer(CHROMIUM_H264, 'video', ['VP8'])!;
    assert.equal(completePublisherAnswer(left, single), left, 'no simulcast: the answer is untouched');
  });

  it('prefers per videoCodecs; H.264 only with packetization-mode=1, constrained baseline 42e01f first', () => {
    const codecs = codecsIn(CHROMIUM_H264);
    assert.equal(chooseCodec('video', codecs, ['VP8', 'H264'])?.pt, 96);
    const h264 = chooseCodec('video', codecs, ['H264', 'VP8'])!;
    assert.deepEqual([h264.pt, h264.name, h264.fmtp], [108, 'H264', 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f']);
    assert.equal(chooseCodec('video', codecs, ['AV2']), undefined);
    const h264Codec = (pt: number, fmtp: string): SdpCodec => ({ pt, name: 'H264', clockRate: 90000, channels: undefined, fmtp });
    assert.equal(chooseCodec('video', [h264Codec(104, 'packetization-mode=0;profile-level-id=42e01f')], ['H264']), undefined);
    assert.equal(
      chooseCodec(
        'video',
        [h264Codec(116, 'packetization-mode=1;profile-level-id=4d001f'), h264Codec(102, 'Packetization-Mode=1; Profile-Level-Id=42E01F')],
        ['H264'],
      )?.pt,
      102,
      'fmtp names and values in any case',
    );
    assert.equal(
      chooseCodec('video', [h264Codec(116, 'packetization-mode=1;profile-level-id=4d001f')], ['H264'])?.pt,
      116,
      'another profile rather than none',
    );
    assert.equal(chooseCodec('audio', codecsIn(WRTC_MICROPHONE), [])?.pt, 111);

    const offer = mungePublisherOffer(CHROMIUM_H264, 'video', ['H264'])!;
    assert.equal(offer.codec.pt, 108);
    // Its RTX SSRC (3252408887, FID group) goes with the RTX payload type; the media SSRC lines stay.
    assertRewritten(
      CHROMIUM_H264,
      offer.sdp,
      (l) =>
        otherPayloadType(108)(l) ||
        l === 'a=rtcp-fb:108 transport-cc' ||
        /^a=extmap:[1-8] /.test(l) ||
        l.startsWith('a=ssrc-group:FID') ||
        l.startsWith('a=ssrc:3252408887 '),
    );
    assert.match(offer.sdp, /\r\nm=video \d+ UDP\/TLS\/RTP\/SAVPF 108\r\n/);
    assert.match(offer.sdp, /\r\na=ssrc:3389985516 cname:/);
    assertRtpmapFirst(offer.sdp);
    assert.equal(mungePublisherOffer(WRTC_CAMERA, 'video', ['H264']), undefined, 'wrtc offers no H.264');
  });

  it('refuses what the SFU cannot use with an SdpError that says why', () => {
    const refused = (sdp: string, kind: 'audio' | 'video', message: RegExp) =>
      assert.throws(
        () => mungePublisherOffer(sdp, kind, ['VP8']),
        (err) => err instanceof SdpError && message.test(err.message),
      );
    refused('', 'video', /no "v=0"/);
    refused('nonsense', 'video', /no "v=0"/);
    refused('v=0\r\n', 'video', /one m-section, this one has 0/);
    refused(WRTC_MICROPHONE, 'video', /expected an video m-section, got audio/);
    refused(WRTC_CAMERA + WRTC_MICROPHONE.slice(WRTC_MICROPHONE.indexOf('m=audio')), 'video', /one m-section, this one has 2/);
    refused(WRTC_CAMERA.replace(/a=fingerprint:[^\r]*\r\n/, ''), 'video', /no DTLS fingerprint/);
    refused(WRTC_CAMERA.replace(/m=video [^\r]*/, 'm=video'), 'video', /an m-line reads/);
    refused(WRTC_CAMERA.replace(/(m=video [^\r]*)/, '$1 300'), 'video', /bad payload type/);
    refused(WRTC_CAMERA.replace(/(m=video [^\r]*)/, '$1 x'), 'video', /bad payload type/);
    assert.equal(mungePublisherOffer(WRTC_CAMERA.replace(/VP8\/90000/g, 'VP7/90000'), 'video', ['VP8']), undefined, 'nothing in common is no error');
  });

  it('reads the payload type a viewer answered on one m-section, and refuses a rejected or missing one', () => {
    assert.equal(answeredPayloadType(CHROMIUM_H264_ANSWER, '0', 'h264'), 108);
    assert.equal(answeredPayloadType(CHROMIUM_H264_ANSWER, '0', 'VP8'), undefined);
    const two =
      'v=0\r\ns=-\r\nm=video 9 UDP/TLS/RTP/SAVPF 120\r\na=mid:0\r\na=rtpmap:120 VP8/90000\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:1\r\na=rtpmap:111 opus/48000/2\r\n';
    assert.equal(answeredPayloadType(two, '0', 'VP8'), 120);
    assert.equal(answeredPayloadType(two, '1', 'opus'), 111);
    assert.throws(() => answeredPayloadType(two, '2', 'opus'), /no m-section 2/);
    assert.throws(() => answeredPayloadType(CHROMIUM_H264_ANSWER.replace(/m=video \d+/, 'm=video 0'), '0', 'H264'), /rejects m-section 0/);
    assert.throws(() => answeredPayloadType('garbage', '0', 'VP8'), SdpError);
    assert.throws(() => answeredPayloadType('v=0', '0', 'VP8'), /no m-section/);
  });
});

describe('sanitizeFmtp (what viewers are offered of a publisher fmtp)', () => {
  it('gives Opus without fmtp the browsers default (its viewers could not be offered it before)', () => {
    const bare = WRTC_MICROPHONE.replace(/a=fmtp:111 [^\r]*\r\n/, '');
    const offer = mungePublisherOffer(bare, 'audio', ['VP8'])!;
    assert.equal(offer.codec.fmtp, OPUS_DEFAULT_FMTP);
    assert.equal(sanitizeFmtp({ name: 'opus', fmtp: '' }), 'minptime=10;useinbandfec=1');
  });

  it('keeps known keys in their order, once, with short alphanumeric values', () => {
    assert.equal(
      sanitizeFmtp({ name: 'H264', fmtp: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f' }),
      'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
    );
    assert.equal(sanitizeFmtp({ name: 'opus', fmtp: 'Stereo=1; useinbandfec=1;stereo=0;x-evil=1;usedtx' }), 'stereo=1;useinbandfec=1');
    assert.equal(sanitizeFmtp({ name: 'opus', fmtp: 'minptime=10\r\na=candidate:1 1 udp 1 6.6.6.6 9 typ host' }), OPUS_DEFAULT_FMTP);
    assert.equal(sanitizeFmtp({ name: 'opus', fmtp: `maxplaybackrate=${'9'.repeat(17)}` }), OPUS_DEFAULT_FMTP, 'a value too long');
    assert.equal(sanitizeFmtp({ name: 'VP8', fmtp: 'max-fr=30;max-fs=3600' }), 'max-fr=30;max-fs=3600');
    assert.equal(sanitizeFmtp({ name: 'VP8', fmtp: 'x-google-start-bitrate=9999999' }), '');
    assert.equal(sanitizeFmtp({ name: 'rtx', fmtp: 'apt=96' }), '', 'an unknown codec keeps nothing');
    const huge = Array.from({ length: 5000 }, (_, i) => `k${i}=${i}`).join(';');
    assert.equal(sanitizeFmtp({ name: 'opus', fmtp: `useinbandfec=1;${huge}` }), 'useinbandfec=1');
  });

  it('a publisher offer with a junk fmtp is offered to viewers cleaned', () => {
    const junk = WRTC_MICROPHONE.replace(
      'a=fmtp:111 minptime=10;useinbandfec=1',
      `a=fmtp:111 minptime=10;useinbandfec=1;${'x'.repeat(3000)}=1;sprop-stereo=%0d`,
    );
    assert.equal(mungePublisherOffer(junk, 'audio', ['VP8'])!.codec.fmtp, 'minptime=10;useinbandfec=1');
  });
});

describe('mungePublisherOffer on hostile offers (found by tests/reliability/fuzz-media.test.ts)', () => {
  it('reads an FID group of one SSRC (sdp-transform gives a number) without a TypeError', () => {
    const offer = WRTC_MICROPHONE.replace('a=rtcp-mux', 'a=rtcp-mux\r\na=ssrc-group:FID 1');
    assert.doesNotThrow(() => mungePublisherOffer(offer, 'audio', ['VP8']));
  });
});
