// The production bundle loader behind the BundleLoader seam: load = verify (src/bundle/verify.ts loadVerifiedBundle
// runs every check of `servicepath verify`, the manifest's signature against the trusted keys included), and the
// live tensor count.
import type { SignaturePolicy } from '../bundle/signing.js';
import { loadVerifiedBundle, type VerifiedBundle } from '../bundle/verify.js';
import { tensorCount } from '../model/index.js';
import type { BundleLoader, LoadedBundleLike } from './types.js';

/** A compile-time check that the real bundle fits the seam, field by field (no cast). */
const fits = (bundle: VerifiedBundle): LoadedBundleLike => bundle;

/**
 * Set once a sequence bundle has loaded, which selects a TensorFlow.js backend. Logreg bundles are plain
 * TypeScript: with only those, no backend ever starts and tf.memory() would throw, failing /metrics.
 */
let backendStarted = false;

/**
 * The loader `servicepath serve` uses: every verify check, the signature checked against `signatures` (its
 * --trusted-keys; unsigned bundles, and those signed by another key, only with --allow-unsigned).
 */
export function servingLoader(signatures: SignaturePolicy): BundleLoader {
  return async (dir) => {
    const bundle = fits(await loadVerifiedBundle(dir, { signatures }));
    if (bundle.manifest.modelKind !== 'logreg') backendStarted = true;
    return bundle;
  };
}

/**
 * Every verify check, with no trusted key and unsigned bundles accepted (shown as unsigned): for tests and embedding.
 * `servicepath serve` builds its own with servingLoader from --trusted-keys and --allow-unsigned.
 */
export const loadBundleForServing: BundleLoader = servingLoader({ trustedKeys: [], allowUnsigned: true });

/** Live TensorFlow.js tensor count (for /metrics and the soak test); 0 while no backend has started, as no tensor can exist. */
export function tensorCounter(): () => number {
  return () => (backendStarted ? tensorCount() : 0);
}
