/** TypeBox schemas shared by routes (OpenAPI is generated from them). */
import { Type } from '@sinclair/typebox';

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable code, see docs/errors.md' }),
      message: Type.String(),
      field: Type.Optional(Type.String({ description: 'JSON path of the input at fault' })),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  },
  { description: 'Every error answer' },
);

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false });

/** Standard error responses for an authenticated route (documentation only). */
export const authErrors = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
};
