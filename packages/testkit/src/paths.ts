/**
 * @module paths
 * Where the repository is, seen from this package (src/ and dist/ sit at the same depth).
 */
import { fileURLToPath } from 'node:url'

/** Absolute path of the monorepo root (the cwd for service processes). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '')
