// Large rooms through the SDK against a real server with largeRoomThreshold 2 (API.md section 3):
// room.endpoints holds the announced members only, memberCount everyone; a member that starts
// publishing is ENTER then HAS_AUDIO, one that stops is NO_AUDIO then EXIT; one-to-one messages
// reach the unannounced. Publishing uses the Node virtual mic: run inside the namespace (run-tests does).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AuthBits, EndpointEvent, type AVContext } from '@hudong/sdk';
import { ServerProcess } from '../helpers/server.js';
import { dispose, nextEvent, startedContext, uniqueId, uniqueRoomId } from '../helpers/clients.js';
import { waitUntil } from '../helpers/wait-until.js';

let server: ServerProcess;
before(async () => {
  server = await new ServerProcess({ config: { largeRoomThreshold: 2 } }).start();
});
after(async () => {
  await server.stop();
});

test('a room over the threshold: endpoints are the announced members, memberCount is everyone; publishing announces', async () => {
  const roomId = uniqueRoomId();
  const [hostId, guestId, viewerId, speakerId] = ['host', 'guest', 'viewer', 'speaker'].map(uniqueId) as [string, string, string, string];
  const contexts: AVContext[] = [];
  try {
    for (const id of [hostId, guestId, viewerId, speakerId]) contexts.push(await startedContext(server.wsUrl, id));
    const [host, guest, viewer, speaker] = contexts as [AVContext, AVContext, AVContext, AVContext];
    const hostRoom = await host.enterRoom({ roomId, controlRole: 'LiveMaster' });
    assert.equal(hostRoom.memberCount, 1);
    await guest.enterRoom({ roomId, authBits: AuthBits.AUDIENCE, createRoom: false });
    const counted = nextEvent(hostRoom, 'memberCountChanged');
    const viewerRoom = await viewer.enterRoom({ roomId, authBits: AuthBits.AUDIENCE, createRoom: false });
    assert.deepEqual([[...viewerRoom.endpoints.keys()].sort(), viewerRoom.memberCount], [[guestId, hostId].sort(), 3]);
    const speakerRoom = await speaker.enterRoom({ roomId, authBits: AuthBits.DEFAULT & ~AuthBits.CREATE_ROOM, createRoom: false });
    assert.equal(speakerRoom.memberCount, 4);
    assert.ok((await counted)[0] >= 2);
    await waitUntil('the host counts 4', () => hostRoom.memberCount === 4);
    assert.deepEqual([...hostRoom.endpoints.keys()], [guestId], 'the viewer and the speaker are audience');

    const received = nextEvent(viewerRoom, 'message');
    await hostRoom.sendMessage('just for you', { to: viewerId });
    assert.deepEqual(await received, [hostId, 'just for you']);

    const seen: [number, string[]][] = [];
    hostRoom.on('endpointsUpdate', (event, ids) => seen.push([event, ids]));
    await speaker.devices.enableMic(true);
    await waitUntil('the speaker announced with audio', () => hostRoom.endpoints.get(speakerId)?.hasAudio);
    assert.deepEqual(seen, [
      [EndpointEvent.ENTER, [speakerId]],
      [EndpointEvent.HAS_AUDIO, [speakerId]],
    ]);
    await speaker.devices.enableMic(false);
    await waitUntil('the speaker withdrawn', () => !hostRoom.endpoints.has(speakerId));
    assert.deepEqual(seen.slice(2), [
      [EndpointEvent.NO_AUDIO, [speakerId]],
      [EndpointEvent.EXIT, [speakerId]],
    ]);
    assert.equal(hostRoom.memberCount, 4);
  } finally {
    await dispose(...contexts);
  }
});
