import wrtc from '@roamhq/wrtc';
import { EndpointEvent, type AVContext, type AVRoom } from '@hudong/sdk';
import { startedContext, uniqueId, uniqueRoomId } from './clients.js';

type Track = MediaStreamTrack;
const { RTCVideoSink, RTCAudioSink } = wrtc.nonstandard;

export interface DecodedFrame {
  at: number;
  width: number;
  height: number;
  data: Uint8Array;
}

/** Counts the frames libwebrtc decodes from a received video track. */
export class FrameCounter {
  readonly frames: DecodedFrame[] = [];
  #sink: { stop(): void; onframe: ((e: { frame: { width: number; height: number; data: Uint8Array } }) => void) | null };
  #waiters: { n: number; resolve: () => void }[] = [];

  constructor(
    track: Track,
    readonly keepData = false,
  ) {
    this.#sink = new RTCVideoSink(track);
    this.#sink.onframe = ({ frame }) => {
      this.frames.push({ at: Date.now(), width: frame.width, height: frame.height, data: keepData ? new Uint8Array(frame.data) : new Uint8Array(0) });
      this.#waiters = this.#waiters.filter((w) => (this.frames.length >= w.n ? (w.resolve(), false) : true));
    };
  }

  get count(): number {
    return this.frames.length;
  }

  /** Resolves once `n` frames were decoded; rejects after `timeoutMs`. */
  waitFor(n: number, timeoutMs = 10_000): Promise<void> {
    if (this.frames.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${this.frames.length} of ${n} frames within ${timeoutMs} ms`)), timeoutMs);
      this.#waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  stop(): void {
    this.#sink.onframe = null;
    this.#sink.stop();
  }
}

/** Counts audio samples and their peak level from a received audio track. */
export class SampleCounter {
  samples = 0;
  peak = 0;
  #sink: { stop(): void; ondata: ((d: { samples: Int16Array }) => void) | null };

  constructor(track: Track) {
    this.#sink = new RTCAudioSink(track);
    this.#sink.ondata = ({ samples }) => {
      this.samples += samples.length;
      for (let i = 0; i < samples.length; i += 8) this.peak = Math.max(this.peak, Math.abs(samples[i]!));
    };
  }

  stop(): void {
    this.#sink.ondata = null;
    this.#sink.stop();
  }
}

/** Reads one counter from the server's Prometheus text (summing label sets). */
export async function metric(httpUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(name + ' ') || line.startsWith(name + '{')) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** Resolves when `room` reports endpoint `event` for `identifier`, or at once if `holds()` already. */
export function endpointEvent(
  room: AVRoom,
  identifier: string,
  event: number,
  holds: () => boolean = () => false,
  timeoutMs = 10_000,
): Promise<void> {
  if (holds()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no endpoint event ${event} for ${identifier} within ${timeoutMs} ms`)), timeoutMs);
    room.on('endpointsUpdate', (e, ids) => {
      if (e === event && ids.includes(identifier)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

export interface HostAndViewer {
  host: AVContext;
  viewer: AVContext;
  hostId: string;
  hostRoom: AVRoom;
  viewerRoom: AVRoom;
}

/**
 * A host and a viewer in a fresh room. With `camera`, the host's camera is on before it enters and
 * the viewer has seen HAS_CAMERA_VIDEO when this resolves. `viewerUrl`: the viewer's node, when it
 * is not the host's (a cluster).
 */
export async function hostAndViewer(
  serverUrl: string,
  opts: { camera?: boolean; viewerAuthBits?: number; viewerUrl?: string } = {},
): Promise<HostAndViewer> {
  const roomId = uniqueRoomId();
  const hostId = uniqueId('host');
  const host = await startedContext(serverUrl, hostId);
  const viewer = await startedContext(opts.viewerUrl ?? serverUrl, uniqueId('viewer'));
  if (opts.camera) await host.devices.enableCamera(true);
  const hostRoom = await host.enterRoom({ roomId, roomType: 'multi', createRoom: true });
  const viewerRoom = await viewer.enterRoom({
    roomId,
    roomType: 'multi',
    createRoom: false,
    ...(opts.viewerAuthBits !== undefined ? { authBits: opts.viewerAuthBits } : {}),
  });
  if (opts.camera) await endpointEvent(viewerRoom, hostId, EndpointEvent.HAS_CAMERA_VIDEO, () => !!viewerRoom.endpoints.get(hostId)?.hasCameraVideo);
  return { host, viewer, hostId, hostRoom, viewerRoom };
}
