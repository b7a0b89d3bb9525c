import type { PublisherTransport, TrackTransport } from '../MediaEngine.js';
import { RtpHeader } from '../rtp/index.js';
import { EXT_MID, SdpError, parseSdp } from '../sdp.js';
import { NativeConnection } from './NativeConnection.js';
import { NativeTrack } from './NativeTrack.js';
import { writePublisherAnswer } from './publisher-answer.js';

/**
 * A member's send connection on the native engine: the client offers, the answer is written here.
 * The client's packets reach the track of their m-section: by SSRC once known, which the offer's
 * `a=ssrc` lines or the packet's `sdes:mid` header extension tell (simulcast declares no SSRC), or
 * the connection's only m-section. RTCP (the client's sender reports) follows its sender's SSRC.
 */
export class NativePublisherTransport extends NativeConnection implements PublisherTransport {
  readonly #tracks = new Map<string, NativeTrack>();
  readonly #midBySsrc = new Map<number, string>();
  readonly #header = new RtpHeader();
  #version = 0;
  #midExtensionId: number | undefined;
  /** The mids the last offer sends on. */
  #receiving: string[] = [];

  negotiate(offer: string): Promise<string> {
    const session = parseSdp(offer);
    this.applyRemote(session, 'passive');
    const answer = writePublisherAnswer(session, this.local, this.sessionId, this.#version++);
    this.#receiving = [];
    for (const media of session.media) {
      if (media.port === 0 || media.mid === undefined) continue;
      const mid = String(media.mid);
      this.#receiving.push(mid);
      for (const line of media.ssrcs ?? []) this.#midBySsrc.set(Number(line.id), mid);
      this.#midExtensionId ??= media.ext?.find((e) => e.uri === EXT_MID)?.value;
    }
    if (this.#receiving.length === 0) throw new SdpError('the offer sends on no m-section');
    if (this.connected) for (const mid of this.#receiving) this.track(mid).markOpen();
    return Promise.resolve(answer);
  }

  track(mid: string): TrackTransport & NativeTrack {
    let track = this.#tracks.get(mid);
    if (!track) {
      track = new NativeTrack(mid, this.native);
      this.#tracks.set(mid, track);
      if (this.connected) track.markOpen();
    }
    return track;
  }

  protected tracks(): Iterable<NativeTrack> {
    return this.#tracks.values();
  }

  protected onConnected(): void {
    for (const mid of this.#receiving) this.track(mid).markOpen();
  }

  protected onRtp(packet: Buffer): void {
    const ssrc = packet.readUInt32BE(8);
    const mid = this.#midBySsrc.get(ssrc) ?? this.#learn(ssrc, packet);
    if (mid !== undefined) this.#tracks.get(mid)?.listener.onPacket(packet);
  }

  protected onRtcp(compound: Buffer): void {
    let at = 0;
    while (at + 8 <= compound.length) {
      const length = (compound.readUInt16BE(at + 2) + 1) * 4;
      if (at + length > compound.length) return;
      const mid = this.#midBySsrc.get(compound.readUInt32BE(at + 4));
      if (mid !== undefined) this.#tracks.get(mid)?.listener.onPacket(compound.subarray(at, at + length));
      at += length;
    }
  }

  /** The m-section of a new SSRC: its `sdes:mid` extension, else the connection's only one. */
  #learn(ssrc: number, packet: Buffer): string | undefined {
    let mid: string | undefined;
    if (this.#midExtensionId !== undefined && this.#header.parse(packet)) {
      const value = this.#header.extension(this.#midExtensionId);
      if (value) mid = value.toString('latin1');
    }
    if (mid === undefined && this.#receiving.length === 1) mid = this.#receiving[0];
    if (mid === undefined || !this.#receiving.includes(mid)) return undefined;
    this.#midBySsrc.set(ssrc, mid);
    return mid;
  }
}
