/** What changed about room members (AVSDK endpoint events), delivered with the identifiers concerned. */
export const EndpointEvent = {
  ENTER: 1,
  EXIT: 2,
  HAS_CAMERA_VIDEO: 3,
  NO_CAMERA_VIDEO: 4,
  HAS_AUDIO: 5,
  NO_AUDIO: 6,
  HAS_SCREEN_VIDEO: 7,
  NO_SCREEN_VIDEO: 8,
} as const;
export type EndpointEvent = (typeof EndpointEvent)[keyof typeof EndpointEvent];
