/**
 * Writes JSON the way hvisor's example files are laid out, and keeps the file's own text wherever a
 * value did not change, so that saving an edit changes only the lines of the edited fields:
 * 2-space indentation, one key per line; arrays of numbers and short strings on one line; arrays of
 * flat objects (memory regions, devices) one object per line; nested objects as blocks. When the
 * original text is given, a value equal to the original one is copied verbatim and a changed object
 * or array keeps its original one-line or block layout.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** A JSON value with where it was written. */
interface Node {
  readonly value: Json;
  readonly start: number;
  readonly end: number;
  readonly multiline: boolean;
  readonly items?: readonly Node[];
  readonly entries?: ReadonlyMap<string, Node>;
}

/** Lines longer than this put an array of primitives one item per line. */
const WIDTH = 100;

export const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key, i) => Object.keys(b)[i] === key && deepEqual(a[key], b[key]));
  }
  return false;
}

/** Parses text already known to be valid JSON, recording each value's span. */
function parseSpans(text: string): Node {
  let at = 0;
  const skip = (): void => {
    while (at < text.length && /\s/.test(text[at]!)) at++;
  };
  const value = (): Node => {
    skip();
    const start = at;
    const char = text[at];
    if (char === '{') {
      at++;
      const entries = new Map<string, Node>();
      const object: JsonObject = {};
      skip();
      if (text[at] === '}') at++;
      else {
        for (;;) {
          const key = value();
          skip();
          at++; // ':'
          const child = value();
          // The first of repeated keys counts, as in the shared reader and hvisor-tool.
          if (!entries.has(key.value as string)) {
            entries.set(key.value as string, child);
            object[key.value as string] = child.value;
          }
          skip();
          if (text[at++] === '}') break; // else ','
        }
      }
      return { value: object, start, end: at, multiline: text.slice(start, at).includes('\n'), entries };
    }
    if (char === '[') {
      at++;
      const items: Node[] = [];
      skip();
      if (text[at] === ']') at++;
      else {
        for (;;) {
          items.push(value());
          skip();
          if (text[at++] === ']') break;
        }
      }
      return { value: items.map((i) => i.value), start, end: at, multiline: text.slice(start, at).includes('\n'), items };
    }
    if (char === '"') {
      at++;
      while (text[at] !== '"') at += text[at] === '\\' ? 2 : 1;
      at++;
    } else {
      while (at < text.length && /[^\s,\]}]/.test(text[at]!)) at++;
    }
    return { value: JSON.parse(text.slice(start, at)) as Json, start, end: at, multiline: false };
  };
  return value();
}

const isPrimitive = (value: Json): boolean => value === null || typeof value !== 'object';
/** An object whose values are primitives or arrays of primitives: one line in an array. */
const isFlat = (value: Json): boolean =>
  isObject(value) && Object.values(value).every((v) => isPrimitive(v) || (Array.isArray(v) && v.every(isPrimitive)));

function inline(value: Json): string {
  if (Array.isArray(value)) return value.length === 0 ? '[]' : `[${value.map(inline).join(', ')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value);
    return keys.length === 0 ? '{}' : `{ ${keys.map((key) => `${JSON.stringify(key)}: ${inline(value[key]!)}`).join(', ')} }`;
  }
  return JSON.stringify(value);
}

class Printer {
  constructor(private readonly text: string | undefined) {}

  /** `column` is where the value starts on its line, for the width rule. */
  print(value: Json, node: Node | undefined, indent: string, column: number, inArray: boolean): string {
    if (node && this.text !== undefined && deepEqual(value, node.value)) return this.text.slice(node.start, node.end);
    if (isPrimitive(value)) return JSON.stringify(value);
    const sameKind = node && Array.isArray(node.value) === Array.isArray(value) && !isPrimitive(node.value);
    const original = sameKind ? node : undefined;
    const empty = Array.isArray(value) ? value.length === 0 : Object.keys(value as JsonObject).length === 0;
    if (empty) return Array.isArray(value) ? '[]' : '{}';
    let oneLine: boolean;
    if (original) oneLine = !original.multiline;
    else if (Array.isArray(value)) oneLine = value.every(isPrimitive) && column + inline(value).length <= WIDTH;
    else oneLine = inArray && isFlat(value);
    if (oneLine) return inline(value);
    const inner = indent + '  ';
    if (Array.isArray(value)) {
      const items = value.map((item, i) => inner + this.print(item, original?.items?.[i], inner, inner.length, true));
      return `[\n${items.join(',\n')}\n${indent}]`;
    }
    const object = value as JsonObject;
    const entries = Object.keys(object).map((key) => {
      const prefix = `${inner}${JSON.stringify(key)}: `;
      return prefix + this.print(object[key]!, original?.entries?.get(key), inner, prefix.length, false);
    });
    return `{\n${entries.join(',\n')}\n${indent}}`;
  }
}

/**
 * The text of a JSON document, reusing `originalText` (the file as it is on disk) where the values
 * are unchanged. Ends with a newline unless the original did not.
 */
export function formatJson(value: Json, originalText?: string): string {
  let node: Node | undefined;
  if (originalText !== undefined) {
    try {
      JSON.parse(originalText);
      node = parseSpans(originalText);
    } catch {
      node = undefined;
    }
  }
  const text = new Printer(node ? originalText : undefined).print(value, node, '', 0, false);
  const newline = originalText === undefined || originalText === '' || /\n\s*$/.test(originalText) || !node;
  return newline ? `${text}\n` : text;
}
