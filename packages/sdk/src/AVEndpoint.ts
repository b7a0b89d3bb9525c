/** What the room knows about one other member; the room updates it from server events. */
export interface EndpointState {
  identifier: string;
  tinyId: string;
  hasAudio: boolean;
  hasCameraVideo: boolean;
  hasScreenVideo: boolean;
  role: string;
  terminal: string;
}

/**
 * Another member of the room (AVSDK AVEndpoint), read-only to applications. The object stays the
 * same while the member is in the room; its fields follow `endpointsUpdate` events.
 */
export class AVEndpoint {
  #s: EndpointState;
  #audioTrack: MediaStreamTrack | null = null;

  /** @internal The room owns `state` and mutates it; applications get endpoints from `room.endpoints`. */
  constructor(state: EndpointState) {
    this.#s = state;
  }

  /** App account id. */
  get identifier(): string {
    return this.#s.identifier;
  }
  /** uint64 as a decimal string, stable per (sdkAppId, identifier). */
  get tinyId(): string {
    return this.#s.tinyId;
  }
  /** Sends audio. */
  get hasAudio(): boolean {
    return this.#s.hasAudio;
  }
  /** Sends camera video. */
  get hasCameraVideo(): boolean {
    return this.#s.hasCameraVideo;
  }
  /** Sends screen video. */
  get hasScreenVideo(): boolean {
    return this.#s.hasScreenVideo;
  }
  /** The control role it entered with. */
  get role(): string {
    return this.#s.role;
  }
  /** Its terminal (`'web'`, `'node'`, …). */
  get terminal(): string {
    return this.#s.terminal;
  }

  /** Its audio as received (automatically, while we hold RECV_AUDIO and it sends audio), else null. */
  get audioTrack(): MediaStreamTrack | null {
    return this.#audioTrack;
  }

  /** @internal Set by the room's media when receiving its audio starts or ends. */
  _setAudioTrack(track: MediaStreamTrack | null): void {
    this.#audioTrack = track;
  }

  toJSON(): EndpointState {
    return { ...this.#s };
  }
}
