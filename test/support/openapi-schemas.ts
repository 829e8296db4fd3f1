import AjvModule, { type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// Both are CommonJS whose `default` is the export itself: the same under tsc and under Jest's SWC.
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, JsonSchema> };
}
export interface OpenApiOperation {
  operationId: string;
  'x-access': 'public' | 'signed-in' | 'admin';
  parameters?: {
    name: string;
    in: 'path' | 'query' | 'header';
    required?: boolean;
    schema: JsonSchema;
  }[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { content?: Record<string, { schema?: JsonSchema }> }>;
}
export type JsonSchema = Record<string, unknown>;

/** OpenAPI 3.0's `nullable` is not JSON Schema: rewrite it so Ajv reads it the same way. */
function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) copy[key] = toJsonSchema(value);
  if (typeof copy.$ref === 'string')
    copy.$ref = copy.$ref.replace('#/components/schemas/', 'openapi#/components/schemas/');
  if (copy.nullable === true) {
    delete copy.nullable;
    if (typeof copy.type === 'string') copy.type = [copy.type, 'null'];
    else return { anyOf: [copy, { type: 'null' }] };
  }
  return copy;
}

/** Validators for the document's schemas, $refs resolved against its components. */
export class SchemaValidator {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly cache = new Map<unknown, ValidateFunction>();

  constructor(readonly document: OpenApiDocument) {
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: 'openapi', components: toJsonSchema(document.components) as object });
  }

  /** Null when the value matches the schema, else Ajv's complaint. */
  check(schema: JsonSchema, value: unknown): string | null {
    let validate: ValidateFunction | undefined = this.cache.get(schema);
    if (!validate) {
      validate = this.ajv.compile(toJsonSchema(schema) as object);
      this.cache.set(schema, validate);
    }
    return validate(value) ? null : this.ajv.errorsText(validate.errors);
  }

  /** Follows a `$ref` to the component it names. */
  resolve(schema: JsonSchema): JsonSchema {
    const ref = schema.$ref;
    if (typeof ref !== 'string') return schema;
    return this.document.components.schemas[ref.replace('#/components/schemas/', '')];
  }
}
