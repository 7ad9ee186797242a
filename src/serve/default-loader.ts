// The production bundle loader (src/bundle's loadBundle), behind the BundleLoader seam.
import type { BundleLoader, LoadedBundleLike } from './types.js';

/** src/bundle is loaded on first use, so that buildApp() and its tests never pull in TensorFlow.js. */
export const loadBundleForServing: BundleLoader = async (dir) => {
  const specifier = '../bundle/index.js';
  const mod = (await import(specifier)) as { loadBundle: (dir: string) => Promise<LoadedBundleLike> };
  return mod.loadBundle(dir);
};

/** Live TensorFlow.js tensor count (for /metrics and the soak test). */
export async function tensorCounter(): Promise<() => number> {
  const specifier = '../model/backend.js';
  const mod = (await import(specifier)) as { tensorCount: () => number };
  return mod.tensorCount;
}
