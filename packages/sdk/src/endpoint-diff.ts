import { EndpointEvent, type MemberInfo } from '@hudong/protocol';
import type { EndpointState } from './AVEndpoint.js';

export type EndpointChange = [event: EndpointEvent, identifiers: string[]];
type Flag = 'hasCameraVideo' | 'hasAudio' | 'hasScreenVideo';

/** Flag → [event when it turns on, event when it turns off], in the order events are reported. */
const FLAGS: readonly [Flag, EndpointEvent, EndpointEvent][] = [
  ['hasCameraVideo', EndpointEvent.HAS_CAMERA_VIDEO, EndpointEvent.NO_CAMERA_VIDEO],
  ['hasAudio', EndpointEvent.HAS_AUDIO, EndpointEvent.NO_AUDIO],
  ['hasScreenVideo', EndpointEvent.HAS_SCREEN_VIDEO, EndpointEvent.NO_SCREEN_VIDEO],
];

/** The flag a HAS_/NO_ event is about, and its value after the event. */
export function flagOf(event: EndpointEvent): [flag: Flag, on: boolean] {
  for (const [flag, on, off] of FLAGS) {
    if (event === on) return [flag, true];
    if (event === off) return [flag, false];
  }
  throw new RangeError(`endpoint event ${event} is not about a media flag`);
}

export function toEndpointState(m: Pick<MemberInfo, 'identifier' | 'tinyId'> & Partial<MemberInfo>): EndpointState {
  return {
    identifier: m.identifier,
    tinyId: m.tinyId,
    hasAudio: m.hasAudio ?? false,
    hasCameraVideo: m.hasCameraVideo ?? false,
    hasScreenVideo: m.hasScreenVideo ?? false,
    role: m.role ?? '',
    terminal: m.terminal ?? '',
  };
}

/**
 * The endpoint events that turn `known` into the room `members` of a snapshot — what the
 * application would have heard had the connection never dropped: EXIT for members gone, ENTER for
 * new ones, then HAS_/NO_ for every media flag that differs (a newcomer's flags count as turned on).
 * Pure; empty groups are left out.
 */
export function diffEndpoints(known: ReadonlyMap<string, EndpointState>, members: readonly MemberInfo[]): EndpointChange[] {
  const next = new Map(members.map((m) => [m.identifier, m] as const));
  const exit = [...known.keys()].filter((id) => !next.has(id));
  const enter = [...next.keys()].filter((id) => !known.has(id));
  const changes: EndpointChange[] = [
    [EndpointEvent.EXIT, exit],
    [EndpointEvent.ENTER, enter],
  ];
  for (const [flag, on, off] of FLAGS) {
    const turnedOn: string[] = [];
    const turnedOff: string[] = [];
    for (const [id, m] of next) {
      const before = known.get(id)?.[flag] ?? false;
      if (m[flag] && !before) turnedOn.push(id);
      else if (!m[flag] && before) turnedOff.push(id);
    }
    changes.push([on, turnedOn], [off, turnedOff]);
  }
  return changes.filter(([, ids]) => ids.length > 0);
}
