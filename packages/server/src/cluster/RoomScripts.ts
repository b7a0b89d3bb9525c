import type { MemberInfo } from '@hudong/protocol';
import type { RoomTypeName } from '../config.js';
import type { MemberExitReason } from '../rooms/Member.js';
import type { RoomEntry, RoomRefusal } from '../rooms/RoomDirectory.js';
import type { ClusterKeys } from './ClusterKeys.js';
import { LuaScript } from './LuaScript.js';
import type { RedisLink } from './RedisLink.js';
import { MemberEntry } from './RoomChannel.js';

// Every change of a room that spans nodes is one of these scripts: it checks, writes, numbers the change
// (HINCRBY seq) and PUBLISHes it on the room's channel, all at once, so that the channel's order is the
// order of the changes for every node. `lastSmallSeq` is the seq of the last change after which the room
// held at most largeRoomThreshold members: a member is announced for good (sticky) iff its entrySeq is
// at most that (rooms/Roster.ts' rule, computed once for all nodes).
// KEYS: room:{roomId}, room:{roomId}:members, node-members:{the member's node}.

/** Lua: Redis' clock in ms (a room's `created`). */
const NOW_MS = `
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/**
 * Lua helpers of the webhook events (API.md section 6) the scripts append to the cluster's event stream
 * (webhooks/ClusterWebhooks.ts) with the change itself, so that the stream's order is the room's:
 * room.created before its first entry, every exit after its entry, room.destroyed after the last exit.
 * `stream` is '' when the cluster has no webhooks. The event's time and id come from the stream id.
 */
function hookLua(streamArg: number, limitArg: number): string {
  return `
local function hook(e)
  if ARGV[${streamArg}] ~= '' then redis.call('XADD', ARGV[${streamArg}], 'MAXLEN', '~', ARGV[${limitArg}], '*', 'e', cjson.encode(e)) end
end
local SOURCES = { { 'hasCameraVideo', 'camera' }, { 'hasScreenVideo', 'screen' }, { 'hasAudio', 'audio' } }
local function publishes(old, new, roomId, identifier, node)
  for _, s in ipairs(SOURCES) do
    local was, is = old ~= nil and old[s[1]] == true, new ~= nil and new[s[1]] == true
    if was ~= is then hook({ event = is and 'publish.started' or 'publish.stopped', roomId = roomId, identifier = identifier, srcType = s[2], node = node }) end
  end
end
local function exited(entry, roomId, identifier, reason)
  publishes(entry.info, nil, roomId, identifier, entry.node)
  hook({ event = 'member.exited', roomId = roomId, identifier = identifier, reason = reason, node = entry.node })
end
${NOW_MS}`;
}

/** Appends the value of a member entry (MemberEntry's JSON) to the Lua code that builds it. */
const ENTRY = `'{"node":' .. cjson.encode(ARGV_NODE) .. ',"entrySeq":' .. ENTRY_SEQ .. ',"info":' .. ARGV_INFO .. '}'`;

/**
 * room.enter, steps 4–5 in RoomDirectory.enter's order; returns `{refusal, room's type}` or
 * `{'OK', seq[, lastSmallSeq, type, members…]}` (the whole state when ARGV[11] = '1': this node has no
 * replica yet). An identifier already in the room (its session was replaced on another node, whose
 * exit is not yet done) is replaced in place: the count does not change.
 * ARGV: identifier, roomType, createRoom, canCreate, canJoin, maxMembersPerRoom, threshold, nodeId,
 * info JSON, channel, full, roomId, node-members key prefix, rooms index key, event stream, its length.
 */
const ENTER = new LuaScript(`${hookLua(15, 16)}
local ARGV_NODE, ARGV_INFO = ARGV[8], ARGV[9]
local roomId = tonumber(ARGV[12])
local roomType = redis.call('HGET', KEYS[1], 'type')
if not roomType then
  if ARGV[3] ~= '1' then return { 'ROOM_NOT_FOUND' } end
  if ARGV[4] ~= '1' then return { 'AUTH_CREATE_ROOM_MISSING' } end
  roomType = ARGV[2]
  local created = nowMs()
  redis.call('HSET', KEYS[1], 'type', roomType, 'count', 0, 'seq', 0, 'lastSmallSeq', 0, 'created', created)
  redis.call('ZADD', ARGV[14], created, ARGV[12])
  hook({ event = 'room.created', roomId = roomId, node = ARGV_NODE })
else
  if roomType ~= ARGV[2] then return { 'ROOM_TYPE_MISMATCH', roomType } end
  if ARGV[5] ~= '1' then return { 'AUTH_JOIN_ROOM_MISSING' } end
end
local previous = redis.call('HGET', KEYS[2], ARGV[1])
local count = tonumber(redis.call('HGET', KEYS[1], 'count'))
if previous then
  local old = cjson.decode(previous)
  redis.call('SREM', ARGV[13] .. old.node, ARGV[12] .. ':' .. ARGV[1])
  exited(old, roomId, ARGV[1], 'replaced')
else
  if roomType == 'pair' and count >= 2 then return { 'PAIR_ROOM_FULL' } end
  if count >= tonumber(ARGV[6]) then return { 'ROOM_FULL' } end
  count = redis.call('HINCRBY', KEYS[1], 'count', 1)
end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
if count <= tonumber(ARGV[7]) then redis.call('HSET', KEYS[1], 'lastSmallSeq', seq) end
local ENTRY_SEQ = seq
local entry = ${ENTRY}
redis.call('HSET', KEYS[2], ARGV[1], entry)
redis.call('SADD', KEYS[3], ARGV[12] .. ':' .. ARGV[1])
hook({ event = 'member.entered', roomId = roomId, identifier = ARGV[1], node = ARGV_NODE })
redis.call('PUBLISH', ARGV[10], '{"kind":"enter","seq":' .. seq .. ',"identifier":' .. cjson.encode(ARGV[1]) .. ',"entry":' .. entry .. '}')
if ARGV[11] ~= '1' then return { 'OK', seq } end
return { 'OK', seq, tonumber(redis.call('HGET', KEYS[1], 'lastSmallSeq')), roomType, redis.call('HGETALL', KEYS[2]) }
`);

/**
 * A member left (exit, session end, replaced, its node lost): removed if it is still the entry of that
 * node (and of that entry, unless ARGV[3] is ''); the room is deleted when it empties. Returns 1 if removed.
 * ARGV: identifier, nodeId, entrySeq or '', threshold, channel, roomId, exit reason, rooms index key,
 * event stream, its length, the node running it.
 */
const EXIT = new LuaScript(`${hookLua(9, 10)}
local current = redis.call('HGET', KEYS[2], ARGV[1])
if not current then return 0 end
local entry = cjson.decode(current)
if entry.node ~= ARGV[2] or (ARGV[3] ~= '' and tostring(entry.entrySeq) ~= ARGV[3]) then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('SREM', KEYS[3], ARGV[6] .. ':' .. ARGV[1])
local count = redis.call('HINCRBY', KEYS[1], 'count', -1)
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
if count <= tonumber(ARGV[4]) then redis.call('HSET', KEYS[1], 'lastSmallSeq', seq) end
exited(entry, tonumber(ARGV[6]), ARGV[1], ARGV[7])
redis.call('PUBLISH', ARGV[5], '{"kind":"exit","seq":' .. seq .. ',"identifier":' .. cjson.encode(ARGV[1]) .. ',"entrySeq":' .. entry.entrySeq .. '}')
if count <= 0 then
  redis.call('DEL', KEYS[1], KEYS[2])
  redis.call('ZREM', ARGV[8], ARGV[6])
  hook({ event = 'room.destroyed', roomId = tonumber(ARGV[6]), node = ARGV[11] })
end
return 1
`);

/**
 * A member's info changed (sending flags, auth bits), if it is still that entry. Returns 1 if written.
 * ARGV: identifier, nodeId, entrySeq, info JSON, threshold, channel, roomId, event stream, its length.
 */
const UPDATE = new LuaScript(`${hookLua(8, 9)}
local ARGV_NODE, ARGV_INFO = ARGV[2], ARGV[4]
local current = redis.call('HGET', KEYS[2], ARGV[1])
if not current then return 0 end
local old = cjson.decode(current)
if old.node ~= ARGV[2] or tostring(old.entrySeq) ~= ARGV[3] then return 0 end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
if tonumber(redis.call('HGET', KEYS[1], 'count')) <= tonumber(ARGV[5]) then redis.call('HSET', KEYS[1], 'lastSmallSeq', seq) end
local ENTRY_SEQ = ARGV[3]
local entry = ${ENTRY}
redis.call('HSET', KEYS[2], ARGV[1], entry)
publishes(old.info, cjson.decode(ARGV_INFO), tonumber(ARGV[7]), ARGV[1], ARGV_NODE)
redis.call('PUBLISH', ARGV[6], '{"kind":"update","seq":' .. seq .. ',"identifier":' .. cjson.encode(ARGV[1]) .. ',"entry":' .. entry .. '}')
return 1
`);

/**
 * Writes back a member this node holds whose entry Redis lost (it restarted without its data, or this
 * node was declared lost and its members taken out): the room is made again if it is gone, and the
 * member enters with its old entrySeq, unchecked against capacity (it was admitted). The room's seq is
 * first raised to that entrySeq, so that later entrySeqs stay above it. Returns 'RESTORED', 'PRESENT'
 * (Redis has an entry for it: ours, or a newer one of another node) or 'ROOM_TYPE_MISMATCH'.
 * No webhook event: what it writes back was told before.
 * ARGV: identifier, roomType, nodeId, entrySeq, info JSON, threshold, channel, roomId, rooms index key, event stream, its length.
 */
const RESTORE = new LuaScript(`${hookLua(10, 11)}
local ARGV_NODE, ARGV_INFO = ARGV[3], ARGV[5]
local roomId = tonumber(ARGV[8])
local roomType = redis.call('HGET', KEYS[1], 'type')
if not roomType then
  local created = nowMs()
  redis.call('HSET', KEYS[1], 'type', ARGV[2], 'count', 0, 'seq', 0, 'lastSmallSeq', 0, 'created', created)
  redis.call('ZADD', ARGV[9], created, ARGV[8])
  hook({ event = 'room.created', roomId = roomId, node = ARGV_NODE })
elseif roomType ~= ARGV[2] then
  return 'ROOM_TYPE_MISMATCH'
end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return 'PRESENT' end
local ENTRY_SEQ = tonumber(ARGV[4])
if tonumber(redis.call('HGET', KEYS[1], 'seq')) < ENTRY_SEQ then redis.call('HSET', KEYS[1], 'seq', ENTRY_SEQ) end
local count = redis.call('HINCRBY', KEYS[1], 'count', 1)
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
if count <= tonumber(ARGV[6]) then redis.call('HSET', KEYS[1], 'lastSmallSeq', seq) end
local entry = ${ENTRY}
redis.call('HSET', KEYS[2], ARGV[1], entry)
redis.call('SADD', KEYS[3], ARGV[8] .. ':' .. ARGV[1])
-- Its exit (if any) went out when it was taken out: it enters again, so that every exit has its entry.
hook({ event = 'member.entered', roomId = roomId, identifier = ARGV[1], node = ARGV_NODE })
publishes(nil, cjson.decode(ARGV_INFO), roomId, ARGV[1], ARGV_NODE)
redis.call('PUBLISH', ARGV[7], '{"kind":"enter","seq":' .. seq .. ',"identifier":' .. cjson.encode(ARGV[1]) .. ',"entry":' .. entry .. '}')
return 'RESTORED'
`);

/** A room as Redis holds it. */
export interface RoomState {
  roomType: RoomTypeName;
  /** ms since the epoch (Redis' clock); only read by `state()`. */
  createdAt?: number;
  seq: number;
  lastSmallSeq: number;
  members: Map<string, MemberEntry>;
}

export type EnterAnswer = { refused: RoomRefusal; roomType?: string } | { refused?: undefined; seq: number; state?: RoomState };

export interface RoomScriptsOptions {
  link: RedisLink;
  keys: ClusterKeys;
  nodeId: string;
  largeRoomThreshold: number;
  maxMembersPerRoom: number;
  /** With webhooks, the stream the scripts append their events to and its length at most (XADD MAXLEN ~). */
  events: { stream: string; maxLength: number } | null;
}

/** A room as the cluster's index lists it. */
export interface IndexedRoom {
  roomId: number;
  roomType: RoomTypeName;
  memberCount: number;
  createdAt: number;
}

/** The room scripts of one node, with their keys and arguments: every change of a cluster room goes through here. */
export class RoomScripts {
  readonly #options: RoomScriptsOptions;

  constructor(options: RoomScriptsOptions) {
    this.#options = { ...options };
  }

  /** The event stream's ARGV pair: '' when webhooks are off. */
  #events(): [string, number] {
    const { events } = this.#options;
    return events ? [events.stream, events.maxLength] : ['', 0];
  }

  /** Adds the member (entry checks as on one node); `full`: also answer the room's whole state. Throws what Redis threw. */
  async enter(entry: RoomEntry & { canCreate: boolean; canJoin: boolean }, info: MemberInfo, full: boolean): Promise<EnterAnswer> {
    const { link, keys, nodeId, largeRoomThreshold, maxMembersPerRoom } = this.#options;
    const { roomId } = entry;
    const answer = (await ENTER.run(
      link.commands,
      [keys.room(roomId), keys.roomMembers(roomId), keys.nodeMembers(nodeId)],
      [
        info.identifier,
        entry.roomType,
        flag(entry.createRoom),
        flag(entry.canCreate),
        flag(entry.canJoin),
        maxMembersPerRoom,
        largeRoomThreshold,
        nodeId,
        JSON.stringify(info),
        keys.roomChannel(roomId),
        flag(full),
        roomId,
        keys.nodeMembersPrefix,
        keys.roomIndex,
        ...this.#events(),
      ],
    )) as unknown[];
    if (answer[0] !== 'OK') return { refused: answer[0] as RoomRefusal, roomType: answer[1] as string | undefined };
    const seq = answer[1] as number;
    if (!full) return { seq };
    return { seq, state: { seq, lastSmallSeq: answer[2] as number, roomType: answer[3] as RoomTypeName, members: entries(answer[4] as string[]) } };
  }

  /**
   * Takes the member out if it is still `node`'s entry (`entrySeq`, or any of that node's); resolves with
   * whether it was. `reason`: why, for the webhook event.
   */
  async exit(roomId: number, identifier: string, node: string, entrySeq: number | undefined, reason: MemberExitReason): Promise<boolean> {
    const { link, keys, largeRoomThreshold, nodeId } = this.#options;
    const removed = await EXIT.run(
      link.commands,
      [keys.room(roomId), keys.roomMembers(roomId), keys.nodeMembers(node)],
      [identifier, node, entrySeq ?? '', largeRoomThreshold, keys.roomChannel(roomId), roomId, reason, keys.roomIndex, ...this.#events(), nodeId],
    );
    return removed === 1;
  }

  /** Writes the member's new info (this node's member `entrySeq`). */
  async update(roomId: number, entrySeq: number, info: MemberInfo): Promise<void> {
    const { link, keys, nodeId, largeRoomThreshold } = this.#options;
    await UPDATE.run(
      link.commands,
      [keys.room(roomId), keys.roomMembers(roomId), keys.nodeMembers(nodeId)],
      [info.identifier, nodeId, entrySeq, JSON.stringify(info), largeRoomThreshold, keys.roomChannel(roomId), roomId, ...this.#events()],
    );
  }

  /** Writes this node's member back if Redis lost its entry (see RESTORE). */
  async restore(roomId: number, roomType: RoomTypeName, entrySeq: number, info: MemberInfo): Promise<'RESTORED' | 'PRESENT' | 'ROOM_TYPE_MISMATCH'> {
    const { link, keys, nodeId, largeRoomThreshold } = this.#options;
    return (await RESTORE.run(
      link.commands,
      [keys.room(roomId), keys.roomMembers(roomId), keys.nodeMembers(nodeId)],
      [
        info.identifier,
        roomType,
        nodeId,
        entrySeq,
        JSON.stringify(info),
        largeRoomThreshold,
        keys.roomChannel(roomId),
        roomId,
        keys.roomIndex,
        ...this.#events(),
      ],
    )) as 'RESTORED' | 'PRESENT' | 'ROOM_TYPE_MISMATCH';
  }

  /** Every room of the cluster (the index the scripts keep), oldest first. */
  async rooms(): Promise<IndexedRoom[]> {
    const { link, keys } = this.#options;
    const ids = await link.commands.zrange(keys.roomIndex, 0, -1);
    if (ids.length === 0) return [];
    const pipeline = link.commands.pipeline();
    for (const id of ids) pipeline.hmget(keys.room(Number(id)), 'type', 'count', 'created');
    const results = (await pipeline.exec()) ?? [];
    const rooms: IndexedRoom[] = [];
    results.forEach(([err, value], i) => {
      if (err) throw err;
      const [type, count, created] = value as (string | null)[];
      // Deleted between the two reads.
      if (type) rooms.push({ roomId: Number(ids[i]), roomType: type as RoomTypeName, memberCount: Number(count), createdAt: Number(created) });
    });
    return rooms;
  }

  /** The room's whole state (one MULTI), or null when Redis has no such room. */
  async state(roomId: number): Promise<RoomState | null> {
    const { link, keys } = this.#options;
    const results = await link.commands.multi().hgetall(keys.room(roomId)).hgetall(keys.roomMembers(roomId)).exec();
    const [room, members] = (results ?? []).map(([err, value]) => {
      if (err) throw err;
      return value as Record<string, string>;
    });
    if (!room?.type) return null;
    return {
      roomType: room.type as RoomTypeName,
      createdAt: Number(room.created),
      seq: Number(room.seq),
      lastSmallSeq: Number(room.lastSmallSeq),
      members: entries(Object.entries(members ?? {}).flat()),
    };
  }
}

function flag(on: boolean): string {
  return on ? '1' : '0';
}

/** HGETALL's flat [identifier, JSON, …] as entries; one that does not parse is left out (it was not written by these scripts). */
function entries(flat: string[]): Map<string, MemberEntry> {
  const map = new Map<string, MemberEntry>();
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const parsed = MemberEntry.safeParse(JSON.parse(flat[i + 1]!));
    if (parsed.success) map.set(flat[i]!, parsed.data);
  }
  return map;
}
