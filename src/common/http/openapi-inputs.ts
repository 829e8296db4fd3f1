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
 * - a PATCH body has no defaults (a client generator would send them, and they would overwrite
 *   what the client meant to leave alone), and its example changes one field only.
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
      if (method === 'patch') {
        const name = schemaName(media.schema);
        if (name) {
          dropDefaults(schemas[name] as SchemaObject);
          media.example = oneFieldExample(schemas[name] as SchemaObject);
        }
      }
    }
  }
  for (const name of closed) (schemas[name] as SchemaObject).additionalProperties = false;
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

function dropDefaults(schema: SchemaObject): void {
  for (const property of Object.values(schema.properties ?? {})) {
    delete (property as SchemaObject).default;
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
