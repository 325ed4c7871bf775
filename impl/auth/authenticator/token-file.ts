/**
 * Static token file authentication (`--token-auth-file`).
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/authentication/token/tokenfile/tokenfile.go
 */
import { readFileSync } from 'node:fs';
import type { UserInfo } from '../user/user.ts';
import type { AuthenticatorResponse, TokenAuthenticator } from './interfaces.ts';

/** parseCsvLine splits one CSV record (RFC 4180 quoting, as Go's encoding/csv). */
export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/**
 * parseTokenFile parses the upstream CSV format `token,user,uid,"group1,group2"`: at least three
 * columns, the fourth optional. It throws like upstream for short records and duplicate tokens
 * are resolved last-wins with a warning in `warnings`.
 */
export function parseTokenFile(text: string, source = 'token file'): { tokens: Map<string, UserInfo>; warnings: string[] } {
  const tokens = new Map<string, UserInfo>();
  const warnings: string[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((line, idx) => {
    if (line.trim() === '') return;
    const rec = parseCsvLine(line).map((f) => f.trim());
    if (rec.length < 3) throw new Error(`token file '${source}' must have at least 3 columns (token, user name, user uid), found ${rec.length}`);
    const [token, name, uid] = rec as [string, string, string];
    if (token === '') {
      warnings.push(`empty token has been found in token file '${source}', record number '${idx + 1}'`);
      return;
    }
    if (tokens.has(token)) warnings.push(`duplicate token has been found in token file '${source}', record number '${idx + 1}'`);
    const groups = rec.length >= 4 && rec[3] !== '' ? rec[3]!.split(',').map((g) => g.trim()).filter((g) => g !== '') : [];
    tokens.set(token, { name, uid, groups });
  });
  return { tokens, warnings };
}

/**
 * newTokenFileAuthenticator authenticates tokens listed in a static token file. Unknown tokens
 * get no opinion, as upstream.
 */
export function newTokenFileAuthenticator(tokens: ReadonlyMap<string, UserInfo>): TokenAuthenticator {
  return {
    async authenticateToken(token: string): Promise<AuthenticatorResponse | undefined> {
      const u = tokens.get(token);
      if (!u) return undefined;
      return { user: { ...u, groups: [...u.groups] } };
    },
  };
}

/** newTokenFileAuthenticatorFromFile reads `--token-auth-file` once. */
export function newTokenFileAuthenticatorFromFile(path: string): TokenAuthenticator {
  return newTokenFileAuthenticator(parseTokenFile(readFileSync(path, 'utf8'), path).tokens);
}
