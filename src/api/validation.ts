/**
 * Request validation with TypeBox's compiler instead of Fastify's default Ajv, because Ajv's
 * defaults would silently drop unknown fields (`removeAdditional`) and coerce body types.
 * Bodies are checked strictly; querystrings and params are converted from text first.
 * The first error becomes VALIDATION_FAILED (or UNKNOWN_FIELD) with `field` as a JSON path
 * (`routerIps[1]`, `contact.email`). Route schemas must be TypeBox schemas.
 *
 * Everything is compiled once per route: the checker, and whether the schema declares any
 * `default` at all — when it does not, the per-request `Value.Default` walk (and, for bodies, the
 * whole value visit it costs) is skipped, since it could not change anything.
 */
import { Kind, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ValueErrorType } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import type { FastifySchemaCompiler } from 'fastify';
import { commonErrors } from '../lib/index.ts';

/** `/routerIps/1/exporter` → `routerIps[1].exporter`. */
export function pointerToPath(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(seg) ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  }
  return out;
}

/** Whether `default` appears anywhere in the schema (nested objects, arrays, unions, refs inlined). */
export function hasDefaults(schema: unknown): boolean {
  if (schema === null || typeof schema !== 'object') return false;
  if (Array.isArray(schema)) return schema.some(hasDefaults);
  if (Object.hasOwn(schema, 'default')) return true;
  return Object.values(schema).some(hasDefaults);
}

export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  if (!(Kind in schema)) return (data: unknown) => ({ value: data });
  const check = TypeCompiler.Compile(schema);
  const convert = httpPart !== 'body';
  const defaults = hasDefaults(schema);
  const optionalBody = httpPart === 'body' && schema.type === 'object' && !(Array.isArray(schema.required) && schema.required.length > 0);
  return (input: unknown) => {
    // A POST without a body is an empty object when every field of the body is optional.
    const data = input === null || input === undefined ? (optionalBody ? {} : input) : input;
    const value = convert
      ? Value.Convert(schema, defaults ? Value.Default(schema, Value.Clone(data)) : Value.Clone(data))
      : defaults
        ? Value.Default(schema, data)
        : data;
    if (check.Check(value)) return { value };
    const first = check.Errors(value).First();
    const field = pointerToPath(first?.path ?? '') || (httpPart === 'body' ? 'body' : String(httpPart));
    if (first?.type === ValueErrorType.ObjectAdditionalProperties) {
      return { error: commonErrors.make('UNKNOWN_FIELD', `${field}: unknown field; it is not part of this request`, { field }) };
    }
    if (first?.type === ValueErrorType.ObjectRequiredProperty) {
      return { error: commonErrors.make('VALIDATION_FAILED', `${field}: required`, { field }) };
    }
    return { error: commonErrors.make('VALIDATION_FAILED', `${field}: ${first?.message ?? 'invalid'}`, { field }) };
  };
};
