import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { createReporter, randomIds, systemClock } from '../../src/lib/index.ts';
import { createQuality, memoryQualityRepository, qualityConfigDefaults, type QualityConfig } from '../../src/quality/index.ts';

const HOST = '127.0.3.1';

describe('quality component: the exchange’s own probe loop', () => {
  it('probes scheduled targets from the provider’s source address, files and replays the results', async () => {
    // An echo that records where probes come from (the bandex responder does not expose that).
    const sources: string[] = [];
    const echo = createSocket('udp4');
    await new Promise<void>((r) => echo.bind(0, HOST, () => r()));
    echo.on('message', (m, rinfo) => {
      sources.push(rinfo.address);
      m.writeUInt8(2, 4);
      echo.send(m, rinfo.port, rinfo.address);
    });
    const repo = memoryQualityRepository();
    const reporter = createReporter({ destination: false });
    const config: QualityConfig = {
      ...qualityConfigDefaults,
      concurrency: 2,
      packetIntervalMs: 2,
      packetTimeoutMs: 300,
      scheduler: { ...qualityConfigDefaults.scheduler, baseIntervalMs: 200, minIntervalMs: 50 },
      targets: [{ provider: 'mem_a', destination: '127.0.3.0/24', target: HOST, method: 'udp', port: echo.address().port, count: 5 }],
      sourceAddresses: [{ provider: 'mem_a', address: '127.0.3.9' }],
    };
    const q = createQuality({ clock: systemClock, ids: randomIds(systemClock), reporter, repo }, config);
    try {
      await q.start();
      for (let i = 0; i < 100 && repo.measurements.length < 3; i++) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await q.stop();
      echo.close();
    }
    expect(repo.measurements.length).toBeGreaterThanOrEqual(3);
    expect(repo.measurements[0]).toMatchObject({ provider: 'mem_a', destination: '127.0.3.0/24', method: 'udp', source: 'exchange', verified: true, sent: 5 });
    expect(new Set(sources)).toEqual(new Set(['127.0.3.9']));
    const obs = q.lookup('mem_a', '127.0.3.0/24')!;
    expect(obs.verified).toBe(true);
    expect(obs.lossPct).toBe(0);
    expect(obs.responseClass).toBe('premium');
    const metrics = await reporter.registry.getSingleMetricAsString('bandex_quality_probes_total');
    expect(metrics).toMatch(/method="udp",outcome="reply"} [1-9]/);

    // A restart replays the stored measurements into the same statistics.
    const again = createQuality({ clock: systemClock, ids: randomIds(systemClock), reporter: createReporter({ destination: false }), repo }, { ...config, probing: false });
    await again.start();
    expect(again.lookup('mem_a', '127.0.3.0/24')).toEqual(q.lookup('mem_a', '127.0.3.0/24'));
    await again.stop();
  });

  it('counts a prober that cannot run as an error, not as loss', async () => {
    const repo = memoryQualityRepository();
    const reporter = createReporter({ destination: false });
    const q = createQuality(
      { clock: systemClock, ids: randomIds(systemClock), reporter, repo },
      { ...qualityConfigDefaults, icmpWrap: ['/nonexistent/wrapper'], targets: [{ provider: 'mem_a', destination: '127.0.3.0/24', target: HOST, method: 'icmp', count: 1 }] },
    );
    await q.start();
    for (let i = 0; i < 40; i++) {
      const s = await reporter.registry.getSingleMetricAsString('bandex_quality_probes_total');
      if (/outcome="failed"} 1/.test(s)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await q.stop();
    expect(await reporter.registry.getSingleMetricAsString('bandex_quality_probes_total')).toMatch(/outcome="failed"} 1/);
    expect(await reporter.registry.getSingleMetricAsString('bandex_errors_total')).toMatch(/component="quality",code="QUALITY_PROBE_FAILED"} 1/);
    expect(repo.measurements).toHaveLength(0);
    expect(q.lookup('mem_a', '127.0.3.0/24')).toBeUndefined();
  });
});
