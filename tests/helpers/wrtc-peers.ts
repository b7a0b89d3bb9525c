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

/** A viewing peer: answers the server's offer and decodes what arrives. */
export class WrtcViewer {
  readonly pc: RTCPeerConnection;
  readonly subscriptionId: string;
  #video: FrameCounter | undefined;
  #audio: SampleCounter | undefined;

  private constructor(pc: RTCPeerConnection, subscriptionId: string) {
    this.pc = pc;
    this.subscriptionId = subscriptionId;
  }

  /** media.subscribe → answer → media.answer. */
  static async view(
    client: RawClient,
    identifier: string,
    source: 'camera' | 'screen' | 'audio',
    size: 'big' | 'small' = 'big',
  ): Promise<WrtcViewer> {
    const res = await client.request('media.subscribe', { identifier, source, size }, 10_000);
    if (!res.ok) throw new Error(`media.subscribe failed: ${JSON.stringify(res.error)}`);
    const pc = new RTCPeerConnection();
    const viewer = new WrtcViewer(pc, res.result.subscriptionId);
    pc.ontrack = ({ track }) => {
      if (track.kind === 'video') viewer.#video = new FrameCounter(track);
      else viewer.#audio = new SampleCounter(track);
    };
    await pc.setRemoteDescription({ type: 'offer', sdp: res.result.sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc);
    const done = await client.request('media.answer', { subscriptionId: viewer.subscriptionId, sdp: pc.localDescription!.sdp });
    if (!done.ok) throw new Error(`media.answer failed: ${JSON.stringify(done.error)}`);
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

  close(): void {
    this.#video?.stop();
    this.#audio?.stop();
    this.pc.close();
  }
}
