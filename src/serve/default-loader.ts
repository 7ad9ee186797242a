// The production bundle loader (src/bundle's loadBundle) behind the BundleLoader seam, and the live tensor count.
import { type LoadedBundle, loadBundle } from '../bundle/index.js';
import { tensorCount } from '../model/index.js';
import type { BundleLoader, LoadedBundleLike } from './types.js';

/** A compile-time check that the real bundle fits the seam, field by field (no cast). */
const fits = (bundle: LoadedBundle): LoadedBundleLike => bundle;

/**
 * Set once a sequence bundle has loaded, which selects a TensorFlow.js backend. Logreg bundles are plain
 * TypeScript: with only those, no backend ever starts and tf.memory() would throw, failing /metrics.
 */
let backendStarted = false;

export const loadBundleForServing: BundleLoader = async (dir) => {
  const bundle = fits(await loadBundle(dir));
  if (bundle.manifest.modelKind !== 'logreg') backendStarted = true;
  return bundle;
};

/** Live TensorFlow.js tensor count (for /metrics and the soak test); 0 while no backend has started, as no tensor can exist. */
export function tensorCounter(): () => number {
  return () => (backendStarted ? tensorCount() : 0);
}
