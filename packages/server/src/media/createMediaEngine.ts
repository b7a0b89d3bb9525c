import type { Logger } from '../logger.js';
import type { MediaEngine } from './MediaEngine.js';
import { NdcEngine } from './ndc/NdcEngine.js';
import { loadNativeAddon } from './native/addon.js';
import { NativeEngine } from './native/NativeEngine.js';

export interface MediaEngineSettings {
  mediaPortRange: { min: number; max: number } | undefined;
  mediaAddress: string | undefined;
  iceUdpMux: boolean;
  nativeMedia: boolean;
}

/** The server's media engine: the native one when it is on and built, else node-datachannel (said once at start). */
export function createMediaEngine(settings: MediaEngineSettings, logger: Logger): MediaEngine {
  const ndc = () => new NdcEngine({ portRange: settings.mediaPortRange, bindAddress: settings.mediaAddress, iceUdpMux: settings.iceUdpMux });
  if (!settings.nativeMedia) return ndc();
  const addon = loadNativeAddon();
  if (typeof addon === 'string') {
    logger.warn(
      { setting: 'nativeMedia', reason: addon },
      'the native media engine is not built: media runs on node-datachannel (docs/media.md "Native media engine")',
    );
    return ndc();
  }
  return new NativeEngine(addon, { bindAddress: settings.mediaAddress, portRange: settings.mediaPortRange });
}
