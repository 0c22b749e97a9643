import type { Fix } from '../lib/fix.ts';
import { fix as headlessBackgroundRefresh } from './headless-background-refresh/fix.ts';
import { fix as iosConfigureWaitsForSession } from './ios-configure-waits-for-session/fix.ts';
import { fix as iosKeepCacheOnFirstLaunch } from './ios-keep-cache-on-first-launch/fix.ts';
import { fix as nativeSignoutAfterLoad } from './native-signout-after-load/fix.ts';
import { fix as reactNativeOnlineCheck } from './react-native-online-check/fix.ts';

/** The registry of fixes: the only list. Order is the order fixes apply to a shared file. */
export const FIXES: readonly Fix[] = [headlessBackgroundRefresh, reactNativeOnlineCheck, iosConfigureWaitsForSession, iosKeepCacheOnFirstLaunch, nativeSignoutAfterLoad];

/** Packages we ship patches for, in the order generate and verify walk them. */
export const PACKAGES = [...new Set(FIXES.map((f) => f.package))];

export const fixesFor = (pkg: string): Fix[] => FIXES.filter((f) => f.package === pkg);

/** Which registry versions verify classifies, per package. */
export const CLASSIFY_RANGE: Record<string, string> = {
  '@clerk/clerk-js': '>=6.0.0 <7.0.0',
  '@clerk/expo': '>=3.0.0 <5.0.0',
};
