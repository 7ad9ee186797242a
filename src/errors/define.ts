// Shape of one catalogue entry. Each area keeps its codes in src/errors/codes/<area>.ts.

export interface CodeSpec {
  /** Message template; `{name}` is replaced by the error's params. Never put a person's values in params. */
  readonly message: string;
  /** HTTP status the service answers with. */
  readonly httpStatus: number;
  /** Process exit code the CLI ends with. */
  readonly exitCode: number;
  /** One sentence for docs/error-codes.md: when it happens and what to do. */
  readonly description: string;
}

/** Keeps literal keys so that `ErrorCode` is a union of the catalogue's codes. */
export function defineCodes<const T extends Record<string, CodeSpec>>(codes: T): T {
  return codes;
}

/** Exit codes shared by all areas (docs/error-codes.md lists them). */
export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  input: 3,
  rejectRate: 4,
  bundle: 5,
  reproduce: 6,
  audit: 7,
  model: 8,
  serve: 9,
} as const;
