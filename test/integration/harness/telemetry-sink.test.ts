import appInsights from 'applicationinsights';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isEvent, startTelemetrySink, type TelemetrySink } from '../../../local/telemetry-sink.js';
import { sharedTestCa } from '../../support/vitest/provided.js';

describe('telemetry sink with the applicationinsights SDK', () => {
  let sink: TelemetrySink;
  beforeAll(async () => {
    sink = await startTelemetrySink(await sharedTestCa());
    // Statsbeat would report to Microsoft's own endpoint, which this machine cannot reach.
    process.env.APPLICATIONINSIGHTS_STATSBEAT_DISABLED = 'true';
    appInsights.setup(sink.connectionString)
      .setSendLiveMetrics(false)
      .setUseDiskRetryCaching(false)
      .setAutoCollectRequests(false)
      .setAutoCollectDependencies(false)
      .setAutoCollectPerformance(false, false)
      .setAutoCollectConsole(false)
      .start();
  });
  afterAll(async () => {
    appInsights.dispose();
    await sink?.stop();
  });

  test('a custom event arrives with its custom dimensions', async () => {
    appInsights.defaultClient.trackEvent({ name: 'HarnessProbe', properties: { target: 'shop/worker', desiredReplicas: '3' } });
    await appInsights.defaultClient.flush();

    const event = await sink.waitForEnvelope(isEvent('HarnessProbe'));

    expect(event.iKey).toBe(sink.instrumentationKey);
    expect(event.data?.baseData?.properties).toMatchObject({ target: 'shop/worker', desiredReplicas: '3' });
  });
});
