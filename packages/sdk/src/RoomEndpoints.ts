import { EndpointEvent, type MemberInfo, type RoomSnapshot, type ServerEventData } from '@hudong/protocol';
import { AVEndpoint, type EndpointState } from './AVEndpoint.js';
import { diffEndpoints, flagOf, toEndpointState, type EndpointChange } from './endpoint-diff.js';

/**
 * The other members of a room as this client knows them: one AVEndpoint object per member for as
 * long as it stays (apps keep references), updated in place by the server's snapshots and endpoint
 * events. Pure bookkeeping: the room emits what these methods return.
 */
export class RoomEndpoints {
  readonly #states = new Map<string, EndpointState>();
  readonly #endpoints = new Map<string, AVEndpoint>();

  get endpoints(): ReadonlyMap<string, AVEndpoint> {
    return this.#endpoints;
  }

  /** The members of an enter's snapshot (the room was empty to us before). */
  load(members: readonly MemberInfo[]): void {
    for (const m of members) this.#add(toEndpointState(m));
  }

  /** One `room.endpoints` event; returns who it changed (news about members we do not know change nothing). */
  apply(event: EndpointEvent, members: ServerEventData<'room.endpoints'>['members']): string[] {
    const ids: string[] = [];
    for (const m of members) {
      const known = this.#states.get(m.identifier);
      if (event === EndpointEvent.ENTER) {
        if (!known) ids.push(m.identifier);
        this.#add(toEndpointState(m));
      } else if (!known) {
        continue;
      } else if (event === EndpointEvent.EXIT) {
        this.#remove(m.identifier);
        ids.push(m.identifier);
      } else {
        const [flag, on] = flagOf(event);
        known[flag] = on;
        ids.push(m.identifier);
      }
    }
    return ids;
  }

  /** After a reconnect: takes the snapshot's members, and returns the events that turn what we knew into them. */
  restore(snap: RoomSnapshot): EndpointChange[] {
    const changes = diffEndpoints(this.#states, snap.members);
    const present = new Set(snap.members.map((m) => m.identifier));
    for (const id of [...this.#states.keys()]) if (!present.has(id)) this.#remove(id);
    this.load(snap.members);
    return changes;
  }

  clear(): void {
    for (const ep of this.#endpoints.values()) ep._setAudioTrack(null);
    this.#states.clear();
    this.#endpoints.clear();
  }

  #add(s: EndpointState): void {
    const known = this.#states.get(s.identifier);
    if (known) {
      Object.assign(known, s); // same AVEndpoint object, fresh fields
      return;
    }
    this.#states.set(s.identifier, s);
    this.#endpoints.set(s.identifier, new AVEndpoint(s));
  }

  #remove(id: string): void {
    this.#states.delete(id);
    this.#endpoints.delete(id);
  }
}
