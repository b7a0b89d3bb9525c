import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHROME_SIMULCAST_OFFER, WRTC_AUDIO_OFFER, WRTC_VIDEO_OFFER } from '../../../../tests/fixtures/sdp-offers.js';
import {
  answeredPayloadType, chooseCodec, completePublisherAnswer, mungePublisherOffer, orderRids, parseMedia, SdpError, splitSdp,
} from './sdp.js';

const mediaOf = (sdp: string) => parseMedia(splitSdp(sdp).media[0]!);

describe('sdp', () => {
  it('parses a wrtc camera offer: codecs, extmap ids, RTX SSRC left out', () => {
    const media = mediaOf(WRTC_VIDEO_OFFER);
    assert.equal(media.kind, 'video');
    assert.equal(media.mid, '0');
    assert.deepEqual(media.codecs.slice(0, 2).map((c) => [c.pt, c.name, c.clockRate]), [[96, 'VP8', 90000], [97, 'rtx', 90000]]);
    assert.equal(media.extmaps.find((e) => e.uri.endsWith('sdes:mid'))?.id, 9);
    assert.deepEqual(media.ssrcs, [3869167899]);
  });

  it('munges the wrtc camera offer to VP8 only, without RTX, RED, FEC, transport-cc or other extensions', () => {
    const offer = mungePublisherOffer(WRTC_VIDEO_OFFER, 'video', ['VP8', 'H264'])!;
    assert.equal(offer.codec.name, 'VP8');
    assert.equal(offer.codec.pt, 96);
    const lines = offer.sdp.split('\r\n');
    assert.ok(lines.includes('m=video 40085 UDP/TLS/RTP/SAVPF 96'));
    assert.deepEqual(lines.filter((l) => l.startsWith('a=rtpmap')), ['a=rtpmap:96 VP8/90000']);
    assert.deepEqual(lines.filter((l) => l.startsWith('a=rtcp-fb')).sort(),
      ['a=rtcp-fb:96 ccm fir', 'a=rtcp-fb:96 goog-remb', 'a=rtcp-fb:96 nack', 'a=rtcp-fb:96 nack pli']);
    assert.doesNotMatch(offer.sdp, /transport-cc|transport-wide|ssrc-group|3656694496|abs-send-time/);
    assert.deepEqual(lines.filter((l) => l.startsWith('a=extmap:')).map((l) => l.split(' ')[0]), ['a=extmap:9', 'a=extmap:10', 'a=extmap:11']);
    assert.deepEqual(offer.extIds, { mid: 9, rid: 10 });
    assert.deepEqual(offer.rids, []);
    assert.ok(lines.some((l) => l.startsWith('a=candidate:')) && lines.some((l) => l.startsWith('a=fingerprint:')), 'ICE and DTLS lines stay');
    assert.ok(offer.sdp.endsWith('\r\n'));
  });

  it('munges the wrtc microphone offer to Opus and keeps its fmtp', () => {
    const offer = mungePublisherOffer(WRTC_AUDIO_OFFER, 'audio', ['VP8'])!;
    assert.deepEqual([offer.codec.name, offer.codec.pt, offer.codec.clockRate, offer.codec.channels], ['opus', 111, 48000, 2]);
    assert.match(offer.sdp, /\r\nm=audio 59024 UDP\/TLS\/RTP\/SAVPF 111\r\n/);
    assert.match(offer.sdp, /a=fmtp:111 minptime=10;useinbandfec=1/);
    assert.doesNotMatch(offer.sdp, /a=rtcp-fb:111 transport-cc|ISAC|telephone-event|ssrc-audio-level/);
  });

  it('follows the preference; H.264 only with packetization-mode=1, constrained baseline first', () => {
    const media = mediaOf(CHROME_SIMULCAST_OFFER);
    assert.equal(chooseCodec(media, ['VP8', 'H264'])?.pt, 96);
    const h264 = chooseCodec(media, ['H264', 'VP8'])!;
    assert.equal(h264.pt, 106);
    assert.match(h264.fmtp, /packetization-mode=1;profile-level-id=42e01f/);
    assert.equal(chooseCodec(media, ['AV2']), undefined);
    assert.equal(mungePublisherOffer(WRTC_VIDEO_OFFER, 'video', ['H264']), undefined, 'wrtc offers no H.264');
  });

  it('keeps the simulcast of a Chromium offer; the answer gets rid/simulcast lines', () => {
    const offer = mungePublisherOffer(CHROME_SIMULCAST_OFFER, 'video', ['H264'])!;
    assert.equal(offer.codec.pt, 106);
    assert.deepEqual(offer.rids, ['q', 'h', 'f']);
    assert.equal(offer.simulcast, 'send q;h;f');
    assert.match(offer.sdp, /a=rid:q send\r\na=rid:h send\r\na=rid:f send\r\na=simulcast:send q;h;f/);
    assert.match(offer.sdp, /a=fmtp:106 /);
    assert.doesNotMatch(offer.sdp, /a=rtpmap:(96|102|107|116|118) /);
    const answer = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 106\r\na=mid:0\r\na=recvonly\r\na=rtpmap:106 H264/90000\r\n';
    const completed = completePublisherAnswer(answer, offer);
    assert.match(completed, /a=rid:q recv\r\na=rid:h recv\r\na=rid:f recv\r\na=simulcast:recv q;h;f\r\n$/);
    assert.equal(completePublisherAnswer(completed, offer), completed, 'idempotent');
    // libdatachannel 0.24 echoes the offer's rid lines with their direction: Chromium then sends nothing.
    const echoed = answer + 'a=rid:q send\r\na=rid:h send\r\na=rid:f send\r\na=simulcast:send q;h;f\r\n';
    const fixed = completePublisherAnswer(echoed, offer);
    assert.doesNotMatch(fixed, / send/);
    assert.match(fixed, /a=rid:q recv\r\na=rid:h recv\r\na=rid:f recv\r\na=simulcast:recv q;h;f\r\n$/);
  });

  it('orders rids lowest first by the usual names, else as offered', () => {
    assert.deepEqual(orderRids(['f', 'h', 'q']), ['q', 'h', 'f']);
    assert.deepEqual(orderRids(['h', 'm', 'l']), ['l', 'm', 'h']);
    assert.deepEqual(orderRids(['a', 'b']), ['a', 'b']);
  });

  it('refuses what the SFU cannot use', () => {
    assert.throws(() => mungePublisherOffer('v=0\r\n', 'video', ['VP8']), SdpError);
    assert.throws(() => mungePublisherOffer('nonsense', 'video', ['VP8']), SdpError);
    assert.throws(() => mungePublisherOffer(WRTC_AUDIO_OFFER, 'video', ['VP8']), /expected an video m-section/);
    const twoSections = WRTC_VIDEO_OFFER + WRTC_AUDIO_OFFER.slice(WRTC_AUDIO_OFFER.indexOf('m=audio'));
    assert.throws(() => mungePublisherOffer(twoSections, 'video', ['VP8']), /one m-section/);
    assert.throws(() => mungePublisherOffer(WRTC_VIDEO_OFFER.replace(/a=fingerprint:[^\r\n]*\r?\n/, ''), 'video', ['VP8']), /fingerprint/);
  });

  it('reads the payload type a viewer answered, and refuses a rejected m-section', () => {
    const answer = 'v=0\r\ns=-\r\nm=video 9 UDP/TLS/RTP/SAVPF 120\r\na=rtpmap:120 VP8/90000\r\n';
    assert.equal(answeredPayloadType(answer, 'vp8'), 120);
    assert.equal(answeredPayloadType(answer, 'H264'), undefined);
    assert.throws(() => answeredPayloadType(answer.replace('video 9', 'video 0'), 'VP8'), /rejects/);
  });
});
