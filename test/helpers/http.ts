import { testContext } from './context.js';

export interface TestResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  /** Sent as-is (e.g. malformed JSON, multipart FormData). */
  rawBody?: RequestInit['body'];
  headers?: Record<string, string>;
}

/** Sends a request to the test server; paths without a leading `/api/v1`, `/openapi.json`… get the prefix. */
export async function request<T = any>(
  method: string,
  path: string,
  opts: RequestOptions = {},
): Promise<TestResponse<T>> {
  const url =
    testContext().baseUrl +
    (/^\/(api|openapi|docs|healthz|readyz|metrics)/.test(path) ? path : `/api/v1${path}`);
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: RequestInit['body'] = opts.rawBody;
  if (opts.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(opts.body);
  }
  const res = await fetch(url, { method, headers, body, redirect: 'manual' });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
  return { status: res.status, body: parsed as T, headers: res.headers, text };
}

/** Request helpers bound to a token: `api.as(token).post('/patients', body)`. */
export const api = {
  as(token?: string) {
    return {
      get: <T = any>(path: string, o: Omit<RequestOptions, 'token'> = {}) =>
        request<T>('GET', path, { ...o, token }),
      post: <T = any>(path: string, body?: unknown, o: Omit<RequestOptions, 'token' | 'body'> = {}) =>
        request<T>('POST', path, { ...o, body, token }),
      put: <T = any>(path: string, body?: unknown, o: Omit<RequestOptions, 'token' | 'body'> = {}) =>
        request<T>('PUT', path, { ...o, body, token }),
      patch: <T = any>(path: string, body?: unknown, o: Omit<RequestOptions, 'token' | 'body'> = {}) =>
        request<T>('PATCH', path, { ...o, body, token }),
      delete: <T = any>(path: string, o: Omit<RequestOptions, 'token'> = {}) =>
        request<T>('DELETE', path, { ...o, token }),
    };
  },
};

/** Asserts the SPEC error envelope; returns the error for further checks. */
export function errorOf(res: TestResponse): {
  code: string;
  message: string;
  details?: { path: string; message: string }[];
} {
  const e = (res.body as { error?: unknown })?.error as { code: string; message: string } | undefined;
  if (!e || typeof e.code !== 'string' || typeof e.message !== 'string') {
    throw new Error(`expected an error envelope, got ${res.status} ${res.text.slice(0, 300)}`);
  }
  return e;
}
