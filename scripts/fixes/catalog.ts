/**
 * The fixes' metadata alone (id, letter, package, affected range, fixed-upstream version,
 * after-apply step), in registry order: what sync and check need when the manifest's hashes
 * answer, without loading a codemod, a parser or a compiler. index.ts is the list of the fixes
 * themselves; a test keeps the two in step.
 */
import type { FixMeta } from '../core/fix.ts';
import { meta as headlessBackgroundRefresh } from './headless-background-refresh/meta.ts';
import { meta as iosConfigureWaitsForSession } from './ios-configure-waits-for-session/meta.ts';
import { meta as iosKeepCacheOnFirstLaunch } from './ios-keep-cache-on-first-launch/meta.ts';
import { meta as loadRetriesUnansweredRequests } from './load-retries-unanswered-requests/meta.ts';
import { meta as nativeSignoutAfterLoad } from './native-signout-after-load/meta.ts';
import { meta as nativeSyncKeepsSignedInClient } from './native-sync-keeps-signed-in-client/meta.ts';
import { meta as nativeSyncWaitsForJsClient } from './native-sync-waits-for-js-client/meta.ts';
import { meta as reactNativeOnlineCheck } from './react-native-online-check/meta.ts';
import { meta as singletonLatestTokenCache } from './singleton-latest-token-cache/meta.ts';
import { meta as tokenCacheKeepsSessionOnReadError } from './token-cache-keeps-session-on-read-error/meta.ts';
import { meta as sessionTokenRejectionRereadsClient } from './session-token-rejection-rereads-client/meta.ts';
import { meta as unauthenticatedRecoverySignsOutWithoutNativeToken } from './unauthenticated-recovery-signs-out-without-native-token/meta.ts';

export const FIX_CATALOG: readonly FixMeta[] = [
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

/** The metadata of the fixes that target one package, in registry order. */
export const metasFor = (pkg: string): FixMeta[] => FIX_CATALOG.filter((f) => f.package === pkg);
