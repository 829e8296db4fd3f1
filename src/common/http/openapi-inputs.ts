import type {
  OpenAPIObject,
  OperationObject,
  ReferenceObject,
  RequestBodyObject,
  SchemaObject,
} from '@nestjs/swagger';

/**
 * What the document says of request bodies beyond the DTOs' decorators:
 * - every body schema, and every schema nested in one, is closed (`additionalProperties: false`),
 *   as the validation pipe refuses unknown fields;
 * - a body schema states its defaults in words, not as `default`: generators read `default` as
 *   "always present" (openapi-typescript makes such fields required), and a client sending them
 *   on a PATCH would overwrite what it meant to leave alone;
 * - a PATCH body's example changes one field only, so Swagger UI's "Try it out" does too.
 */
export function describeRequestBodies(document: OpenAPIObject): OpenAPIObject {
  const schemas = document.components?.schemas ?? {};
  const closed = new Set<string>();
  for (const path of Object.values(document.paths)) {
    for (const [method, operation] of Object.entries(path) as [string, OperationObject][]) {
      const body = operation.requestBody as RequestBodyObject | undefined;
      const media = body?.content['application/json'];
      if (!media?.schema) continue;
      for (const name of referencedSchemas(media.schema, schemas)) closed.add(name);
      const name = schemaName(media.schema);
      if (method === 'patch' && name)
        media.example = oneFieldExample(schemas[name] as SchemaObject);
    }
  }
  for (const name of closed) {
    const schema = schemas[name] as SchemaObject;
    schema.additionalProperties = false;
    defaultsInWords(schema);
  }
  return document;
}

function schemaName(schema: SchemaObject | ReferenceObject): string | undefined {
  return '$ref' in schema ? schema.$ref.replace('#/components/schemas/', '') : undefined;
}

/** The component names a schema uses, itself included, through properties and items. */
function referencedSchemas(
  schema: SchemaObject | ReferenceObject,
  schemas: Record<string, SchemaObject | ReferenceObject>,
  found = new Set<string>(),
): Set<string> {
  const name = schemaName(schema);
  if (name) {
    if (found.has(name)) return found;
    found.add(name);
    return referencedSchemas(schemas[name], schemas, found);
  }
  const object = schema as SchemaObject;
  for (const property of Object.values(object.properties ?? {})) {
    referencedSchemas(property, schemas, found);
  }
  if (object.items) referencedSchemas(object.items, schemas, found);
  return found;
}

/** `default: 10` becomes "Default: 10." in the description (and the example, when none is given). */
function defaultsInWords(schema: SchemaObject): void {
  for (const property of Object.values(schema.properties ?? {}) as SchemaObject[]) {
    if (!('default' in property)) continue;
    const given: unknown = property.default;
    const words = `Default: ${given === '' ? 'empty' : JSON.stringify(given)}.`;
    property.description = property.description ? `${property.description} ${words}` : words;
    if (property.example === undefined && given !== null) property.example = given;
    delete property.default;
  }
}

function oneFieldExample(schema: SchemaObject): Record<string, unknown> {
  const [name, property] =
    Object.entries(schema.properties ?? {}).find(
      ([, candidate]) => (candidate as SchemaObject).example !== undefined,
    ) ?? [];
  const example: unknown = (property as SchemaObject | undefined)?.example;
  return name ? { [name]: example } : {};
}
