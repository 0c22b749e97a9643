/**
 * Fixes: one folder per fix (fix.ts: defineFix({...}) with its metadata, analysis and edit; a
 * README). A fix imports core and codemod only. This file is the only list of them; only the
 * commands and the job runner import it.
 */
import type { Fix } from '../core/fix.ts';
import { fix as headlessBackgroundRefresh } from './headless-background-refresh/fix.ts';
import { fix as iosConfigureWaitsForSession } from './ios-configure-waits-for-session/fix.ts';
import { fix as iosKeepCacheOnFirstLaunch } from './ios-keep-cache-on-first-launch/fix.ts';
import { fix as loadRetriesUnansweredRequests } from './load-retries-unanswered-requests/fix.ts';
import { fix as nativeSignoutAfterLoad } from './native-signout-after-load/fix.ts';
import { fix as nativeSyncKeepsSignedInClient } from './native-sync-keeps-signed-in-client/fix.ts';
import { fix as nativeSyncWaitsForJsClient } from './native-sync-waits-for-js-client/fix.ts';
import { fix as reactNativeOnlineCheck } from './react-native-online-check/fix.ts';
import { fix as singletonLatestTokenCache } from './singleton-latest-token-cache/fix.ts';
import { fix as tokenCacheKeepsSessionOnReadError } from './token-cache-keeps-session-on-read-error/fix.ts';
import { fix as sessionTokenRejectionRereadsClient } from './session-token-rejection-rereads-client/fix.ts';
import { fix as unauthenticatedRecoverySignsOutWithoutNativeToken } from './unauthenticated-recovery-signs-out-without-native-token/fix.ts';

/** The registry of fixes: the only list. Order is the order fixes apply to a shared file. */
export const FIXES: readonly Fix[] = [
  headlessBackgroundRefresh,
  reactNativeOnlineCheck,
  iosConfigureWaitsForSession,
  iosKeepCacheOnFirstLaunch,
  nativeSignoutAfterLoad,
  nativeSyncKeepsSignedInClient,
  unauthenticatedRecoverySignsOutWithoutNativeToken,
  singletonLatestTokenCache,
  tokenCacheKeepsSessionOnReadError,
  loadRetriesUnansweredRequests,
  sessionTokenRejectionRereadsClient,
  nativeSyncWaitsForJsClient,
];

/** The fixes that target one package, in registry order. */
export const fixesFor = (pkg: string): Fix[] => FIXES.filter((f) => f.package === pkg);

/** The fixes with these ids, in registry order (workers receive ids, not functions). */
export function fixesById(ids: readonly string[]): Fix[] {
  const unknown = ids.filter((id) => !FIXES.some((f) => f.id === id));
  if (unknown.length > 0) throw new Error(`unknown fix id(s): ${unknown.join(', ')}`);
  return FIXES.filter((f) => ids.includes(f.id));
}
