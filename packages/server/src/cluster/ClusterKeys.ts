const NODE_MEMBERS = 'node-members:';

/**
 * Every Redis key and pub/sub channel name of the cluster, built here and nowhere else. All of them
 * start with `hudong:{sdkAppId}:`, so one Redis may serve several apps (docs/cluster.md lists them).
 */
export class ClusterKeys {
  readonly #prefix: string;

  constructor(sdkAppId: number) {
    this.#prefix = `hudong:${sdkAppId}:`;
  }

  /** Hash of one node's registration (nodeId, url, wsUrl, startedAt, rooms, members, heartbeatAt), expiring after 3 heartbeats. */
  node(nodeId: string): string {
    return `${this.#prefix}node:${nodeId}`;
  }

  /** Sorted set: node id → time of its last heartbeat (ms, Redis clock). */
  get nodes(): string {
    return `${this.#prefix}nodes`;
  }

  /** Set of the identifiers whose session a node holds (what its loss leaves behind). */
  nodeSessions(nodeId: string): string {
    return `${this.#prefix}node-sessions:${nodeId}`;
  }

  /** Hash identifier → tinyId. */
  get tinyById(): string {
    return `${this.#prefix}tiny:byId`;
  }

  /** Hash tinyId → identifier. */
  get tinyByTiny(): string {
    return `${this.#prefix}tiny:byTiny`;
  }

  /** String: which node holds the identifier's one session (JSON `{nodeId, sessionId}`). */
  session(identifier: string): string {
    return `${this.#prefix}session:${identifier}`;
  }

  /** String claimed (SET NX PX) by the one node that cleans up after a lost node. */
  cleanup(lostNodeId: string): string {
    return `${this.#prefix}cleanup:${lostNodeId}`;
  }

  /** Hash of a room that spans nodes: `type`, `count`, `seq` (its changes so far), `lastSmallSeq`; deleted when it empties. */
  room(roomId: number): string {
    return `${this.#prefix}room:${roomId}`;
  }

  /** Hash identifier → JSON `{node, entrySeq, info}` of a room's members. */
  roomMembers(roomId: number): string {
    return `${this.#prefix}room:${roomId}:members`;
  }

  /** Sorted set of every room of the cluster (roomId, scored by its creation time), kept by the room scripts. */
  get roomIndex(): string {
    return `${this.#prefix}rooms`;
  }

  /** Stream of webhook events, appended by the room scripts and the nodes, delivered by one node at a time. */
  get webhookEvents(): string {
    return `${this.#prefix}webhook:events`;
  }

  /** String: the node delivering webhook events (SET NX PX, renewed while it lives). */
  get webhookLeader(): string {
    return `${this.#prefix}webhook:leader`;
  }

  /** String: the id of the last event of the stream every receiver is done with; a new deliverer starts after it. */
  get webhookCheckpoint(): string {
    return `${this.#prefix}webhook:checkpoint`;
  }

  /** Set of `roomId:identifier` of the members a node holds (what its loss leaves behind). */
  nodeMembers(nodeId: string): string {
    return `${this.#prefix}${NODE_MEMBERS}${nodeId}`;
  }

  /** The start of every nodeMembers key (the enter script names another node's set with it). */
  get nodeMembersPrefix(): string {
    return `${this.#prefix}${NODE_MEMBERS}`;
  }

  /** String claimed (SET NX PX) by the one node that takes a lost node's members out of their rooms. */
  roomCleanup(lostNodeId: string): string {
    return `${this.#prefix}room-cleanup:${lostNodeId}`;
  }

  /** Channel of a room's changes and messages, in Redis' order. */
  roomChannel(roomId: number): string {
    return `${this.#prefix}room:${roomId}`;
  }

  /** Channel of the messages addressed to one node. */
  toNode(nodeId: string): string {
    return `${this.#prefix}to:${nodeId}`;
  }

  /** Channel every node listens to. */
  get broadcast(): string {
    return `${this.#prefix}nodes`;
  }
}
