import { startDeviceFapi } from '../harness/expo/backend.ts';
import { expoDist, type Variant } from '../harness/expo/expo-dist.ts';
import { loopbackOnly } from '../harness/expo/loopback-only.ts';
import { runLoadedScenario } from '../harness/expo/run-scenario.ts';
import { loadMatrixScenario } from './scenarios.ts';
import { deviceOptions } from './device-config.ts';

/** Maintainer aid: prints the full timeline of one matrix cell (`node --import tsx test/matrix/debug-cell.ts <version> <variant> <scenario>`). */
const [version, variant, name] = process.argv.slice(2) as [string, Variant, string];
const fapi = await startDeviceFapi();
const guard = loopbackOnly({ [fapi.frontendApiHost]: fapi.origin });
try {
  const dist = await expoDist(version, variant);
  const opts = deviceOptions(version, dist.variant);
  const o = await runLoadedScenario(fapi, loadMatrixScenario(name), dist, opts);
  const show = {
    opts,
    finalAuth: o.finalAuth,
    wasSignedInInJs: o.wasSignedInInJs,
    server: o.serverSession && { status: o.serverSession.status, endedBy: o.serverSession.endedBy },
    initial: o.device.initialSessionId,
    nativeSessionId: o.nativeSessionId,
    nativeDeviceToken: o.nativeDeviceToken?.slice(-12) ?? null,
    storedClientJwt: o.storedClientJwt?.slice(-12) ?? null,
    timeline: o.device.timeline.map((e) =>
      e.kind === 'native'
        ? `native ${e.call.method}@${e.call.at} ${JSON.stringify(e.call.args.map((a) => (typeof a === 'string' && a.length > 20 ? '…' + a.slice(-12) : a)))} → ${e.call.result ?? ''}`
        : `auth ${JSON.stringify(e.auth)}`,
    ),
    store: o.device.store.calls.map(
      (c) => `${c.op} ${c.key} ${typeof c.outcome === 'string' ? '…' + c.outcome.slice(-12) : JSON.stringify(c.outcome ?? '')}`,
    ),
    requests: (fapi as unknown as { requests: { method: string; path: string; status: number; authorization: string }[] }).requests.map(
      (r) => `${r.method} ${r.path} ${r.status} auth=${r.authorization ? '…' + r.authorization.slice(-12) : '∅'}`,
    ),
  };
  console.log(JSON.stringify(show, null, 1));
} finally {
  guard.restore();
  await fapi.close();
}
process.exit(0);
