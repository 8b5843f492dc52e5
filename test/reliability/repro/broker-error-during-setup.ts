// Run from the repository root:
//   node --conditions=source test/reliability/repro/broker-error-during-setup.ts
// A broker connection that is reset while `onConnect` (amqplib's recovery `setup`) is still
// running crashes the process with an uncaught 'error' event: amqplib's recovery binds its
// own 'error' listener to a new connection only after setup resolved.
import { connectBroker } from '@pipeline/broker';
import { createLogger } from '@pipeline/core';
import { startTcpProxy, sleep } from '@pipeline/testkit';

const rabbitmqUrl = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: Number(new URL(rabbitmqUrl).port || 5672) } });
const logger = createLogger({ name: 'repro', level: 'warn' });
process.on('uncaughtException', (err) => {
  console.log(`DEFECT REPRODUCED: uncaught exception while the connection was being set up: ${err.message}`);
  process.exit(1);
});
let setups = 0;
const connection = await connectBroker({
  url: proxy.url(rabbitmqUrl),
  logger,
  connectionName: 'repro',
  // A setup that takes a while (declaring a topology on a busy broker, a slow network).
  onConnect: async (model) => {
    setups += 1;
    await model.createChannel();
    await sleep(1_000);
  },
});
await sleep(300); // the first setup is running
proxy.cut(); // the connection is reset in the middle of it
await sleep(3_000);
console.log(`no crash: ${setups} setups ran; the connection recovered: ${connection.connected}`);
await connection.close();
await proxy.close();
