// A cluster for tests: a redis-server of its own and `hudong serve --redis` nodes n1…nN on it, with
// a short heartbeat so that losses are seen within a second. stop() stops the nodes, then Redis.
import { RedisProcess } from './redis.js';
import { ServerProcess, type ServerProcessOptions } from './server.js';

export interface TestCluster {
  redis: RedisProcess;
  nodes: ServerProcess[];
  stop(): Promise<void>;
}

/** The heartbeat of test nodes: a node is lost 3 of them (0.75 s) after it stops. */
export const TEST_HEARTBEAT_MS = 250;

export async function startCluster(count: number, options: Omit<ServerProcessOptions, 'redisUrl' | 'nodeId'> = {}): Promise<TestCluster> {
  const redis = await new RedisProcess().start();
  const nodes = Array.from(
    { length: count },
    (_, i) =>
      new ServerProcess({
        ...options,
        redisUrl: redis.url,
        nodeId: `n${i + 1}`,
        config: { clusterHeartbeatMs: TEST_HEARTBEAT_MS, ...options.config },
      }),
  );
  await Promise.all(nodes.map((n) => n.start()));
  return {
    redis,
    nodes,
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
      await redis.stop();
    },
  };
}
