import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
/** what fastify passes a route-level compiler: one schema of one route (body, querystring, a reply status…) */
type RouteSchema = { schema?: unknown; httpPart?: string };
type Compile<F> = (route: RouteSchema) => F;
type Validate = ((data: unknown, ctx?: unknown) => unknown) & { errors?: unknown; schemaEnv?: unknown };
type Serialize = (data: unknown) => string;

/**
 * fastify's own compilers (ajv for request parts, fast-json-stringify for replies), run on a route's first request
 * instead of at `ready()`: compiling every route's schemas up front was ≈ 0.4 s of a cold start (ajv's meta-schema
 * alone ≈ 0.1 s), paid before /readyz although most routes (staff pages, privacy, docs) are not called for hours.
 * Same compilers, same options, same results. A route's schema error now shows on its first request (a logged 500)
 * instead of at start, so test/gateway/http-schemas.test.ts compiles every route's schemas with compileAll().
 * The compilers themselves (ajv, fast-json-stringify: ≈ 0.6 MB of code) are required from node_modules with the first
 * schema compiled, not bundled into the start path (scripts/build.js keeps them external).
 */
export function lazySchemaCompilers(): CompilersFactory & { compileAll(): void } {
  const require = createRequire(import.meta.url);
  let ajv: ((externalSchemas: unknown, options: unknown) => Compile<Validate>) | undefined;
  let fjs: ((externalSchemas: unknown, options: unknown) => Compile<Serialize>) | undefined;
  const validators = (externalSchemas: unknown, options: unknown) => {
    ajv ??= (require('@fastify/ajv-compiler') as typeof import('@fastify/ajv-compiler')).AjvCompiler() as unknown as typeof ajv & {};
    return ajv(externalSchemas, options);
  };
  const serializers = (externalSchemas: unknown, options: unknown) => {
    fjs ??= (
      require('@fastify/fast-json-stringify-compiler') as typeof import('@fastify/fast-json-stringify-compiler')
    ).SerializerSelector() as unknown as typeof fjs & {};
    return fjs(externalSchemas, options);
  };
  const pending = new Set<() => void>();

  const buildValidator = (externalSchemas: unknown, options: unknown): Compile<Validate> => {
    let compiler: Compile<Validate> | undefined;
    return (route) => {
      let fn: Validate | undefined;
      const compile = () => {
        compiler ??= validators(externalSchemas, options);
        fn ??= compiler(route.httpPart === 'headers' ? lowerCaseHeaders(route) : route);
        return fn;
      };
      const validate: Validate = (data, ctx) => {
        const real = fn ?? compile();
        const ok = real(data, ctx);
        // fastify reads the failures from the function it was given
        validate.errors = real.errors;
        return ok;
      };
      // ajv's functions have one, so fastify passes the parent object and ajv may coerce or default the root value
      validate.schemaEnv = true;
      pending.add(compile);
      return validate;
    };
  };
  const buildSerializer = (externalSchemas: unknown, options: unknown): Compile<Serialize> => {
    let compiler: Compile<Serialize> | undefined;
    return (route) => {
      let fn: Serialize | undefined;
      const compile = () => {
        compiler ??= serializers(externalSchemas, options);
        fn ??= compiler(route);
        return fn;
      };
      pending.add(compile);
      return (data) => (fn ?? compile())(data);
    };
  };
  return {
    ...({ buildValidator, buildSerializer } as unknown as CompilersFactory),
    /** compiles every schema not compiled yet, as ready() used to: for tests */
    compileAll() {
      for (const compile of pending) compile();
      pending.clear();
    },
  };
}

/**
 * fastify lower-cases a header schema's property names (Node lower-cases header names) only for its default
 * compiler, and a factory given in `schemaController` counts as custom: done here for the top level.
 */
function lowerCaseHeaders(route: RouteSchema): RouteSchema {
  const schema = route.schema as { properties?: Record<string, unknown>; required?: string[] } | boolean | undefined;
  if (typeof schema !== 'object' || !schema.properties) return route;
  const properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k.toLowerCase(), v]));
  const required = schema.required?.map((r) => r.toLowerCase());
  return { ...route, schema: { ...schema, properties, ...(required ? { required } : {}) } };
}
