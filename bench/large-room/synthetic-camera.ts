// A stage member's camera without a camera: a real publication (node-datachannel: ICE, DTLS, SRTP to
// the server) whose send-only VP8 track carries made-up RTP packets. The server announces a
// publication (HAS_CAMERA_VIDEO) on its first RTP packet, whatever it holds; encoding real video for
// 50 publishers would take the 2 cores the server shares with its 10,000 clients.
import ndc from 'node-datachannel';
import type { WireClient } from './wire-client.js';

const VP8_PT = 96;
/** How often a packet goes until stopped: the first ones may come before the server's SRTP is ready (when streaming right after negotiating). */
const PACKET_EVERY_MS = 20;
const OPEN_TIMEOUT_MS = 20_000;

export class SyntheticCamera {
  readonly #pc: ndc.PeerConnection;
  readonly #opened: Promise<ndc.Track>;
  readonly #ssrc: number;
  #pump: NodeJS.Timeout | undefined;

  private constructor(
    pc: ndc.PeerConnection,
    opened: Promise<ndc.Track>,
    ssrc: number,
    /** The offer, candidates gathered. */
    readonly sdp: string,
  ) {
    this.#pc = pc;
    this.#opened = opened;
    this.#ssrc = ssrc;
  }

  /** A camera and its offer: made before anything is timed (it costs the server nothing). */
  static async offer(name: string, ssrc: number): Promise<SyntheticCamera> {
    // libjuice gathers no candidate on loopback unless bound to it (see tests/helpers/rtp-receiver.ts).
    const pc = new ndc.PeerConnection(name, { iceServers: [], bindAddress: '127.0.0.1' });
    const video = new ndc.Video('0', 'SendOnly');
    video.addVP8Codec(VP8_PT);
    video.addSSRC(ssrc, name, name, `${name}-camera`);
    const track = pc.addTrack(video);
    const opened = new Promise<ndc.Track>((resolve) => track.onOpen(() => resolve(track)));
    const gathered = new Promise<void>((resolve) => pc.onGatheringStateChange((state) => state === 'complete' && resolve()));
    pc.setLocalDescription();
    await gathered;
    return new SyntheticCamera(pc, opened, ssrc, pc.localDescription()!.sdp);
  }

  /** media.publish of the offer through `client`, and its answer applied: ICE and DTLS go on by themselves. Rejects when the server refuses. */
  async negotiate(client: WireClient): Promise<void> {
    const answer = await client.request('media.publish', { source: 'camera', sdp: this.sdp }, true);
    if (!answer.ok) throw new Error(`${client.identifier}: media.publish ${answer.error}`);
    const { result } = JSON.parse(answer.text!) as { result: { sdp: string } };
    this.#pc.setRemoteDescription(result.sdp, 'answer');
  }

  /** Once the track is open (after negotiate()), sends a packet every 20 ms until stopSending(). */
  async stream(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const track = await Promise.race([
      this.#opened,
      new Promise<never>(
        (_, reject) =>
          (timer = setTimeout(
            () =>
              reject(
                new Error(
                  `track not open in ${OPEN_TIMEOUT_MS} ms (connection ${this.#pc.state()}, ICE ${this.#pc.iceState()}, gathering ${this.#pc.gatheringState()})`,
                ),
              ),
            OPEN_TIMEOUT_MS,
          )),
      ),
    ]);
    clearTimeout(timer);
    let seq = 0;
    const packet = Buffer.alloc(40);
    packet[0] = 0x80; // RTP version 2
    packet.writeUInt32BE(this.#ssrc, 8);
    packet[12] = 0x10; // VP8 payload descriptor: start of partition 0
    const send = () => {
      packet[1] = 0x80 | VP8_PT; // marker: each packet is a whole frame
      packet.writeUInt16BE(seq++ & 0xffff, 2);
      packet.writeUInt32BE((seq * 3000) >>> 0, 4);
      track.sendMessageBinary(packet);
    };
    send();
    this.#pump = setInterval(send, PACKET_EVERY_MS);
  }

  stopSending(): void {
    clearInterval(this.#pump);
  }

  close(): void {
    this.stopSending();
    this.#pc.close();
  }
}
