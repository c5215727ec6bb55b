import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, makeConfig, parseListen } from '../../src/config.ts';
import { storeConfigOf } from '../../src/app.ts';
import { checkFlowConfig, flowConfigDefaults } from '../../src/metering/index.ts';

describe('config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bandex-config-'));
  const file = (content: unknown) => {
    const p = join(dir, `c${Math.random()}.json`);
    writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
    return p;
  };

  it('layers defaults < file < environment < flags', () => {
    const f = file({ server: { listen: '0.0.0.0:9000', dataDir: '/var/lib/a' }, api: { defaultPageLimit: 20 } });
    const c = loadConfig({
      file: f,
      env: { BANDEX_DATA_DIR: '/var/lib/b', BANDEX_API_DEFAULT_PAGE_LIMIT: '30', BANDEX_API_OPEN_METRICS: 'true', PATH: '/bin' },
      flags: { server: { dataDir: '/var/lib/c' } },
      set: ['api.maxPageLimit=900'],
    });
    expect(c.server.listen).toBe('0.0.0.0:9000');
    expect(c.server.dataDir).toBe('/var/lib/c');
    expect(c.api.defaultPageLimit).toBe(30);
    expect(c.api.openMetrics).toBe(true);
    expect(c.api.maxPageLimit).toBe(900);
    expect(c.store.sqliteSynchronous).toBe('pipelined');
  });

  it('refuses unknown keys and wrong types, naming the path', () => {
    expect(() => loadConfig({ file: file({ server: { lisen: 'x' } }) })).toThrow(/server\.lisen: unknown key/);
    expect(() => loadConfig({ file: file({ nosuch: {} }) })).toThrow(/nosuch: unknown key/);
    expect(() => loadConfig({ file: file({ api: { defaultPageLimit: '10' } }) })).toThrow(/api\.defaultPageLimit: must be number/);
    expect(() => loadConfig({ file: file('{ not json') })).toThrow(/cannot read the JSON config file/);
    expect(() => loadConfig({ env: { BANDEX_SERVR_LISTEN: 'x' } })).toThrow(/BANDEX_SERVR_LISTEN: unknown/);
    expect(() => loadConfig({ env: { BANDEX_API_OPEN_METRICS: 'maybe' } })).toThrow(/api\.openMetrics: must be true or false/);
    expect(() => loadConfig({ set: ['api.bogus=1'] })).toThrow(/api\.bogus/);
    expect(() => makeConfig({ api: { nope: 1 } as never })).toThrow(/api\.nope/);
    try {
      loadConfig({ file: file({ server: { lisen: 'x' } }) });
    } catch (e) {
      expect((e as { code: string }).code).toBe('CONFIG_INVALID');
    }
  });

  it('refuses values outside a setting\'s choices with the field named (store, flow)', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return [(e as { code: string }).code, (e as { field?: string }).field];
      }
      return null;
    };
    expect(code(() => storeConfigOf(loadConfig({ set: ['store.sqliteSynchronous=fsync'] })))).toEqual(['CONFIG_INVALID', 'store.sqliteSynchronous']);
    for (const v of ['pipelined', 'full', 'normal']) expect(storeConfigOf(loadConfig({ set: [`store.sqliteSynchronous=${v}`] }))).toMatchObject({ synchronous: v });
    const flow = (x: Partial<typeof flowConfigDefaults>) => code(() => checkFlowConfig({ ...flowConfigDefaults, ...x }));
    expect(flow({})).toBeNull();
    expect(flow({ decodeThreads: 2 })).toEqual(['METERING_BAD_CONFIG', 'flow.decodeThreads']);
    expect(flow({ receive: 'recvmmsg' })).toEqual(['METERING_BAD_CONFIG', 'flow.receive']);
    expect(flow({ recvBufferSize: 0 })).toEqual(['METERING_BAD_CONFIG', 'flow.recvBufferSize']);
    expect(flow({ receiveCoalesceMicros: -1 })).toEqual(['METERING_BAD_CONFIG', 'flow.receiveCoalesceMicros']);
    expect(flow({ receiveCoalesceMicros: 1.5 })).toEqual(['METERING_BAD_CONFIG', 'flow.receiveCoalesceMicros']);
    expect(flow({ receiveCoalesceMicros: 0 })).toBeNull();
  });

  it('ignores the CLI client variables and parses listen addresses', () => {
    expect(() => loadConfig({ env: { BANDEX_URL: 'http://x', BANDEX_TOKEN: 't' } })).not.toThrow();
    expect(parseListen('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(() => parseListen('localhost')).toThrow(/HOST:PORT/);
    expect(() => parseListen('h:70000')).toThrow(/HOST:PORT/);
  });
});
