import { ErrorCode, type Lang } from '@hudong/protocol';
import { avError } from '../util/errors.js';
import type { WebRtc } from '../engine/media/webrtc.js';
import { BrowserDevices } from './BrowserDevices.js';
import { NodeVirtualDevices } from './NodeVirtualDevices.js';
import type { DeviceBackend } from './types.js';

/** The device backend for this WebRTC implementation: the browser's devices, or Node's virtual ones. */
export function deviceBackend(rtc: WebRtc | null, lang: Lang): DeviceBackend {
  if (rtc?.nonstandard && !rtc.browser) return new NodeVirtualDevices(rtc.nonstandard, lang);
  const hasMediaDevices = !!(globalThis as { navigator?: { mediaDevices?: unknown } }).navigator?.mediaDevices;
  if (rtc?.browser || (hasMediaDevices && !(typeof process !== 'undefined' && process.versions?.node))) return new BrowserDevices(lang);
  throw noWebRtc(lang);
}

/** 1006: media needs a WebRTC implementation. */
export function noWebRtc(lang: Lang) {
  return avError(ErrorCode.AV_ERR_NOT_IMPLEMENTED, 'NO_WEBRTC', 'no WebRTC implementation: install @roamhq/wrtc (Node) or pass options.webrtc', lang);
}
