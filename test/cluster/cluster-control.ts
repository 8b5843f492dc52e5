import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { repoRoot } from '@pipeline/testkit';

const run = promisify(execFile);
const script = 'test/cluster/cluster.sh';

/** The local three-node cluster of test/cluster/cluster.sh: node n (1..3) listens on 5700 + n. */
export const clusterNodes = [1, 2, 3] as const;
export type ClusterNode = (typeof clusterNodes)[number];

async function cluster(...args: string[]): Promise<string> {
  const { stdout } = await run('bash', [script, ...args], { cwd: repoRoot, timeout: 120_000 });
  return stdout.trim();
}

/** The node that leads a quorum queue now (1..3). */
export async function leaderOf(queue: string): Promise<ClusterNode> {
  const leader = await cluster('leader', queue);
  const match = /^clu([123])@/.exec(leader);
  if (match === null) throw new Error(`no leader found for ${queue} (got "${leader}")`);
  return Number(match[1]) as ClusterNode;
}

/** Stops one node (rabbitmqctl stop: its connections close, the others notice at once on loopback). */
export async function stopNode(node: ClusterNode): Promise<void> {
  await cluster('stop-node', String(node));
}

/** Starts a stopped node again; it rejoins the cluster as a follower. */
export async function startNode(node: ClusterNode): Promise<void> {
  await cluster('start-node', String(node));
}

/** The node a `host:port` of the cluster's RABBITMQ_URL belongs to. */
export function nodeOfHost(host: string): ClusterNode | undefined {
  const port = Number(host.slice(host.lastIndexOf(':') + 1));
  const node = port - 5700;
  return clusterNodes.find((n) => n === node);
}
