/**
 * Which WebRTC implementation the SDK uses: the one given to `AVContext.create({ webrtc })`, the
 * browser's globals, or (Node) `@roamhq/wrtc` when it is installed. The Node module is imported
 * through a variable specifier so that browser bundlers neither follow nor choke on it.
 */

/** The libwebrtc extras of @roamhq/wrtc that virtual devices and level meters need (Node only). */
export interface NonstandardWebRtc {
  RTCVideoSource: new (init?: { isScreencast?: boolean }) => {
    createTrack(): MediaStreamTrack;
    onFrame(frame: { width: number; height: number; data: Uint8Array }): void;
  };
  RTCAudioSource: new () => {
    createTrack(): MediaStreamTrack;
    onData(data: { samples: Int16Array; sampleRate: number; bitsPerSample?: number; channelCount?: number; numberOfFrames?: number }): void;
  };
  RTCAudioSink: new (track: MediaStreamTrack) => {
    stop(): void;
    ondata: ((data: { samples: Int16Array; sampleRate: number }) => void) | null;
  };
  RTCVideoSink: new (track: MediaStreamTrack) => {
    stop(): void;
    onframe: ((e: { frame: { width: number; height: number; data: Uint8Array } }) => void) | null;
  };
}

export interface WebRtc {
  RTCPeerConnection: typeof RTCPeerConnection;
  /** Present with @roamhq/wrtc (Node). */
  nonstandard?: NonstandardWebRtc;
  /** True for the browser's own implementation (real devices, DOM audio). */
  browser: boolean;
}

const isNode = typeof process !== 'undefined' && !!process.versions?.node;
const WRTC = '@roamhq/wrtc';

/** A module namespace or object with RTCPeerConnection (also under `default`, for CJS), else null. */
export function normalizeWebRtc(given: unknown): WebRtc | null {
  if (given === null || (typeof given !== 'object' && typeof given !== 'function')) return null;
  const g = given as { RTCPeerConnection?: unknown; nonstandard?: unknown; default?: unknown };
  const d = (g.default ?? {}) as { RTCPeerConnection?: unknown; nonstandard?: unknown };
  const pc = g.RTCPeerConnection ?? d.RTCPeerConnection;
  if (typeof pc !== 'function') return null;
  const nonstandard = (g.nonstandard ?? d.nonstandard) as NonstandardWebRtc | undefined;
  return { RTCPeerConnection: pc as typeof RTCPeerConnection, ...(nonstandard ? { nonstandard } : {}), browser: false };
}

function browserWebRtc(): WebRtc | null {
  const g = globalThis as { RTCPeerConnection?: unknown; navigator?: { mediaDevices?: unknown } };
  if (isNode || typeof g.RTCPeerConnection !== 'function') return null;
  return { RTCPeerConnection: g.RTCPeerConnection as typeof RTCPeerConnection, browser: true };
}

let autoLoaded: Promise<WebRtc | null> | null = null;

/** Resolves the implementation once per process (auto-load); `given` always wins. Null: none available. */
export function loadWebRtc(given: unknown): Promise<WebRtc | null> {
  if (given !== undefined) return Promise.resolve(normalizeWebRtc(given));
  const browser = browserWebRtc();
  if (browser) return Promise.resolve(browser);
  if (!isNode) return Promise.resolve(null);
  autoLoaded ??= import(/* @vite-ignore */ WRTC).then(
    (m: unknown) => normalizeWebRtc(m),
    () => null,
  );
  return autoLoaded;
}
