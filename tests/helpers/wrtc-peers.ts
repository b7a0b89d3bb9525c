// @roamhq/wrtc peers for the wire-level media tests: a publisher with a synthetic camera (640x480 I420,
// 30 fps, noisy so that the encoder uses the bitrate it is allowed) and a tone microphone, and a
// viewer that decodes. Only works inside ../shared/tools/netns-run (libwebrtc skips loopback otherwise).
import { randomFillSync } from 'node:crypto';
import wrtc from '@roamhq/wrtc';
import type { ResultOf } from '@hudong/protocol';
import type { RawClient, ResponseFrame } from './raw-client.js';
import { FrameCounter, SampleCounter } from './media.js';

const { RTCPeerConnection, nonstandard } = wrtc;

function gathered(pc: RTCPeerConnection): Promise<void> {
  return new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
  });
}

/** A publishing peer: one transport per source, as docs/media.md has it. */
export class WrtcPublisher {
  readonly pc: RTCPeerConnection;
  readonly #timer: NodeJS.Timeout;
  readonly #track: MediaStreamTrack;
  frames = 0;

  private constructor(pc: RTCPeerConnection, track: MediaStreamTrack, timer: NodeJS.Timeout) {
    this.pc = pc;
    this.#track = track;
    this.#timer = timer;
  }

  /** The offer (candidates gathered) for `kind`, and the peer that made it; feeds media at once. */
  static async offer(kind: 'video' | 'audio'): Promise<{ publisher: WrtcPublisher; sdp: string }> {
    const pc = new RTCPeerConnection();
    let publisher: WrtcPublisher;
    if (kind === 'video') {
      const source = new nonstandard.RTCVideoSource();
      const track = source.createTrack();
      const width = 640;
      const height = 480;
      const data = new Uint8Array(width * height * 1.5);
      const timer = setInterval(() => {
        const n = publisher.frames++;
        // Noise in the top 1/16 (bits to spend), a moving bar below (visible motion).
        randomFillSync(data.subarray(0, (width * height) / 16));
        data.fill(90, (width * height) / 16, (width * height) / 2);
        data.fill(16, (width * height) / 2, width * height);
        const bar = (n * 8) % width;
        for (let y = height / 2; y < height; y++) data.fill(235, y * width + bar, y * width + Math.min(width, bar + 32));
        data.fill(128, width * height);
        source.onFrame({ width, height, data });
      }, 1000 / 30);
      publisher = new WrtcPublisher(pc, track, timer);
      pc.addTransceiver(track, { direction: 'sendonly' });
    } else {
      const source = new nonstandard.RTCAudioSource();
      const track = source.createTrack();
      let phase = 0;
      const timer = setInterval(() => {
        const samples = new Int16Array(480);
        for (let i = 0; i < samples.length; i++) samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * phase++) / 48000));
        source.onData({ samples, sampleRate: 48000, bitsPerSample: 16, channelCount: 1, numberOfFrames: 480 });
      }, 10);
      publisher = new WrtcPublisher(pc, track, timer);
      pc.addTransceiver(track, { direction: 'sendonly' });
    }
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    return { publisher, sdp: pc.localDescription!.sdp };
  }

  /** Publishes through `client`: media.publish, then the answer. Returns the response frame. */
  static async publish(
    client: RawClient,
    source: 'camera' | 'screen' | 'audio',
  ): Promise<{ publisher: WrtcPublisher; response: ResponseFrame<ResultOf<'media.publish'>> }> {
    const { publisher, sdp } = await WrtcPublisher.offer(source === 'audio' ? 'audio' : 'video');
    const response = await client.request('media.publish', { source, sdp }, 10_000);
    if (response.ok) await publisher.pc.setRemoteDescription({ type: 'answer', sdp: response.result.sdp });
    return { publisher, response };
  }

  /** outbound-rtp of the publisher's stream. */
  async outbound(): Promise<{ bytesSent: number; pliCount: number; nackCount: number; framesEncoded: number }> {
    const report = await this.pc.getStats();
    for (const stat of report.values() as Iterable<RTCStats>) {
      if (stat.type !== 'outbound-rtp') continue;
      const { bytesSent, pliCount, nackCount, framesEncoded } = stat as RTCOutboundRtpStreamStats;
      return { bytesSent: bytesSent ?? 0, pliCount: pliCount ?? 0, nackCount: nackCount ?? 0, framesEncoded: framesEncoded ?? 0 };
    }
    return { bytesSent: 0, pliCount: 0, nackCount: 0, framesEncoded: 0 };
  }

  close(): void {
    clearInterval(this.#timer);
    this.#track.stop();
    this.pc.close();
  }
}

/**
 * A client's one receive connection, as the SDK keeps it: answers every `media.subscriberOffer`
 * in order (a new connection id replaces the peer) and hands out the track of an m-section.
 */
export class WrtcReceiveConnection {
  static readonly #byClient = new WeakMap<RawClient, WrtcReceiveConnection>();
  readonly #client: RawClient;
  #pc: RTCPeerConnection | null = null;
  #connectionId = '';
  #queue: Promise<void> = Promise.resolve();
  #closed = false;
  /** Offers applied so far (tests count renegotiations). */
  offersApplied = 0;

  private constructor(client: RawClient) {
    this.#client = client;
    client.onEvent('media.subscriberOffer', (offer) => {
      // An offer still being applied when the test closes the connection (the server's reserve
      // refill comes 250 ms after a view) fails on the closed peer: that is the test ending, not an error.
      this.#queue = this.#queue
        .then(() => this.#apply(offer))
        .catch((err: unknown) => {
          if (!this.#closed) throw err;
        });
    });
  }

  static of(client: RawClient): WrtcReceiveConnection {
    let connection = WrtcReceiveConnection.#byClient.get(client);
    if (!connection) {
      connection = new WrtcReceiveConnection(client);
      WrtcReceiveConnection.#byClient.set(client, connection);
    }
    return connection;
  }

  get pc(): RTCPeerConnection | null {
    return this.#pc;
  }

  /** Resolves once every offer received so far has been answered (and the answer accepted). */
  get settled(): Promise<void> {
    return this.#queue;
  }

  /** The track of m-section `mid` of connection `connectionId`, once an offer carrying it was applied. */
  async track(connectionId: string, mid: string, timeoutMs = 10_000): Promise<MediaStreamTrack> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const track = this.#connectionId === connectionId ? this.#pc?.getTransceivers().find((t) => t.mid === mid)?.receiver.track : undefined;
      if (track) return track;
      if (Date.now() > deadline) throw new Error(`m-section ${mid} was not offered within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  close(): void {
    this.#closed = true;
    this.#pc?.close();
    this.#pc = null;
  }

  async #apply(offer: { connectionId: string; revision: number; sdp: string }): Promise<void> {
    if (this.#closed) return;
    if (offer.connectionId !== this.#connectionId) {
      this.#pc?.close();
      this.#pc = new RTCPeerConnection();
      this.#connectionId = offer.connectionId;
    }
    const pc = this.#pc!;
    await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc);
    this.offersApplied++;
    const done = await this.#client.request('media.subscriberAnswer', {
      connectionId: offer.connectionId,
      revision: offer.revision,
      sdp: pc.localDescription!.sdp,
    });
    if (!done.ok) throw new Error(`media.subscriberAnswer failed: ${JSON.stringify(done.error)}`);
  }
}

/** A viewing peer: one view on the client's receive connection, decoding what arrives. */
export class WrtcViewer {
  readonly subscriptionId: string;
  readonly mid: string;
  readonly connection: WrtcReceiveConnection;
  #video: FrameCounter | undefined;
  #audio: SampleCounter | undefined;

  private constructor(connection: WrtcReceiveConnection, subscriptionId: string, mid: string) {
    this.connection = connection;
    this.subscriptionId = subscriptionId;
    this.mid = mid;
  }

  /** media.subscribe, then the m-section's track from the client's receive connection. */
  static async view(
    client: RawClient,
    identifier: string,
    source: 'camera' | 'screen' | 'audio',
    size: 'big' | 'small' = 'big',
  ): Promise<WrtcViewer> {
    const connection = WrtcReceiveConnection.of(client);
    const res = await client.request('media.subscribe', { identifier, source, size }, 10_000);
    if (!res.ok) throw new Error(`media.subscribe failed: ${JSON.stringify(res.error)}`);
    const viewer = new WrtcViewer(connection, res.result.subscriptionId, res.result.mid);
    const track = await connection.track(res.result.connectionId, res.result.mid);
    if (track.kind === 'video') viewer.#video = new FrameCounter(track);
    else viewer.#audio = new SampleCounter(track);
    return viewer;
  }

  /** Video frames decoded so far. */
  get frames(): number {
    return this.#video?.count ?? 0;
  }
  get width(): number {
    return this.#video?.frames.at(-1)?.width ?? 0;
  }
  get height(): number {
    return this.#video?.frames.at(-1)?.height ?? 0;
  }
  /** Audio samples received so far. */
  get samples(): number {
    return this.#audio?.samples ?? 0;
  }

  /** Resolves once `n` frames were decoded; rejects after `timeoutMs`. */
  waitFrames(n: number, timeoutMs = 10_000): Promise<void> {
    if (!this.#video) return Promise.reject(new Error('no video track received'));
    return this.#video.waitFor(n, timeoutMs);
  }

  /** Stops counting; the receive connection stays (other views may be on it). */
  close(): void {
    this.#video?.stop();
    this.#audio?.stop();
  }
}

/** @roamhq/wrtc whose RTCPeerConnections are counted (made, and still open). */
export function countingWebRtc() {
  const made: RTCPeerConnection[] = [];
  class CountedPeerConnection extends wrtc.RTCPeerConnection {
    constructor(config?: RTCConfiguration) {
      super(config);
      made.push(this as unknown as RTCPeerConnection);
    }
  }
  const open = () => made.filter((pc) => pc.connectionState !== 'closed' && pc.signalingState !== 'closed').length;
  return { webrtc: { ...wrtc, RTCPeerConnection: CountedPeerConnection }, made, open };
}
