export { createServer } from './createServer.js';
export { HudongServer, type ListenAddress, type ServerStats } from './HudongServer.js';
export { SERVER_DEFAULTS, type ServerOptions, type ServerConfig, type RoomTypeName, type LogLevel } from './config.js';
export { ServerError, type SubCode } from './errors.js';
export { CloseCode } from './signal/CloseCode.js';
export type { IdentityStore } from './identity/IdentityStore.js';
export type {
  MediaEngine,
  PublisherTransport,
  SubscriberTransport,
  SlotInit,
  TrackTransport,
  TransportListener,
  TransportState,
} from './media/MediaEngine.js';
export { NdcEngine, type NdcEngineOptions } from './media/ndc/NdcEngine.js';
