import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withSendLimits } from './send-limits.js';

const ANSWER = [
  'v=0',
  'o=- 1 1 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'c=IN IP4 0.0.0.0',
  'b=AS:30',
  'a=mid:0',
  'm=video 9 UDP/TLS/RTP/SAVPF 96',
  'c=IN IP4 0.0.0.0',
  'a=mid:1',
  'a=rtpmap:96 VP8/90000',
  '',
].join('\r\n');

describe('withSendLimits', () => {
  it('puts b=AS after c= of the m-sections named, and drops the old ceilings of the others', () => {
    const out = withSendLimits(ANSWER, new Map([['1', 1200]]));
    const lines = out.split('\r\n');
    const video = lines.indexOf('m=video 9 UDP/TLS/RTP/SAVPF 96');
    assert.deepEqual(lines.slice(video, video + 4), ['m=video 9 UDP/TLS/RTP/SAVPF 96', 'c=IN IP4 0.0.0.0', 'b=AS:1200', 'a=mid:1']);
    assert.equal(out.match(/b=AS:/g)?.length, 1, 'the audio section lost its old ceiling');
    assert.ok(out.endsWith('\r\n'));
  });

  it('replaces a ceiling and leaves the rest byte for byte', () => {
    const out = withSendLimits(ANSWER, new Map([['0', 64]]));
    assert.equal(out, ANSWER.replace('b=AS:30', 'b=AS:64'));
  });
});
