// Model listing, one model's versions and aliases, and its model card (JSON, Markdown or HTML).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ServicepathError } from '../../errors/index.js';
import { PATH_RELATIONS } from '../../schemas/path.js';
import {
  CardQuerySchema,
  CatalogueResponseSchema,
  documentResponse,
  EmptyQuerySchema,
  errorResponses,
  type KnownCode,
  MODEL_REF_ERRORS,
  ModelRefParamsSchema,
  ModelSummarySchema,
} from '../api-schemas.js';
import { ALL_ROLES } from '../auth.js';
import { type ServeContext, useModel } from '../context.js';
import { describeModel } from '../describe.js';

const CARD_TYPES = { json: 'application/json', md: 'text/markdown', html: 'text/html' } as const;
type CardFormat = keyof typeof CARD_TYPES;

/** ?format= wins; else the first Accept type we offer; JSON when Accept is absent or says anything. */
export function cardFormat(format: string | undefined, accept: string | undefined): CardFormat {
  if (format !== undefined) return format === 'markdown' ? 'md' : (format as CardFormat);
  if (accept === undefined || accept.trim() === '') return 'json';
  const wanted = accept.split(',').map((p) => p.split(';')[0]!.trim().toLowerCase());
  for (const w of wanted) {
    if (w === 'application/json' || w === '*/*' || w === 'application/*') return 'json';
    if (w === 'text/markdown') return 'md';
    if (w === 'text/html' || w === 'text/*') return 'html';
  }
  throw new ServicepathError('SERVE_NOT_ACCEPTABLE', { accept: accept.slice(0, 100), allowed: Object.values(CARD_TYPES).join(', ') });
}

const RELATION_SET: ReadonlySet<string> = new Set(PATH_RELATIONS);

/**
 * The codes a model knows, from its vocabulary (`relation|domain|code` tokens): padding, unknown and the
 * `<rare>` buckets are left out. The vocabulary holds no counts, and each code in it was shared by at least
 * minPersonsPerCode training persons, so the list says nothing about any one person.
 */
function knownCodes(vocab: readonly string[]): KnownCode[] {
  const out: KnownCode[] = [];
  for (const token of vocab) {
    const first = token.indexOf('|');
    const second = token.indexOf('|', first + 1);
    if (first < 0 || second < 0) continue; // <pad>, <unk>
    const relation = token.slice(0, first);
    const domain = token.slice(first + 1, second);
    const code = token.slice(second + 1);
    if (!RELATION_SET.has(relation) || code === '' || code === '<rare>') continue;
    out.push({ relation: relation as KnownCode['relation'], domain, code });
  }
  const key = (c: KnownCode) => `${PATH_RELATIONS.indexOf(c.relation)}|${c.domain}|${c.code}`;
  return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export function registerModelRoutes(app: FastifyInstance, ctx: ServeContext): void {
  const access = { roles: ALL_ROLES };
  app.get('/v1/models', {
    config: { access },
    schema: ctx.zod.schema('GET', '/v1/models', {
      tags: ['models'],
      summary: 'Served models with their versions and aliases',
      querystring: EmptyQuerySchema,
      response: { 200: z.object({ models: z.array(ModelSummarySchema) }).strict(), ...errorResponses(access) },
    }),
    handler: async () => ({ models: [...ctx.registry.models.values()].map(describeModel) }),
  });

  app.get<{ Params: { name: string } }>('/v1/models/:name', {
    config: { access },
    schema: ctx.zod.schema('GET', '/v1/models/:name', {
      tags: ['models'],
      summary: 'One model: versions, aliases, signature, task, headline metrics',
      params: z.object({ name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'expected a model name') }).strict(),
      querystring: EmptyQuerySchema,
      response: { 200: ModelSummarySchema, ...errorResponses(access, 404) },
    }),
    handler: async (request) => {
      const entry = ctx.registry.models.get(request.params.name);
      if (entry === undefined) throw new ServicepathError('SERVE_MODEL_NOT_FOUND', { model: request.params.name });
      return describeModel(entry);
    },
  });

  app.get<{ Params: { name: string } }>('/v1/models/:name/catalogue', {
    config: { access },
    schema: ctx.zod.schema('GET', '/v1/models/:name/catalogue', {
      tags: ['models'],
      summary: "The bundle's actionable-service catalogue and the codes the model knows (for path editors; no counts)",
      params: ModelRefParamsSchema,
      querystring: EmptyQuerySchema,
      response: { 200: CatalogueResponseSchema, ...errorResponses(access, ...MODEL_REF_ERRORS) },
    }),
    handler: async (request) => {
      const state = useModel(ctx, request, request.params.name);
      const bundle = state.bundle!;
      return { model: state.name, version: state.version, catalogue: bundle.catalogue, knownCodes: knownCodes(bundle.preprocessing.vocab) };
    },
  });

  app.get<{ Params: { name: string }; Querystring: z.infer<typeof CardQuerySchema> }>('/v1/models/:name/card', {
    config: { access },
    schema: ctx.zod.schema('GET', '/v1/models/:name/card', {
      tags: ['models'],
      summary: 'The model card as JSON, Markdown or HTML (Accept header or ?format=json|md|html)',
      params: ModelRefParamsSchema,
      querystring: CardQuerySchema,
      response: { 200: documentResponse('The model card', Object.values(CARD_TYPES)), ...errorResponses(access, 406, ...MODEL_REF_ERRORS) },
    }),
    handler: async (request, reply) => {
      const format = cardFormat(request.query.format, request.headers.accept);
      const { bundle } = useModel(ctx, request, request.params.name);
      const card = bundle!.card;
      void reply.type(`${CARD_TYPES[format]}; charset=utf-8`);
      if (format === 'html') {
        // The card is our own rendering; still, no scripts run from it.
        void reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
        return card.html;
      }
      return format === 'md' ? card.markdown : JSON.stringify(card.json);
    },
  });
}
