/**
 * @hudong/sdk — the client SDK (browser and Node) of Hudong, modelled on Tencent's Interactive
 * Live SDK (AVSDK): AVContext → AVRoom → AVEndpoint, with AVSDK's error codes.
 */
export { AVContext, type AVContextEvents, type AVContextState } from './AVContext.js';
export { AVRoom, type AVRoomEvents, type AVRoomState } from './AVRoom.js';
export { AVEndpoint } from './AVEndpoint.js';
export { AVDeviceManager, type AVDeviceManagerEvents, type EnableDeviceOptions } from './AVDeviceManager.js';
export { AVDeviceTest, type AVDeviceTestEvents, type AVDeviceTestState } from './AVDeviceTest.js';
export type { DeviceInfo, DeviceKind, LocalTracks, SendKind } from './devices/types.js';
export type { PublisherStats } from './engine/media/PublisherTransport.js';
export type { QualityStats, SourceQuality, StreamQuality } from './engine/media/quality.js';
export { readFrameNumber, writeFrameNumber } from './devices/frame-number.js';
export { AVError, ErrorCode, AuthBits, EndpointEvent, authBitNames } from '@hudong/protocol';
export type { AVErrorDetail, ErrorCodeName, ErrorCodeValue, Lang, RoleSettings, RoleVideo, RoleAudio } from '@hudong/protocol';
export type {
  AVContextOptions,
  StartParams,
  EnterRoomParams,
  RoomType,
  VideoRecvMode,
  ViewRequest,
  AVView,
  Invitation,
  AcceptedInvitation,
  InviteOptions,
  SendMessageOptions,
} from './options.js';
export type { ConnectionState } from './engine/SessionEngine.js';
export { createJsonLineLogger, noopLogger, type Logger, type LogLevel } from './util/logger.js';
