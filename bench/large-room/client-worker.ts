// A client worker of bench/large-room (forked by fleet.ts, argv: server URL, sdkAppId): thousands of
// audience members, each a WireClient, driven over IPC. Each {cmd} is answered by one {type}
// (a failure by {type:'error', message}):
//   login {users, inFlight}                  → loggedIn {errors}
//   enter {identifiers, roomId, inFlight}    → entered {ms, errors}
//   exit {identifiers, inFlight}             → exited {errors}
//   counts                                   → counts {counts: {kind: frames}}
//   watch {spec}                             → watching
//   progress                                 → progress {seen, of}
//   collect                                  → collected {arrivals}
//   sendPaced {senders, seconds, drainMs}    → sentPaced {sent, ok, refused, unanswered}
//   stopSending                              → stopping
//   stop                                     → (exits)
import { ClientGroup, type User, type WatchSpec } from './client-group.js';

export type WorkerCommand =
  | { cmd: 'login'; users: User[]; inFlight: number }
  | { cmd: 'enter'; identifiers: string[]; roomId: number; inFlight: number }
  | { cmd: 'exit'; identifiers: string[]; inFlight: number }
  | { cmd: 'counts' }
  | { cmd: 'watch'; spec: WatchSpec }
  | { cmd: 'progress' }
  | { cmd: 'collect' }
  | { cmd: 'sendPaced'; senders: number; seconds: number; drainMs: number }
  | { cmd: 'stopSending' }
  | { cmd: 'stop' };

const group = new ClientGroup(process.argv[2]!, Number(process.argv[3]));
const send = (m: object) => void (process.connected && process.send!(m));

async function run(m: WorkerCommand): Promise<object | undefined> {
  switch (m.cmd) {
    case 'login':
      return { type: 'loggedIn', errors: await group.login(m.users, m.inFlight) };
    case 'enter':
      return { type: 'entered', ...(await group.enter(m.identifiers, m.roomId, m.inFlight)) };
    case 'exit':
      return { type: 'exited', errors: await group.exit(m.identifiers, m.inFlight) };
    case 'counts':
      return { type: 'counts', counts: Object.fromEntries(group.sink.counts) };
    case 'watch':
      group.watch(m.spec);
      return { type: 'watching' };
    case 'progress':
      return { type: 'progress', ...group.progress() };
    case 'collect':
      return { type: 'collected', arrivals: group.collect() };
    case 'sendPaced':
      return { type: 'sentPaced', ...(await group.sendPaced(m.senders, m.seconds, m.drainMs)) };
    case 'stopSending':
      group.stopSending();
      return { type: 'stopping' };
    case 'stop':
      group.terminateAll();
      setTimeout(() => process.exit(0), 100);
      return undefined;
  }
}

process.on('message', (m: WorkerCommand) => {
  run(m).then(
    (reply) => reply && send(reply),
    (err: Error) => send({ type: 'error', message: err.stack ?? String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
