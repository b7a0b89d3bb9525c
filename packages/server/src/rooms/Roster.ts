import { EndpointEvent, type MemberInfo } from '@hudong/protocol';

/** What the roster needs of a member: its name, whether it is still in the room, and its info with the sending flags. */
export interface RosterMember {
  readonly identifier: string;
  readonly closed: boolean;
  info(): MemberInfo;
}

type Flag = 'hasCameraVideo' | 'hasAudio' | 'hasScreenVideo';
type Flags = Readonly<Record<Flag, boolean>>;
const NO_FLAGS: Flags = { hasCameraVideo: false, hasAudio: false, hasScreenVideo: false };

/** Flag → [event when it turns on, event when it turns off], in the order groups go out. */
const FLAGS: readonly (readonly [Flag, EndpointEvent, EndpointEvent])[] = [
  ['hasCameraVideo', EndpointEvent.HAS_CAMERA_VIDEO, EndpointEvent.NO_CAMERA_VIDEO],
  ['hasAudio', EndpointEvent.HAS_AUDIO, EndpointEvent.NO_AUDIO],
  ['hasScreenVideo', EndpointEvent.HAS_SCREEN_VIDEO, EndpointEvent.NO_SCREEN_VIDEO],
];

/** The order of a flush's events (then by event number: camera, audio, screen). */
const Phase = { STOPPED: 0, EXIT: 1, LEFT_STOPPED: 2, ENTER: 3, STARTED: 4 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

/** One `room.endpoints` event of a flush: its kind and the members it is about (EXIT: identifier and tinyId only). */
export interface EndpointGroup {
  event: EndpointEvent;
  members: (Pick<MemberInfo, 'identifier' | 'tinyId'> & Partial<MemberInfo>)[];
}

/** What the room has told its members about one announced member. */
interface Told<M> {
  member: M;
  flags: Flags;
}

function flagsOf(info: MemberInfo): Flags {
  return { hasCameraVideo: info.hasCameraVideo, hasAudio: info.hasAudio, hasScreenVideo: info.hasScreenVideo };
}

function sends(flags: Flags): boolean {
  return flags.hasAudio || flags.hasCameraVideo || flags.hasScreenVideo;
}

/**
 * Who of a room is announced to the others (API.md section 3, large rooms), and the endpoint events
 * that tell them. Pure: the room feeds it joins, leaves and sending changes and sends what `flush`
 * returns.
 *
 * A member is announced while it publishes (audio, camera or screen), or once the room held at most
 * `threshold` members with it in (it entered then, or the room shrank back): those stay announced
 * until they leave. So a room of at most `threshold` members announces everyone, as rooms always
 * did, and a large room announces at most `threshold` + its publishers.
 *
 * Changes are not sent one by one: `told` is what the members were told (the snapshot a joiner
 * gets, so that it and the next flush agree), and `flush` turns the difference between that and
 * now into one group per event kind — a member that entered and left in between nets out to
 * nothing, one that left and entered again gets EXIT then ENTER.
 */
export class Roster<M extends RosterMember> {
  readonly #threshold: number;
  #size = 0;
  /** Announced members, by identifier. */
  readonly #announced = new Map<string, M>();
  /** Announced because the room was small with them in: not withdrawn when they stop publishing. */
  readonly #sticky = new Set<M>();
  readonly #told = new Map<string, Told<M>>();
  /** Identifiers whose announcement may differ from what was told. */
  readonly #touched = new Set<string>();

  constructor(threshold: number) {
    this.#threshold = threshold;
  }

  /** Members in the room. */
  get size(): number {
    return this.#size;
  }

  /** More than `threshold` members: the audience is not announced. */
  get large(): boolean {
    return this.#size > this.#threshold;
  }

  /** Changes not yet flushed. */
  get pending(): boolean {
    return this.#touched.size > 0;
  }

  isAnnounced(member: M): boolean {
    return this.#announced.get(member.identifier) === member;
  }

  /** The announced members as told, `except` left out (a snapshot): O(announced), not O(room). */
  told(except: M): MemberInfo[] {
    const infos: MemberInfo[] = [];
    for (const [identifier, { member, flags }] of this.#told) if (identifier !== except.identifier) infos.push({ ...member.info(), ...flags });
    return infos;
  }

  /** `member` entered; the count includes it, so the member that makes the room hold `threshold` + 1 is the first one not announced. */
  entered(member: M): void {
    this.#size++;
    // It publishes nothing yet: in a large room it is announced when it starts (sendingChanged).
    if (!this.large) this.#announce(member, true);
  }

  /**
   * `member` was already in the room, and announced as `told` says, when this roster was made: a
   * replica of a room that lives on several nodes (cluster), built from its state in Redis. It is
   * sticky when the room was small with it in (the cluster's sequencer decides that for all nodes).
   */
  seeded(member: M, sticky: boolean): void {
    this.#size++;
    if (sticky) this.#sticky.add(member);
    const flags = flagsOf(member.info());
    if (!sticky && !sends(flags)) return;
    this.#announced.set(member.identifier, member);
    this.#told.set(member.identifier, { member, flags });
  }

  /** `member` left; `remaining` are the others, scanned only when the room just became small again. */
  left(member: M, remaining: Iterable<M>): void {
    this.#size--;
    this.#sticky.delete(member);
    if (this.#announced.get(member.identifier) === member) {
      this.#announced.delete(member.identifier);
      this.#touched.add(member.identifier);
    }
    // Small again: everyone is announced, and stays so (at most `threshold` members are, right now).
    if (this.large || this.#sticky.size === this.#size) return;
    for (const m of remaining) if (!this.#sticky.has(m)) this.#announce(m, true);
  }

  /**
   * `member`'s sending flags changed: announce it when it starts publishing; withdraw it when it
   * stops everything, unless it is sticky (in a small room everyone is, so that is a large room).
   */
  sendingChanged(member: M): void {
    const sending = sends(flagsOf(member.info()));
    if (!this.isAnnounced(member)) {
      if (sending) this.#announce(member, false);
      return;
    }
    this.#touched.add(member.identifier);
    if (!sending && !this.#sticky.has(member)) this.#announced.delete(member.identifier);
  }

  /**
   * The endpoint events that bring what was told up to now, one per kind and phase: NO_… of members
   * still here (a withdrawn one's flags go off before it goes), EXIT, NO_… of members that left
   * (after their EXIT, as the media plane always sent them: clients no longer know them), ENTER
   * (flags off), HAS_…. Empty ones are left out.
   */
  flush(): EndpointGroup[] {
    const groups = new Map<number, EndpointGroup>();
    const add = (phase: Phase, event: EndpointEvent, member: EndpointGroup['members'][number]) => {
      const key = phase * 16 + event;
      const group = groups.get(key);
      if (group) group.members.push(member);
      else groups.set(key, { event, members: [member] });
    };
    for (const identifier of this.#touched) {
      const told = this.#told.get(identifier);
      const now = this.#announced.get(identifier);
      if (told && told.member !== now) {
        const info = told.member.info();
        const left = told.member.closed;
        if (!left) for (const [flag, , off] of FLAGS) if (told.flags[flag] && !info[flag]) add(Phase.STOPPED, off, info);
        add(Phase.EXIT, EndpointEvent.EXIT, { identifier, tinyId: info.tinyId });
        if (left) for (const [flag, , off] of FLAGS) if (told.flags[flag]) add(Phase.LEFT_STOPPED, off, { ...info, ...NO_FLAGS });
        this.#told.delete(identifier);
      }
      if (!now) continue;
      const info = now.info();
      const before = this.#told.get(identifier)?.flags;
      if (!before) add(Phase.ENTER, EndpointEvent.ENTER, { ...info, ...NO_FLAGS });
      for (const [flag, on, off] of FLAGS) {
        const was = before?.[flag] ?? false;
        if (info[flag] && !was) add(Phase.STARTED, on, info);
        else if (!info[flag] && was) add(Phase.STOPPED, off, info);
      }
      this.#told.set(identifier, { member: now, flags: flagsOf(info) });
    }
    this.#touched.clear();
    return [...groups.entries()].sort(([a], [b]) => a - b).map(([, group]) => group);
  }

  #announce(member: M, sticky: boolean): void {
    if (sticky) this.#sticky.add(member);
    if (this.isAnnounced(member)) return;
    this.#announced.set(member.identifier, member);
    this.#touched.add(member.identifier);
  }
}
