// A publisher whose own publication the server ends: it is told why (media.publicationEnded →
// `ctx.devices` 'publicationEnded'), publishes again by itself after a transport failure, and gives
// up with 'publishFailed' when the new transports never connect. The server runs in this process
// on the real node-datachannel engine; the only addition is a switch that cuts a publisher's
// transport the way a network failure would. Inside the namespace, like every media test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AuthBits, AVError, EndpointEvent, ErrorCode, type AVContext } from '@hudong/sdk';
import { NdcEngine, type MediaEngine, type PublisherTransport, type TransportState } from '@hudong/server';
import { InProcessServer } from '../helpers/server.js';
import { dispose, nextEvent } from '../helpers/clients.js';
import { FrameCounter, endpointEvent, hostAndViewer } from '../helpers/media.js';

interface Cuttable {
  id: string;
  video: boolean;
  transport: PublisherTransport;
  stateListener: ((state: TransportState) => void) | null;
}

/** node-datachannel, plus `cut`: close a publisher's transport and report it failed, as the engine does when ICE fails. */
class CuttableEngine implements MediaEngine {
  readonly #inner = new NdcEngine({});
  readonly publishers: Cuttable[] = [];
  /** Cut every publisher transport this long after it answered an offer (null: leave them). */
  cutNewAfterMs: number | null = null;

  createPublisherTransport(id: string): PublisherTransport {
    const transport = this.#inner.createPublisherTransport(id);
    const entry: Cuttable = { id, video: false, transport, stateListener: null };
    this.publishers.push(entry);
    return {
      id,
      negotiate: async (offer) => {
        entry.video ||= /^m=video/m.test(offer);
        const answer = await transport.negotiate(offer);
        const cutAfterMs = this.cutNewAfterMs;
        if (cutAfterMs !== null) setTimeout(() => this.cut(entry), cutAfterMs);
        return answer;
      },
      track: (mid) => transport.track(mid),
      onState: (listener) => {
        entry.stateListener = listener;
        transport.onState(listener);
      },
      close: () => transport.close(),
    };
  }

  createSubscriberTransport(id: string) {
    return this.#inner.createSubscriberTransport(id);
  }

  close(): void {
    this.#inner.close();
  }

  cut(entry: Cuttable): void {
    entry.transport.close();
    entry.stateListener?.('failed');
  }

  get cameras(): Cuttable[] {
    return this.publishers.filter((p) => p.video);
  }
}

let server: InProcessServer;
let engine: CuttableEngine;
let wsUrl: string;
before(async () => {
  engine = new CuttableEngine();
  server = await new InProcessServer({ config: { mediaEngine: engine } }).start();
  wsUrl = server.wsUrl;
});
after(async () => {
  await server.stop();
});

/** Collects a device manager's 'publicationEnded' and 'publishFailed' events. */
function deviceEvents(ctx: AVContext) {
  const ended: [string, AVError][] = [];
  const failed: [string, AVError][] = [];
  ctx.devices.on('publicationEnded', (kind, reason) => ended.push([kind, reason]));
  ctx.devices.on('publishFailed', (kind, reason) => failed.push([kind, reason]));
  return { ended, failed };
}

test('a failed publisher transport: the publisher is told 10004, publishes again, and the viewer sees video again', async () => {
  const { host, viewer, hostId, viewerRoom } = await hostAndViewer(wsUrl, { camera: true });
  const events = deviceEvents(host);
  let frames: FrameCounter | undefined;
  try {
    const [view] = await viewerRoom.requestViewList([{ identifier: hostId, srcType: 'camera', size: 'big' }]);
    frames = new FrameCounter(view!.track as MediaStreamTrack);
    await frames.waitFor(10);
    frames.stop();

    const first = engine.cameras.at(-1)!;
    const viewEnded = nextEvent(viewerRoom, 'viewEnded');
    const told = nextEvent(host.devices, 'publicationEnded');
    engine.cut(first);
    const [kind, reason] = await told;
    assert.equal(kind, 'camera');
    assert.ok(reason instanceof AVError);
    assert.equal(reason.code, ErrorCode.AV_ERR_SERVER_TIMEOUT);
    assert.equal(reason.detail?.code, 'TRANSPORT_FAILED');
    assert.ok(reason.suggestion.length > 0 && reason.meaning.length > 0);
    const [, viewReason] = await viewEnded;
    assert.equal(viewReason?.detail?.code, 'NOT_PUBLISHING');

    // The SDK published the camera again on its own: a new transport, HAS_CAMERA_VIDEO, frames.
    await endpointEvent(
      viewerRoom,
      hostId,
      EndpointEvent.HAS_CAMERA_VIDEO,
      () => engine.cameras.at(-1) !== first && !!viewerRoom.endpoints.get(hostId)?.hasCameraVideo,
    );
    assert.notEqual(engine.cameras.at(-1)!.id, first.id);
    const [again] = await viewerRoom.requestViewList([{ identifier: hostId, srcType: 'camera', size: 'big' }]);
    frames = new FrameCounter(again!.track as MediaStreamTrack);
    await frames.waitFor(10);
    assert.equal(frames.frames.at(-1)!.width, 640);
    assert.equal(events.failed.length, 0, 'nothing failed for good');
    assert.equal(host.devices.localTracks.camera !== undefined, true, 'the camera stayed on');
  } finally {
    frames?.stop();
    await dispose(viewer, host);
  }
});

test('republished transports that keep failing: 3 attempts, then publishFailed; turning the camera on again retries', async () => {
  const { host, viewer } = await hostAndViewer(wsUrl, { camera: true });
  const events = deviceEvents(host);
  try {
    const before = engine.cameras.length;
    engine.cutNewAfterMs = 0; // each republished transport fails at once
    const gaveUp = nextEvent(host.devices, 'publishFailed', 20_000);
    engine.cut(engine.cameras.at(-1)!); // this one had connected
    const [kind, reason] = await gaveUp;
    assert.equal(kind, 'camera');
    assert.equal(reason.detail?.code, 'TRANSPORT_FAILED');
    assert.equal(
      events.ended.length,
      4,
      `the connected one and three republished ones ended (got: ${events.ended.map(([, e]) => e.detail?.code).join(', ')})`,
    );
    assert.equal(engine.cameras.length - before, 3, 'three republish attempts');
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(engine.cameras.length - before, 3, 'no fourth attempt');

    engine.cutNewAfterMs = null;
    await host.devices.enableCamera(false);
    await host.devices.enableCamera(true);
    assert.equal(engine.cameras.length - before, 4, 'turning the camera on publishes it again');
  } finally {
    engine.cutNewAfterMs = null;
    await dispose(viewer, host);
  }
});

test('SEND_CAMERA_VIDEO taken away: the publisher is told 10003, the camera stays on unpublished, and is published again with the bit', async () => {
  const { host, viewer, hostId, hostRoom, viewerRoom } = await hostAndViewer(wsUrl, { camera: true });
  try {
    const before = engine.cameras.length;
    const told = nextEvent(host.devices, 'publicationEnded');
    const gone = endpointEvent(viewerRoom, hostId, EndpointEvent.NO_CAMERA_VIDEO);
    await hostRoom.changeAuthority(AuthBits.DEFAULT & ~AuthBits.SEND_CAMERA_VIDEO);
    const [kind, reason] = await told;
    assert.deepEqual([kind, reason.code, reason.detail?.code], ['camera', ErrorCode.AV_ERR_SERVER_NO_PERMISSION, 'AUTH_SEND_CAMERA_VIDEO_MISSING']);
    await gone;
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(engine.cameras.length, before, 'not published again without the bit');
    assert.ok(host.devices.localTracks.camera, 'the camera stayed on');

    const back = endpointEvent(viewerRoom, hostId, EndpointEvent.HAS_CAMERA_VIDEO);
    await hostRoom.changeAuthority(AuthBits.DEFAULT);
    await back;
    assert.equal(engine.cameras.length, before, 'published again on the same send connection, its m-section reused');
  } finally {
    await dispose(viewer, host);
  }
});
