import type { HttpLoadResult } from '../load/http-load-result.ts';
import { runPacedLoad } from '../load/paced-load.ts';
import type { PayloadPool } from '../load/payload-pool.ts';
import { runSaturationLoad } from '../load/saturation-load.ts';
import type { BenchSettings } from '../settings.ts';
import type { AppProcess } from '../system/app-process.ts';
import type { BenchServices } from '../system/bench-services.ts';
import { watchResources, type ResourceUse } from '../system/resource-watch.ts';

/** One HTTP server under both loads. */
export interface HttpServerResult {
  readonly name: string;
  readonly saturation: HttpLoadResult;
  readonly fixedRate: HttpLoadResult;
  /** CPU (cores) and the server's peak memory during each load. */
  readonly resources: { readonly saturation: ResourceUse; readonly fixedRate: ResourceUse };
}

/** The path every server under test takes the platform's events on. */
export const webhookPath = '/webhooks/platform';

/**
 * Warms the server up, then measures it at saturation (autocannon) and at the fixed rate
 * (paced), emptying the work queue after each load so the next starts from the same state.
 */
export async function measureHttpServer(server: AppProcess, settings: BenchSettings, payloads: PayloadPool, services: BenchServices): Promise<HttpServerResult> {
  const url = `${server.url}${webhookPath}`;
  const next = (): ReturnType<PayloadPool['next']> => payloads.next();
  await runSaturationLoad({ url, connections: settings.connections, durationS: settings.warmupS, next });
  await services.purgeWorkQueue();

  let watch = watchResources({ processes: { [server.name]: server.pid } });
  const saturation = await runSaturationLoad({ url, connections: settings.connections, durationS: settings.saturationS, next });
  const saturationUse = watch.stop();
  await services.purgeWorkQueue();

  watch = watchResources({ processes: { [server.name]: server.pid } });
  const fixedRate = await runPacedLoad({ url, ratePerS: settings.fixedRatePerS, durationS: settings.fixedRateS, delivery: next });
  const fixedRateUse = watch.stop();
  await services.purgeWorkQueue();

  return { name: server.name, saturation, fixedRate, resources: { saturation: saturationUse, fixedRate: fixedRateUse } };
}
