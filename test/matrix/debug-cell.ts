import { expoDist, type Variant } from '../harness/expo/expo-dist.ts';
import { DeviceWorld } from '../harness/expo/world.ts';
import { runLoadedScenario } from '../harness/expo/run-scenario.ts';
import { loadMatrixScenario } from './scenarios.ts';
import { deviceOptions } from './device-config.ts';

/** Maintainer aid: prints the full timeline of one matrix cell (`node --import tsx test/matrix/debug-cell.ts <version> <variant> <scenario>`). */
const [version, variant, name] = process.argv.slice(2) as [string, Variant, string];
const dist = await expoDist(version, variant);
const world = await DeviceWorld.open();
const fapi = world.fapi;
try {
  const opts = deviceOptions(version, dist.variant);
  const o = await runLoadedScenario(world, loadMatrixScenario(name), dist, opts);
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
    requests: fapi.requests.map(
      (r) =>
        `${r.at - fapi.requests[0]!.at}ms ${r.method} ${r.path} ${r.status} auth=${r.authorization ? '…' + r.authorization.slice(-12) : '∅'}`,
    ),
    blocked: world.blocked,
  };
  console.log(JSON.stringify(show, null, 1));
} finally {
  await world.close();
}
process.exit(0);
