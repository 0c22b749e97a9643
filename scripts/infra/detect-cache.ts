import { sha256 } from './hash.ts';
import { memo, recall } from './memo-cache.ts';
import type { Detection, Fix } from '../core/fix.ts';

/**
 * detect() memoised on disk by the file's sha256 (and the codemod sources, see memo-cache.ts).
 * verify uses it to classify the dozens of registry versions no patch targets.
 */
export const cachedDetect = (fix: Fix, text: string, file: string): Detection =>
  memo('detect', [fix.id, file, sha256(text)], () => fix.detect(text, file));

/**
 * A detection remembered for this fix id, file and the sha256 of its bytes (the same key as
 * cachedDetect's: the sha256 of the text's UTF-8), without the fix's code; undefined when none is stored.
 */
export const recallDetect = (fixId: string, file: string, fileSha256: string): Detection | undefined =>
  recall<Detection>('detect', [fixId, file, fileSha256])?.value;
