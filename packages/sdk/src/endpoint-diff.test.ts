import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EndpointEvent, type MemberInfo } from '@hudong/protocol';
import { diffEndpoints, toEndpointState } from './endpoint-diff.js';
import type { EndpointState } from './AVEndpoint.js';
import { memberInfo as member } from './testing/member-info.js';

const known = (...ms: MemberInfo[]): Map<string, EndpointState> => new Map(ms.map((m) => [m.identifier, toEndpointState(m)]));

test('no difference → no events', () => {
  assert.deepEqual(
    diffEndpoints(known(member('bob'), member('carol', { hasAudio: true })), [member('bob'), member('carol', { hasAudio: true })]),
    [],
  );
});

test('members gone → EXIT, members new → ENTER, EXIT first', () => {
  const changes = diffEndpoints(known(member('bob'), member('carol')), [member('carol'), member('dave'), member('erin')]);
  assert.deepEqual(changes, [
    [EndpointEvent.EXIT, ['bob']],
    [EndpointEvent.ENTER, ['dave', 'erin']],
  ]);
});

test('media flags that changed → HAS_/NO_ events; a newcomer sending counts as turned on', () => {
  const before = known(member('bob', { hasCameraVideo: true, hasAudio: true }), member('carol', { hasScreenVideo: true }));
  const after = [
    member('bob', { hasCameraVideo: false, hasAudio: true }),
    member('carol', { hasScreenVideo: false, hasAudio: true }),
    member('dave', { hasCameraVideo: true }),
  ];
  assert.deepEqual(diffEndpoints(before, after), [
    [EndpointEvent.ENTER, ['dave']],
    [EndpointEvent.HAS_CAMERA_VIDEO, ['dave']],
    [EndpointEvent.NO_CAMERA_VIDEO, ['bob']],
    [EndpointEvent.HAS_AUDIO, ['carol']],
    [EndpointEvent.NO_SCREEN_VIDEO, ['carol']],
  ]);
});

test('everyone left while we were away', () => {
  assert.deepEqual(diffEndpoints(known(member('bob'), member('carol')), []), [[EndpointEvent.EXIT, ['bob', 'carol']]]);
});

test('partial member info (EXIT events carry ids only) gets neutral defaults', () => {
  assert.deepEqual(toEndpointState({ identifier: 'x', tinyId: '7' }), {
    identifier: 'x',
    tinyId: '7',
    hasAudio: false,
    hasCameraVideo: false,
    hasScreenVideo: false,
    role: '',
    terminal: '',
  });
});
