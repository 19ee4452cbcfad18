/**
 * The one JSON reader for configuration files (zone JSON, virtio_cfg.json, layout.json), in the CLI,
 * the host and the zone editor alike, so that they all read a file the same way.
 *
 * It reads as hvisor-tool's cJSON does where that changes the value: of repeated keys the FIRST one
 * counts (cJSON keeps every member and cJSON_GetObjectItem returns the first match), and `lookupKey`
 * compares keys without regard to ASCII case (cJSON's case_insensitive_strcmp). JSON.parse keeps the
 * last of repeated keys, so a file would mean one thing to the workbench and another to hvisor-tool.
 *
 * Hostile files: nesting is limited (every consumer of the value recurses), a syntax error names the
 * line, column and JSON path, and the time is linear in the text's length.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** Nesting deeper than this is refused; hvisor's configuration files need four levels. */
export const JSON_DEPTH_LIMIT = 64;

/** At most this many repeated keys are listed; the count goes on. */
const DUPLICATES_LISTED = 100;

export interface JsonReadError {
  readonly kind: 'syntax' | 'depth';
  /** 1-based. */
  readonly line: number;
  /** 1-based, in UTF-16 units. */
  readonly column: number;
  /** JSON path of the value being read, e.g. "zones[0].devices[1]"; "" for the top level. */
  readonly path: string;
  readonly message: string;
}

/** A key written again in the same object: the later value is ignored. */
export interface JsonDuplicate {
  /** JSON path of the object that holds the key. */
  readonly path: string;
  readonly key: string;
  readonly line: number;
}

export type JsonReadResult =
  | { readonly ok: true; readonly value: JsonValue; readonly duplicates: readonly JsonDuplicate[]; readonly duplicateCount: number }
  | { readonly ok: false; readonly error: JsonReadError };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Appends a key to a JSON path: `a.b`, or `a["odd key"]` when the key is not a plain name. */
export function joinPath(path: string, key: string): string {
  if (!/^[A-Za-z_][\w-]*$/.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path ? `${path}.${key}` : key;
}

/** ASCII lower case, as C's tolower in the C locale (cJSON's key comparison). */
export function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

/**
 * cJSON_GetObjectItem: the first key equal to `key` without regard to ASCII case. Also returns the
 * other keys that match, which hvisor-tool never reads.
 */
export function lookupKey(object: JsonObject, key: string): { key: string; value: JsonValue; shadowed: string[] } | undefined {
  const wanted = asciiLower(key);
  let found: string | undefined;
  const shadowed: string[] = [];
  for (const candidate of Object.keys(object)) {
    if (candidate.length !== wanted.length || asciiLower(candidate) !== wanted) continue;
    if (found === undefined) found = candidate;
    else shadowed.push(candidate);
  }
  return found === undefined ? undefined : { key: found, value: object[found]!, shadowed };
}

/** "file:line:column: message" for an error of readJson. */
export function formatJsonError(file: string, error: JsonReadError): string {
  return `${file}:${error.line}:${error.column}: ${error.message}`;
}

class ReadFailure extends Error {
  constructor(
    readonly kind: JsonReadError['kind'],
    readonly offset: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}

/** Reads JSON text (RFC 8259, as JSON.parse accepts it) with first-of-repeated-keys-wins. */
export function readJson(text: string, options: { readonly maxDepth?: number } = {}): JsonReadResult {
  const maxDepth = options.maxDepth ?? JSON_DEPTH_LIMIT;
  const duplicates: JsonDuplicate[] = [];
  let duplicateCount = 0;
  /** Path segments of the value being read: keys and array indices; undefined between two members. */
  const trail: (string | number | undefined)[] = [];
  let at = 0;

  const fail = (message: string, offset = at, kind: JsonReadError['kind'] = 'syntax'): never => {
    throw new ReadFailure(kind, offset, message);
  };
  const skipSpace = (): void => {
    for (;;) {
      const c = text.charCodeAt(at);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) at++;
      else return;
    }
  };
  const describe = (offset: number): string => {
    if (offset >= text.length) return 'end of the file';
    return JSON.stringify(text[offset]);
  };

  const readString = (): string => {
    const start = ++at; // after the opening quote
    let plain = true;
    for (;;) {
      const c = text.charCodeAt(at);
      if (Number.isNaN(c)) fail('unterminated string', start - 1);
      if (c === 0x22) break;
      if (c < 0x20) fail('a control character inside a string (write it as an escape such as \\n)');
      if (c === 0x5c) {
        plain = false;
        const next = text[at + 1];
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6))) fail('\\u must be followed by four hex digits');
          at += 6;
        } else if (next !== undefined && '"\\/bfnrt'.includes(next)) at += 2;
        else fail(`unknown escape \\${next ?? ''}`);
      } else at++;
    }
    const raw = text.slice(start, at);
    at++; // the closing quote
    // The escapes are already checked, so JSON.parse of the literal cannot fail; it is linear too.
    return plain ? raw : (JSON.parse(`"${raw}"`) as string);
  };

  const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
  const readNumber = (): number => {
    NUMBER.lastIndex = at;
    const match = NUMBER.exec(text);
    if (!match) fail(`unexpected ${describe(at)}`);
    at += match![0].length;
    const next = text.charCodeAt(at);
    // "01", "1.", "1e": the longest number is followed by more of one.
    if ((next >= 0x30 && next <= 0x39) || next === 0x2e || next === 0x65 || next === 0x45) fail(`malformed number ${JSON.stringify(text.slice(at - match![0].length, at + 1))}`, at - match![0].length);
    return Number(match![0]);
  };

  const readWord = (word: string, value: JsonValue): JsonValue => {
    if (text.startsWith(word, at)) {
      at += word.length;
      return value;
    }
    return fail(`unexpected ${describe(at)}`);
  };

  const readValue = (depth: number): JsonValue => {
    skipSpace();
    const c = text[at];
    if (c === '{' || c === '[') {
      if (depth >= maxDepth) fail(`nested more than ${maxDepth} levels deep`, at, 'depth');
      return c === '{' ? readObject(depth + 1) : readArray(depth + 1);
    }
    if (c === '"') return readString();
    if (c === 't') return readWord('true', true);
    if (c === 'f') return readWord('false', false);
    if (c === 'n') return readWord('null', null);
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return readNumber();
    return fail(`unexpected ${describe(at)}${c === undefined ? '' : ', expected a value'}`);
  };

  const readObject = (depth: number): JsonObject => {
    at++; // '{'
    const object: JsonObject = {};
    skipSpace();
    if (text[at] === '}') {
      at++;
      return object;
    }
    trail.push(undefined);
    for (;;) {
      trail[trail.length - 1] = undefined;
      skipSpace();
      if (text[at] !== '"') fail(`unexpected ${describe(at)}, expected a key in double quotes`);
      const keyOffset = at;
      const key = readString();
      trail[trail.length - 1] = key;
      skipSpace();
      if (text[at] !== ':') fail(`unexpected ${describe(at)}, expected ':' after the key`);
      at++;
      const value = readValue(depth);
      if (Object.hasOwn(object, key)) {
        duplicateCount++;
        if (duplicates.length < DUPLICATES_LISTED) duplicates.push({ path: pathOf(trail.slice(0, -1)), key, line: lineOf(text, keyOffset) });
      } else if (key === '__proto__') {
        // An own data property, as JSON.parse makes it; plain assignment would set the prototype.
        Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
      } else {
        object[key] = value;
      }
      skipSpace();
      const next = text[at++];
      if (next === '}') break;
      if (next !== ',') fail(`unexpected ${describe(at - 1)}, expected ',' or '}'`, at - 1);
    }
    trail.pop();
    return object;
  };

  const readArray = (depth: number): JsonValue[] => {
    at++; // '['
    const items: JsonValue[] = [];
    skipSpace();
    if (text[at] === ']') {
      at++;
      return items;
    }
    trail.push(0);
    for (;;) {
      trail[trail.length - 1] = items.length;
      items.push(readValue(depth));
      skipSpace();
      const next = text[at++];
      if (next === ']') break;
      if (next !== ',') fail(`unexpected ${describe(at - 1)}, expected ',' or ']'`, at - 1);
    }
    trail.pop();
    return items;
  };

  try {
    const value = readValue(0);
    skipSpace();
    if (at < text.length) fail(`unexpected ${describe(at)} after the end of the JSON value`);
    return { ok: true, value, duplicates, duplicateCount };
  } catch (error) {
    if (!(error instanceof ReadFailure)) throw error;
    const { line, column } = positionOf(text, error.offset);
    return { ok: false, error: { kind: error.kind, line, column, path: pathOf(trail), message: error.detail } };
  }
}

function pathOf(trail: readonly (string | number | undefined)[]): string {
  let path = '';
  for (const part of trail) {
    if (part !== undefined) path = typeof part === 'number' ? `${path}[${part}]` : joinPath(path, part);
  }
  return path;
}

function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

function lineOf(text: string, offset: number): number {
  return positionOf(text, offset).line;
}

/**
 * The message a configuration reader reports for an unreadable file, after the file name:
 * "not valid JSON: ... (line 3, column 7, at zones[0])".
 */
export function jsonErrorMessage(error: JsonReadError): string {
  const where = `line ${error.line}, column ${error.column}${error.path ? `, at ${error.path}` : ''}`;
  if (error.kind === 'depth') return `not readable: ${error.message} (${where}); configuration files need at most a few levels`;
  return `not valid JSON: ${error.message} (${where})`;
}
