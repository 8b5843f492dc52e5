import { connectFirstReachable, declareTopology, topologyNames } from '@pipeline/broker';
import { migrate } from '@pipeline/db';

/**
 * Applies pending migrations and declares the exchanges and queues, so the apps start on
 * a ready broker and database. Returns the migrations it applied. The workers add their
 * own retry queues when they connect.
 */
export async function prepareServices(options: { rabbitmqUrl: string; databaseUrl: string; topologyPrefix: string }): Promise<string[]> {
  const applied = await migrate(options.databaseUrl);
  const connection = await connectFirstReachable(options.rabbitmqUrl, { timeout: 5_000 });
  try {
    const channel = await connection.createChannel();
    await declareTopology(channel, topologyNames(options.topologyPrefix));
  } finally {
    await connection.close();
  }
  return applied;
}
