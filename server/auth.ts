import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** What one API key may do: some projects' change logs, and/or everything (`admin`). */
export interface KeyScope {
  name: string;
  admin: boolean;
  projects: ReadonlySet<string>;
}

export interface ApiKeys {
  /** False when no keys are configured: every request is allowed (serve then binds to 127.0.0.1 only). */
  readonly enabled: boolean;
  /** The scope of a presented key, or undefined; compared in constant time, never logged. */
  authenticate(presented: string | undefined): KeyScope | undefined;
}

const digest = (key: string) => createHash('sha256').update(key).digest();

/**
 * Parses `key=project-a,project-b;other-key=admin` (entries separated by `;` or new lines,
 * scopes by `,`; `admin` grants everything).
 */
export function parseApiKeys(spec: string | undefined): ApiKeys {
  const entries: { hash: Buffer; scope: KeyScope }[] = [];
  for (const [index, raw] of (spec ?? '')
    .split(/[;\n]/)
    .map((part) => part.trim())
    .filter(Boolean)
    .entries()) {
    const separator = raw.indexOf('=');
    if (separator <= 0) throw new Error(`API key entry ${index + 1} must look like key=project-a,project-b or key=admin`);
    const key = raw.slice(0, separator).trim();
    const scopes = raw
      .slice(separator + 1)
      .split(',')
      .map((scope) => scope.trim())
      .filter(Boolean);
    if (key.length < 16) throw new Error(`API key entry ${index + 1}: keys must be at least 16 characters`);
    entries.push({
      hash: digest(key),
      scope: { name: `key ${index + 1}`, admin: scopes.includes('admin'), projects: new Set(scopes.filter((scope) => scope !== 'admin')) },
    });
  }
  return {
    enabled: entries.length > 0,
    authenticate(presented) {
      if (!presented) return undefined;
      const hash = digest(presented);
      let found: KeyScope | undefined;
      // Compare against every key (equal-length digests) so timing does not reveal which matched.
      for (const entry of entries) if (timingSafeEqual(entry.hash, hash)) found = entry.scope;
      return found;
    },
  };
}

/** Keys from TABLEKIT_API_KEYS, or from the file named by TABLEKIT_API_KEYS_FILE. */
export function apiKeysFromEnv(env: NodeJS.ProcessEnv = process.env): ApiKeys {
  const file = env.TABLEKIT_API_KEYS_FILE;
  return parseApiKeys(file ? readFileSync(file, 'utf8') : env.TABLEKIT_API_KEYS);
}

export function mayAccessProject(scope: KeyScope | undefined, keys: ApiKeys, projectId: string): boolean {
  if (!keys.enabled) return true;
  return scope !== undefined && (scope.admin || scope.projects.has(projectId));
}

export function isAdmin(scope: KeyScope | undefined, keys: ApiKeys): boolean {
  return !keys.enabled || scope?.admin === true;
}
