import { randomBytes } from 'node:crypto';
import type { TransportState } from '../MediaEngine.js';
import type { SessionDescription } from 'sdp-transform';
import { SdpError } from '../sdp.js';
import { guarded } from '../../util/guard.js';
import { warnCallbackFailed } from '../ndc/callback-warning.js';
import { PeerEventKind, type NativePeerTransport, type NativeTransportEngine } from './addon.js';
import type { NativeTrack } from './NativeTrack.js';
import type { LocalTransportDescription } from './sdp-lines.js';

export interface NativeHost {
  readonly native: NativeTransportEngine;
  /** The addresses announced as host candidates, all on the engine's one port. */
  readonly candidateAddresses: readonly string[];
}

/**
 * What both directions' native connections share: ICE credentials, the client's DTLS parameters
 * from its SDP, the state for the listener (with the native side's reason), closing with the
 * tracks. A throw inside an event fails the connection as a whole (its listener is told `failed`).
 */
export abstract class NativeConnection {
  readonly id: string;
  /** The `o=` session id of the server's side of the SDP. */
  protected readonly sessionId = BigInt.asUintN(62, randomBytes(8).readBigUInt64BE()).toString();
  protected readonly host: NativeHost;
  protected readonly native: NativePeerTransport;
  readonly #ufrag = randomBytes(6).toString('base64');
  readonly #pwd = randomBytes(18).toString('base64');
  #remoteFingerprint: string | undefined;
  #connected = false;
  #closed = false;
  #stateListener: (state: TransportState, reason?: string) => void = () => {};

  constructor(host: NativeHost, id: string) {
    this.id = id;
    this.host = host;
    this.native = host.native.createTransport(
      this.#ufrag,
      this.#pwd,
      guarded(
        (kind: PeerEventKind, data: number | string | undefined) => this.#onEvent(kind, data),
        (err) => this.#threw(err),
      ),
    );
  }

  get connected(): boolean {
    return this.#connected;
  }

  onState(listener: (state: TransportState, reason?: string) => void): void {
    this.#stateListener = listener;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stateListener = () => {};
    for (const track of this.tracks()) {
      track.markClosed();
      track.close();
    }
    this.native.close();
  }

  protected get local(): LocalTransportDescription {
    return {
      ufrag: this.#ufrag,
      pwd: this.#pwd,
      fingerprint: this.host.native.fingerprint,
      candidates: this.host.candidateAddresses.map((address) => ({ address, port: this.host.native.port })),
    };
  }

  /**
   * Takes the client's DTLS fingerprint and role from its SDP (the first one; later ones must keep
   * the fingerprint). `serverSetup` is what the server wrote: `actpass` (its offer) or `passive` (its answer).
   */
  protected applyRemote(session: SessionDescription, serverSetup: 'actpass' | 'passive'): void {
    const media = session.media[0];
    const fingerprint = media?.fingerprint ?? session.fingerprint;
    if (!fingerprint || fingerprint.type.toLowerCase() !== 'sha-256') throw new SdpError('no sha-256 a=fingerprint');
    if (this.#remoteFingerprint !== undefined) {
      if (fingerprint.hash.toUpperCase() !== this.#remoteFingerprint.toUpperCase()) {
        throw new SdpError('the DTLS fingerprint of a live connection changed');
      }
      return;
    }
    // The client active: it starts the handshake, the server is DTLS's server.
    let role: 'client' | 'server' = 'server';
    if (serverSetup === 'actpass') {
      const setup = media?.setup ?? session.setup ?? 'active';
      if (setup !== 'active' && setup !== 'passive') throw new SdpError(`a=setup:${setup} answers an actpass offer neither active nor passive`);
      role = setup === 'active' ? 'server' : 'client';
    }
    this.#remoteFingerprint = fingerprint.hash;
    this.native.setRemote(fingerprint.hash, role);
  }

  /** Every track of the connection, detached when it closes. */
  protected abstract tracks(): Iterable<NativeTrack>;
  protected abstract onConnected(): void;
  /** The client's RTCP; `compound` is valid during the call only. */
  protected abstract onRtcp(compound: Buffer): void;
  /** The client's RTP; `packet` is valid during the call only. */
  protected abstract onRtp(packet: Buffer): void;

  #onEvent(kind: PeerEventKind, data: number | string | undefined): void {
    if (this.#closed) return;
    switch (kind) {
      case PeerEventKind.Rtp:
        this.onRtp(this.host.native.inbox.subarray(0, data as number));
        break;
      case PeerEventKind.Rtcp:
        this.onRtcp(this.host.native.inbox.subarray(0, data as number));
        break;
      case PeerEventKind.Connected:
        this.#connected = true;
        this.#stateListener('connected');
        this.onConnected();
        break;
      default:
        for (const track of this.tracks()) track.markClosed();
        this.#stateListener('failed', typeof data === 'string' ? data : undefined);
    }
  }

  #threw(err: unknown): void {
    warnCallbackFailed(this.id, 'a native event', err);
    const listener = this.#stateListener;
    this.close();
    try {
      listener('failed', `its own work threw: ${err instanceof Error ? err.message : String(err)}`);
    } catch {
      // The listener failed too; the warning has the first error.
    }
  }
}
