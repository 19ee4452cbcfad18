/**
 * The shape of one architecture's `arch_config` in hvisor-tool's zone JSON, as data: which keys exist,
 * how each is written and which hvisor-tool requires. The editor renders its arch_config form from it and
 * the JSON reader takes its key lists and required keys from it, so the two cannot disagree. How a value
 * becomes the model (a GIC variant, a boolean) is each architecture's reader's business, not the schema's.
 */

/** How a key is written in the JSON: an address or size, a JSON number, one of a few strings, or true/false. */
export type ArchFieldKind = 'hex' | 'number' | 'enum' | 'bool';

export interface ArchConfigField {
  /** The key in `arch_config`, as hvisor-tool looks it up. */
  readonly key: string;
  readonly label: string;
  readonly kind: ArchFieldKind;
  /** The values hvisor-tool accepts, for `enum`. */
  readonly options?: readonly string[];
  /** What the field does, citing hvisor or hvisor-tool. */
  readonly help: string;
  /** hvisor-tool refuses the file without it (when `when` holds). */
  readonly required: boolean;
  /** The field belongs to one variant: hvisor-tool reads it only when `key` has the value `equals`. */
  readonly when?: { readonly key: string; readonly equals: string };
}

export interface ArchConfigSchema {
  /** One line under the form's heading: what arch_config means on this architecture. */
  readonly summary: string;
  /** What a zone's `interrupts` numbers are on this architecture, for the form's hint ("PLIC sources"). */
  readonly interruptsHint: string;
  readonly fields: readonly ArchConfigField[];
  /**
   * Keys that mark a file as written for this architecture although hvisor-tool does not read them
   * (loongarch64's `dummy`), besides the fields.
   */
  readonly markerKeys?: readonly string[];
  /** Keys hvisor-tool reads on this arch that the workbench's HvZoneConfig has no room for (see the reader). */
  readonly laterToolKeys?: readonly string[];
}

/** The fields that apply given the values the document has now (a field with `when` only under its variant). */
export function activeFields(schema: ArchConfigSchema, valueOf: (key: string) => unknown): ArchConfigField[] {
  return schema.fields.filter((f) => f.when === undefined || valueOf(f.when.key) === f.when.equals);
}

/** Every key the schema knows, variants, markers and later-tool keys included. */
export function schemaKeys(schema: ArchConfigSchema): string[] {
  return [...schema.fields.map((f) => f.key), ...(schema.markerKeys ?? []), ...(schema.laterToolKeys ?? [])];
}
