import ndc from 'node-datachannel';
import type { RawClient } from './raw-client.js';
import { buildPli, isRtcp } from '@hudong/server/rtp';

/**
 * A subscriber that only receives and counts RTP (node-datachannel, no decoder), and can send RTCP
 * of its own — used where a test needs to act like a viewer's decoder on purpose (a PLI, a NACK).
 */
export class RtpReceiver {
  packets = 0;
  /** Sequence number of the newest RTP packet received (-1: none yet). */
  lastSeq = -1;
  #pc: ndc.PeerConnection;
  #track: ndc.Track | undefined;
  #mediaSsrc = 0;

  private constructor(pc: ndc.PeerConnection) {
    this.#pc = pc;
  }

  /**
   * One view as the only one on the client's receive connection: subscribes, then answers the
   * server's offer with node-datachannel and counts the RTP of that one m-section.
   */
  static async subscribe(raw: RawClient, identifier: string, source: 'camera' | 'screen' | 'audio'): Promise<RtpReceiver> {
    const offered = raw.event('media.subscriberOffer', 10_000);
    const res = await raw.request('media.subscribe', { identifier, source, size: 'big', codecs: ['VP8', 'H264', 'opus'] });
    if (!res.ok) throw new Error(`media.subscribe failed: ${JSON.stringify(res.error)}`);
    const { data: offer } = await offered;
    // libjuice gathers no candidates on loopback-range interfaces unless bound to one; neither would
    // the server's (libdatachannel) side, so this end announces 127.0.0.1 itself, as libwebrtc would.
    const pc = new ndc.PeerConnection(`rx-${identifier}`, { iceServers: [], bindAddress: '127.0.0.1' });
    const receiver = new RtpReceiver(pc);
    pc.onTrack((track) => {
      if (track.mid() !== res.result.mid) return;
      receiver.#track = track;
      track.onMessage((buf) => {
        if (isRtcp(buf)) return;
        receiver.packets++;
        receiver.lastSeq = buf.readUInt16BE(2);
        receiver.#mediaSsrc = buf.readUInt32BE(8);
      });
    });
    const answer = new Promise<string>((resolve) =>
      pc.onGatheringStateChange((state) => state === 'complete' && resolve(pc.localDescription()!.sdp)),
    );
    pc.setRemoteDescription(offer.sdp, 'offer');
    const done = await raw.request('media.subscriberAnswer', { connectionId: offer.connectionId, revision: offer.revision, sdp: await answer });
    if (!done.ok) throw new Error(`media.subscriberAnswer failed: ${JSON.stringify(done.error)}`);
    return receiver;
  }

  /** Sends a Picture Loss Indication for the stream being received (RFC 4585 §6.3.1). */
  sendPli(): boolean {
    if (!this.#track || !this.#mediaSsrc) return false;
    return this.#track.sendMessageBinary(buildPli(1, this.#mediaSsrc));
  }

  /** The SSRC of the stream being received (0: none yet). */
  get mediaSsrc(): number {
    return this.#mediaSsrc;
  }

  /** Sends any RTCP bytes (SRTCP-protected by node-datachannel); false when it could not be sent. */
  sendRtcp(buf: Buffer): boolean {
    try {
      return this.#track?.sendMessageBinary(buf) ?? false;
    } catch {
      return false;
    }
  }

  close(): void {
    this.#pc.close();
  }

  /** node-datachannel's threads keep a process alive until this is called (once, at the end). */
  static shutdown(): void {
    ndc.cleanup();
  }
}
