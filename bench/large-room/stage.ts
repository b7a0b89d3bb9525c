// Scenario 2: the stage. `publishers` members of the large room publish a camera; the last `measured`
// go on stage one at a time, each timed from the server's 'publication live' log line (its first RTP
// packet: the moment it announces HAS_CAMERA_VIDEO) to every audience member learning that it sends
// camera video, and metered: the server's CPU for its room.enter, and from its stream's first packet
// until its announcement reached everyone (its negotiation and DTLS handshake left out: they cost the
// same in any room), against the same publisher in a room of its own. The difference is what
// announcing one publisher to the room costs: today its ENTER (and the snapshot it gets) at
// room.enter and its HAS_CAMERA_VIDEO; with the large-room rule, both when it goes live.
import { MEMBER_COUNT_INTERVAL_MS } from '@hudong/protocol';
import { COUNT_FRAMES_PER_SECOND } from '../../packages/server/src/rooms/Room.js';
import { sleepSeconds } from '../lib/namespace.js';
import { summarize, type Summary } from '../lib/stats.js';
import { calibrateIdle, loadAverage, metered, type Bench } from './context.js';
import { SyntheticCamera } from './synthetic-camera.js';

/** Server CPU of one publisher's steps, ms. */
export interface StepCpu {
  /** Its room.enter, until all it caused was written and read. */
  enterMs: number;
  /** From its stream's first RTP packet until its announcement was written and read (not the publication's negotiation and handshake). */
  announceMs: number;
}

export interface StageResult {
  publishers: number;
  audience: number;
  /** Means over the measured publishers. */
  solo: StepCpu;
  onStage: StepCpu;
  /** From 'publication live' to each audience member's frame, ms, all measured publishers pooled. */
  delivery: Summary;
  /** From 'publication live' to the last audience member's frame, one sample per measured publisher, ms. */
  lastMember: Summary;
  /** Fewest audience members any measured publisher reached (within 60 s). */
  reached: number;
  /** The server's CPU at rest (subtracted from the CPU above), mean, % of a core. */
  idlePercent: number;
  load: string;
  /** Publications whose track never opened and were published again (see streamOrRetry). */
  retries: number;
  /** Still publishing (closed at the end of the bench). */
  cameras: SyntheticCamera[];
}

const REACH_TIMEOUT_S = 60;

/** Longest a room of `members` holds back its count push, s (Room: COUNT_FRAMES_PER_SECOND), and a margin. */
export const countPushDelaySeconds = (members: number) => Math.max(MEMBER_COUNT_INTERVAL_MS / 1000, members / COUNT_FRAMES_PER_SECOND) + 0.5;

/**
 * The stage members (logged in already in `b.stage`): `stage[0]` is in the room, the rest enter now;
 * `solo` (as many as are measured) each publish in a room of their own, `soloRoomId` and up.
 */
export async function stageScenario(b: Bench, stage: readonly string[], solo: readonly string[], soloRoomId: number): Promise<StageResult> {
  const cameras: SyntheticCamera[] = [];
  const measured = solo.length;
  const cameraFor = async (identifier: string) => {
    const camera = await SyntheticCamera.offer(identifier, 0x1000 + cameras.length);
    cameras.push(camera);
    return camera;
  };
  const enter = async (identifier: string, roomId: number) => {
    const { errors } = await b.stage.enter([identifier], roomId, 1, true);
    if (errors.length) throw new Error(errors[0]);
  };
  let retries = 0;
  /**
   * Streams `camera` (negotiated before). About one synthetic publication in 100–150 never opened its
   * track (a bench peer's trouble, never seen with a browser or @roamhq/wrtc publisher): it is
   * published again once, with a fresh connection, and counted.
   */
  const streamOrRetry = async (identifier: string, camera: SyntheticCamera): Promise<SyntheticCamera> => {
    try {
      await camera.stream();
      return camera;
    } catch (err) {
      retries++;
      b.log(`stage: ${identifier}'s camera failed (${(err as Error).message}); publishing it again`);
      camera.close();
      const again = await cameraFor(identifier);
      await again.negotiate(b.stage.client(identifier));
      await again.stream();
      return again;
    }
  };
  /** Streams (negotiated before); resolves with the time of the server's 'publication live' line once the audience all saw it (`watch`), or 60 s passed. */
  const goLive = async (identifier: string, camera: SyntheticCamera, watch: boolean): Promise<number> => {
    const live = b.server.waitForLog((l) => l.msg === 'publication live' && l.identifier === identifier, 60_000);
    const streaming = await streamOrRetry(identifier, camera);
    const liveAt = (await live).time;
    streaming.stopSending();
    for (let waited = 0; watch && waited < REACH_TIMEOUT_S * 20; waited++) {
      const { seen, of } = await b.fleet.progress();
      if (seen >= of) break;
      await sleepSeconds(0.05);
    }
    return liveAt;
  };
  /** Enters (metered), negotiates its camera (not metered: the DTLS handshake is the same in any room), streams (metered). */
  const measuredStep = async (identifier: string, roomId: number, watch: boolean) => {
    const camera = await cameraFor(identifier);
    // The enter changes the room's count, whose push (paced: every members/2,000 s past 2,000) would
    // otherwise land in whichever step runs when it is due: waited for here, so it counts as the enter's.
    const entered = await metered(b, async () => {
      await enter(identifier, roomId);
      if (watch) await sleepSeconds(countPushDelaySeconds((await b.fleet.progress()).of));
    });
    await camera.negotiate(b.stage.client(identifier));
    if (watch) await b.fleet.watch({ kind: 'camera', identifier });
    const announced = await metered(b, () => goLive(identifier, camera, watch));
    const delays = watch ? (await b.fleet.collect()).map((at) => at - announced.value) : [];
    return { enterMs: entered.cpuMs, announceMs: announced.cpuMs, idleFraction: announced.idleFraction, delays };
  };

  b.log(`stage: ${stage.length - measured} publishers go on stage`);
  for (const [i, identifier] of stage.slice(0, stage.length - measured).entries()) {
    const camera = await cameraFor(identifier);
    if (i > 0) await enter(identifier, b.roomId);
    await camera.negotiate(b.stage.client(identifier));
    await goLive(identifier, camera, false);
  }
  const soloSteps: StepCpu[] = [];
  const stageSteps: (StepCpu & { idleFraction: number })[] = [];
  const delays: number[] = [];
  const last: number[] = [];
  let reached = Infinity;
  for (let k = 0; k < measured; k++) {
    await calibrateIdle(b);
    soloSteps.push(await measuredStep(solo[k]!, soloRoomId + k, false));
    const s = await measuredStep(stage[stage.length - measured + k]!, b.roomId, true);
    stageSteps.push(s);
    delays.push(...s.delays);
    last.push(Math.max(...s.delays));
    reached = Math.min(reached, s.delays.length);
    b.log(`stage: publisher ${k + 1}/${measured} reached ${s.delays.length} members, the last after ${Math.max(...s.delays).toFixed(1)} ms`);
  }
  const mean = (steps: StepCpu[]): StepCpu => ({
    enterMs: summarize(steps.map((s) => s.enterMs)).mean,
    announceMs: summarize(steps.map((s) => s.announceMs)).mean,
  });
  return {
    publishers: stage.length,
    audience: (await b.fleet.progress()).of,
    solo: mean(soloSteps),
    onStage: mean(stageSteps),
    delivery: summarize(delays),
    lastMember: summarize(last),
    reached,
    idlePercent: summarize(stageSteps.map((s) => s.idleFraction * 100)).mean,
    retries,
    load: loadAverage(),
    cameras,
  };
}
