// The web page's API contract: src/web/public/api.js retypes the service's endpoints, shapes and limits for the
// browser (plain JavaScript, no build step), so this test holds it to the service. Three checks:
// - its constants (relations, sexes, roles, limits, the requests it builds) against the service's zod schemas;
// - its endpoints and every field of its response typedefs against the live app's /openapi.json (the schemas the
//   routes declare), walking the typedefs with the TypeScript checker;
// - its typedefs against the service's TypeScript types: each answer's type must fit the page's typedef, and each
//   request typedef must fit what the service takes (a renamed field or a changed type fails here).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroupStatSchema } from '../../../src/schemas/cohort-paths.js';
import { SEXES } from '../../../src/schemas/data-contract.js';
import { OUTCOME_SUPPRESSIONS } from '../../../src/schemas/disclosure.js';
import { MAX_PATH_EVENTS, PATH_RELATIONS, PathEventSchema, PathSchema } from '../../../src/schemas/path.js';
import {
  AuditQuerySchema,
  CardQuerySchema,
  CohortQuerySchema,
  ErrorResponseSchema,
  InterventionsBodySchema,
  MAX_COHORT_PAGE,
} from '../../../src/serve/api-schemas.js';
import { ROLES } from '../../../src/serve/types.js';
import { toJsonSchema } from '../../../src/serve/validation.js';
import { fakeApp, tempDir } from '../serve/helpers.js';

const REPO = resolve(import.meta.dirname, '..', '..', '..');
const PUBLIC = join(REPO, 'src', 'web', 'public');
const API_JS = join(PUBLIC, 'api.js');

type Endpoint = { method: 'GET' | 'POST'; path: string };
type PathEvent = { code: string; domain: string; relation: string; ageDays: number; immutable?: boolean };
type Path = { label?: string; sex?: string; indexAgeDays?: number; events: PathEvent[] };

/** What the test uses of api.js (loaded by URL: the page's JavaScript is not part of the TypeScript program). */
interface PageApi {
  PATH_RELATIONS: readonly string[];
  SEXES: readonly string[];
  ROLES: readonly string[];
  COHORT_SORTS: readonly string[];
  OUTCOME_SUPPRESSIONS: readonly string[];
  GROUP_SUPPRESSIONS: readonly string[];
  LIMITS: {
    maxPathEvents: number;
    codeMaxLength: number;
    domainMaxLength: number;
    labelMaxLength: number;
    minAgeDays: number;
    maxAgeDays: number;
    maxCohortPage: number;
  };
  PAGE_SIZES: { cohortPaths: number; audit: number };
  ENDPOINTS: Record<string, Endpoint>;
  CARD_QUERY: Record<string, string>;
  interventionsRequest: (path: Path) => unknown;
  cohortPathsQuery: (sort: string, limit: number) => Record<string, string>;
  auditQuery: (lastSeq: number, size: number) => Record<string, string>;
  endpointUrl: (endpoint: Endpoint, name?: string | null, query?: Record<string, string>) => string;
}

const page = (await import(pathToFileURL(API_JS).href)) as PageApi;

const event = (over: Partial<PathEvent> = {}): PathEvent => ({ code: 'VISIT', domain: 'health', relation: 'self', ageDays: 100, ...over });
const pathOf = (events: PathEvent[], over: Partial<Path> = {}): Path => ({ events, ...over });

describe('the page keeps to the service: constants and requests', () => {
  it('names the same relations, sexes and roles, in the same order', () => {
    expect(page.PATH_RELATIONS).toEqual(PATH_RELATIONS);
    expect(page.SEXES).toEqual(SEXES);
    expect(page.ROLES).toEqual(ROLES);
  });

  it('knows every reason the service gives for a hidden rate or a suppressed group (each has its text in the page)', () => {
    expect(page.OUTCOME_SUPPRESSIONS).toEqual(OUTCOME_SUPPRESSIONS);
    expect(page.GROUP_SUPPRESSIONS).toEqual(GroupStatSchema.options[1].shape.reason.unwrap().options);
  });

  it("holds the path limits that PathSchema enforces (each bound accepted, one past it refused)", () => {
    const L = page.LIMITS;
    expect(L.maxPathEvents).toBe(MAX_PATH_EVENTS);
    const many = (n: number) => Array.from({ length: n }, (_, i) => event({ ageDays: i }));
    expect(PathSchema.safeParse(pathOf(many(L.maxPathEvents))).success).toBe(true);
    expect(PathSchema.safeParse(pathOf(many(L.maxPathEvents + 1))).success).toBe(false);
    for (const [field, max] of [['code', L.codeMaxLength], ['domain', L.domainMaxLength]] as const) {
      expect(PathEventSchema.safeParse(event({ [field]: 'x'.repeat(max) })).success, `${field} at ${max}`).toBe(true);
      expect(PathEventSchema.safeParse(event({ [field]: 'x'.repeat(max + 1) })).success, `${field} past ${max}`).toBe(false);
    }
    expect(PathSchema.safeParse(pathOf([event()], { label: 'x'.repeat(L.labelMaxLength) })).success).toBe(true);
    expect(PathSchema.safeParse(pathOf([event()], { label: 'x'.repeat(L.labelMaxLength + 1) })).success).toBe(false);
    for (const [ageDays, ok] of [[L.minAgeDays, true], [L.minAgeDays - 1, false], [L.maxAgeDays, true], [L.maxAgeDays + 1, false]] as const) {
      expect(PathEventSchema.safeParse(event({ ageDays })).success, `ageDays ${ageDays}`).toBe(ok);
    }
  });

  it("repeats the limits index.html writes into the form, and offers only the service's cohort orders", () => {
    const html = readFileSync(join(PUBLIC, 'index.html'), 'utf8');
    expect(/<input id="path-label" maxlength="(\d+)"/.exec(html)?.[1]).toBe(String(page.LIMITS.labelMaxLength));
    const select = /<select id="cohort-sort">([\s\S]*?)<\/select>/.exec(html)?.[1] ?? '';
    expect([...select.matchAll(/value="(\w+)"/g)].map((m) => m[1])).toEqual(page.COHORT_SORTS);
  });

  it('builds interventions bodies the service takes as they are', () => {
    const path = pathOf([event(), event({ code: 'SW', domain: 'social_work', relation: 'mother', ageDays: 400, immutable: true })], {
      label: 'cp-1',
      sex: 'F',
      indexAgeDays: 500,
    });
    const body = page.interventionsRequest(path);
    const parsed = InterventionsBodySchema.safeParse(body);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    expect(parsed.data).toEqual(body);
  });

  it('asks for cohort pages, audit entries and the card with queries the service takes', () => {
    expect(page.LIMITS.maxCohortPage).toBe(MAX_COHORT_PAGE);
    for (const sort of page.COHORT_SORTS) {
      for (const limit of [page.PAGE_SIZES.cohortPaths, page.LIMITS.maxCohortPage, page.LIMITS.maxCohortPage + page.PAGE_SIZES.cohortPaths]) {
        const q = CohortQuerySchema.safeParse(page.cohortPathsQuery(sort, limit));
        expect(q.success, `${sort} ${limit}: ${JSON.stringify(q.error?.issues)}`).toBe(true);
        expect(q.data?.sort).toBe(sort);
        expect(q.data?.limit).toBe(Math.min(limit, MAX_COHORT_PAGE));
      }
    }
    for (const lastSeq of [0, 3, 10_000]) {
      const q = AuditQuerySchema.safeParse(page.auditQuery(lastSeq, page.PAGE_SIZES.audit));
      expect(q.success, JSON.stringify(q.error?.issues)).toBe(true);
      expect(q.data?.limit).toBe(page.PAGE_SIZES.audit);
    }
    expect(CardQuerySchema.safeParse(page.CARD_QUERY).success).toBe(true);
  });

  it('fills a model reference into one path segment', () => {
    expect(page.endpointUrl(page.ENDPOINTS.card!, 'cw-demo@1', page.CARD_QUERY)).toBe('/v1/models/cw-demo%401/card?format=html');
    expect(page.endpointUrl(page.ENDPOINTS.cohortPaths!, 'a/b', page.cohortPathsQuery('persons', 20))).toBe(
      '/v1/models/a%2Fb/cohort-paths?sort=persons&order=desc&limit=20',
    );
    expect(page.endpointUrl(page.ENDPOINTS.audit!, null, page.auditQuery(70, 50))).toBe('/v1/audit?afterSeq=20&limit=50');
  });
});

// ---------- the typedefs, through the TypeScript checker ----------
/** The service's type of each endpoint's answer and of what it takes (keys: api.js's ENDPOINTS). */
const SERVICE_RESPONSES: Record<string, string> = {
  whoami: 'z.output<typeof S.WhoamiResponseSchema>',
  models: '{ models: z.output<typeof S.ModelSummarySchema>[] }',
  catalogue: 'z.output<typeof S.CatalogueResponseSchema>',
  cohortPaths: 'z.output<typeof S.CohortResponseSchema>',
  interventions: 'z.output<typeof S.InterventionsResponseSchema>',
  card: 'string',
  audit: '{ entries: AuditEntry[]; lastSeq: number }',
  auditVerify: 'VerifyResult',
};
const SERVICE_REQUESTS: Record<string, string> = {
  interventions: 'z.input<typeof S.InterventionsBodySchema>',
  cohortPaths: 'z.input<typeof S.CohortQuerySchema>',
  audit: 'z.input<typeof S.AuditQuerySchema>',
  card: 'z.input<typeof S.CardQuerySchema>',
};

const CONTRACT = join(REPO, 'tests', 'unit', 'web', '__page_contract__.ts');

/** A TypeScript file (never written to disk) that states the contract as assignments. */
function contractSource(): string {
  const lines = [
    "import type { z } from 'zod';",
    "import type * as Page from '../../../src/web/public/api.js';",
    "import type * as S from '../../../src/serve/api-schemas.js';",
    "import type { AuditEntry, VerifyResult } from '../../../src/serve/audit-chain.js';",
    'type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : false;',
    'export const endpointsHaveResponses: SameKeys<typeof Page.ENDPOINTS, Page.Responses> = true;',
    `export const responsesAreKnown: SameKeys<Page.Responses, { ${Object.keys(SERVICE_RESPONSES).map((k) => `${k}: 1`).join('; ')} }> = true;`,
    `export const requestsAreKnown: SameKeys<Page.Requests, { ${Object.keys(SERVICE_REQUESTS).map((k) => `${k}: 1`).join('; ')} }> = true;`,
    '// What the service answers fits what the page reads.',
    ...Object.entries(SERVICE_RESPONSES).map(([k, s]) => `export const response_${k}: Page.Responses['${k}'] = null as unknown as ${s};`),
    'export const response_error: Page.ErrorResponse = null as unknown as z.output<typeof S.ErrorResponseSchema>;',
    '// What the page sends fits what the service takes.',
    ...Object.entries(SERVICE_REQUESTS).map(([k, s]) => `export const request_${k}: ${s} = null as unknown as Page.Requests['${k}'];`),
    // The typedefs the field walk reads.
    ...Object.keys(SERVICE_RESPONSES).map((k) => `export type Walk_${k} = Page.Responses['${k}'];`),
    'export type Walk_error = Page.ErrorResponse;',
  ];
  return `${lines.join('\n')}\n`;
}

let program: ts.Program;
let contract: ts.SourceFile;

function buildProgram(): void {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    strict: true,
    allowJs: true,
    checkJs: false,
    noEmit: true,
    skipLibCheck: true,
  };
  const text = contractSource();
  const host = ts.createCompilerHost(options, true);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, lang, ...rest) => (resolve(name) === CONTRACT ? ts.createSourceFile(name, text, lang, true) : getSourceFile.call(host, name, lang, ...rest));
  host.fileExists = (name) => resolve(name) === CONTRACT || fileExists.call(host, name);
  host.readFile = (name) => (resolve(name) === CONTRACT ? text : readFile.call(host, name));
  program = ts.createProgram({ rootNames: [CONTRACT], options, host });
  contract = program.getSourceFile(CONTRACT)!;
}

function problems(): string[] {
  const diagnostics = [...program.getOptionsDiagnostics(), ...program.getSyntacticDiagnostics(contract), ...program.getSemanticDiagnostics(contract)];
  return diagnostics.map((d) => {
    const where = d.file && d.start !== undefined ? `${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : '';
    return `${where}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

interface Field {
  /** `candidates[].support.received.persons` */
  path: string;
  optional: boolean;
  /** Where the typedef is a dictionary (Record<string, T>): its entries are not walked. */
  dictionary: boolean;
}

/** Every field of a typedef, nested through arrays, nulls and unions (the fields of every member). */
function fieldsOf(checker: ts.TypeChecker, type: ts.Type, prefix = '', depth = 0): Field[] {
  if (depth > 8) throw new Error(`typedef nests too deep at ${prefix}`);
  const t = checker.getNonNullableType(type);
  if (t.isUnion()) return t.types.flatMap((m) => fieldsOf(checker, m, prefix, depth));
  if (checker.isArrayType(t)) return fieldsOf(checker, checker.getTypeArguments(t as ts.TypeReference)[0]!, `${prefix}[]`, depth + 1);
  if (!(t.flags & ts.TypeFlags.Object)) return [];
  const out: Field[] = [];
  for (const prop of checker.getPropertiesOfType(t)) {
    const path = prefix === '' ? prop.name : `${prefix}.${prop.name}`;
    const propType = checker.getTypeOfSymbol(prop);
    const bare = checker.getNonNullableType(propType);
    const dictionary = (bare.flags & ts.TypeFlags.Object) !== 0 && !checker.isArrayType(bare) && checker.getIndexInfoOfType(bare, ts.IndexKind.String) !== undefined;
    out.push({ path, optional: (prop.flags & ts.SymbolFlags.Optional) !== 0, dictionary });
    if (!dictionary) out.push(...fieldsOf(checker, propType, path, depth + 1));
  }
  return out;
}

type JsonSchema = {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  additionalProperties?: unknown;
};

/** Looks a field path up in a JSON Schema; an error in words, or null when it is there (and required if the page needs it). */
function lookUp(schema: JsonSchema, field: Field): string | null {
  let nodes: JsonSchema[] = [schema];
  const steps = field.path.split('.');
  for (const [i, step] of steps.entries()) {
    const name = step.replace(/(\[\])+$/, '');
    const arrays = (step.length - name.length) / 2;
    const branches = nodes.flatMap((n) => n.anyOf ?? n.oneOf ?? [n]);
    const holders = branches.filter((n) => n.properties?.[name] !== undefined);
    if (holders.length === 0) return `no field ${steps.slice(0, i + 1).join('.')}`;
    if (i === steps.length - 1 && !field.optional && !holders.some((n) => n.required?.includes(name))) return `${field.path} is optional in the service, required in the page`;
    nodes = holders.map((n) => n.properties![name]!);
    for (let a = 0; a < arrays; a++) {
      nodes = nodes.flatMap((n) => n.anyOf ?? n.oneOf ?? [n]).flatMap((n) => (n.items === undefined ? [] : [n.items]));
      if (nodes.length === 0) return `${steps.slice(0, i + 1).join('.')} is not an array in the service`;
    }
  }
  if (field.dictionary && !nodes.some((n) => n.additionalProperties !== undefined && n.additionalProperties !== false)) return `${field.path} is not a dictionary in the service`;
  return null;
}

interface OpenApiOperation {
  requestBody?: unknown;
  responses?: Record<string, { content?: Record<string, { schema: JsonSchema }> }>;
}
let openapi: { paths: Record<string, Record<string, OpenApiOperation>> };
let app: FastifyInstance;
let temp: { dir: string; cleanup: () => void };

beforeAll(async () => {
  temp = tempDir('sp-web-contract-');
  app = await fakeApp(temp.dir);
  openapi = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
  buildProgram();
});

afterAll(async () => {
  await app?.close();
  temp?.cleanup();
});

describe("the page's typedefs against the service", () => {
  it('calls only routes the service publishes, with their methods', () => {
    const names = Object.keys(page.ENDPOINTS);
    expect(names.sort()).toEqual(Object.keys(SERVICE_RESPONSES).sort());
    for (const [name, e] of Object.entries(page.ENDPOINTS)) {
      const op = openapi.paths[e.path]?.[e.method.toLowerCase()];
      expect(op, `${name}: ${e.method} ${e.path}`).toBeDefined();
      expect(op!.requestBody !== undefined, `${name}: a body exactly when the route takes one`).toBe(e.method === 'POST');
    }
    // The card comes back as HTML text, where the route documents its media types.
    const card = openapi.paths[page.ENDPOINTS.card!.path]!.get!.responses?.['200']?.content;
    if (card !== undefined) expect(card['text/html']?.schema.type).toBe('string');
  });

  it('type-checks: every answer fits its typedef, every request fits the service', () => {
    expect(problems()).toEqual([]);
  });

  it("reads only fields the routes' response schemas publish (and requires only those they require)", () => {
    const checker = program.getTypeChecker();
    const aliases = new Map(
      contract.statements
        .filter(ts.isTypeAliasDeclaration)
        .filter((d) => d.name.text.startsWith('Walk_'))
        .map((d) => [d.name.text.slice('Walk_'.length), checker.getTypeAtLocation(d.name)]),
    );
    const errors = toJsonSchema(ErrorResponseSchema, 'output') as JsonSchema;
    let walked = 0;
    for (const [name, type] of aliases) {
      if (name === 'card') continue; // HTML text, checked above
      const schema =
        name === 'error'
          ? errors
          : openapi.paths[page.ENDPOINTS[name]!.path]![page.ENDPOINTS[name]!.method.toLowerCase()]!.responses!['200']!.content!['application/json']!.schema;
      const fields = fieldsOf(checker, type);
      expect(fields.length, `${name}: the typedef has fields (not any, not unknown)`).toBeGreaterThan(0);
      const wrong = fields.map((f) => lookUp(schema, f)).filter((e) => e !== null);
      expect(wrong, name).toEqual([]);
      walked += fields.length;
    }
    // Every endpoint's typedef was walked, and the walk sees the nested fields (candidates[].support...).
    expect([...aliases.keys()].sort()).toEqual([...Object.keys(SERVICE_RESPONSES), 'error'].sort());
    expect(walked).toBeGreaterThan(60);
  });
});
