import type { Logger } from '../logger.js';
import type { MediaEngine } from './MediaEngine.js';
import { NdcEngine } from './ndc/NdcEngine.js';
import { loadNativeAddon } from './native/addon.js';
import { NativeDownlinkEngine } from './native/NativeDownlinkEngine.js';

export interface MediaEngineSettings {
  mediaPortRange: { min: number; max: number } | undefined;
  mediaAddress: string | undefined;
  iceUdpMux: boolean;
  nativeFanout: boolean;
}

/**
 * The server's media engine: node-datachannel for send connections, and for receive connections
 * the native fan-out when it is on and built (else node-datachannel too, said once at start).
 */
export function createMediaEngine(settings: MediaEngineSettings, logger: Logger): MediaEngine {
  const ndc = new NdcEngine({ portRange: settings.mediaPortRange, bindAddress: settings.mediaAddress, iceUdpMux: settings.iceUdpMux });
  if (!settings.nativeFanout) return ndc;
  const addon = loadNativeAddon();
  if (typeof addon === 'string') {
    logger.warn(
      { setting: 'nativeFanout', reason: addon },
      'the native fan-out is not built: receive connections run on node-datachannel (docs/media.md "Native fan-out")',
    );
    return ndc;
  }
  try {
    return new NativeDownlinkEngine(addon, ndc, { bindAddress: settings.mediaAddress, portRange: settings.mediaPortRange });
  } catch (err) {
    ndc.close();
    throw err;
  }
}
