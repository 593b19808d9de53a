import { i18n, langOf } from './i18n.ts';
import { issueText, withFieldLabels, type LabelOf } from './fieldLabels.ts';
import { combineLabels } from './sharedLabels.ts';

/** The UI language for the server; the `lang` cookie says the same, this also covers endpoints that only read the header. */
function acceptLanguage(): string {
  return langOf(i18n.language) === 'en' ? 'en-US,en;q=0.9' : 'zh-CN,zh;q=0.9';
}

/** Both language versions of a server message; kept so a message on screen follows a language switch. */
export type Messages = { zh: string; en: string };

/** One invalid field as the server reports it; `field` is a dotted path such as `identities.0.idNo`. */
export type FieldIssue = { field: string; rule: string; message: string; messages?: Messages };

/** Every non-2xx answer from the API, carrying the server's code, localised message and field errors. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldIssue[] = [],
    readonly messages?: Messages,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Query = Record<string, string | number | boolean | null | undefined>;

/** Builds `?a=1&b=x`, leaving out empty values so the server applies its own defaults. */
export function toQuery(params: Query): string {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    s.set(k, String(v));
  }
  const str = s.toString();
  return str ? `?${str}` : '';
}

type Options = {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  body?: unknown;
  /** The session probe and the login form handle 401 themselves instead of bouncing to /login. */
  allow401?: boolean;
  signal?: AbortSignal;
};

function goToLogin(): void {
  const here = window.location.pathname + window.location.search;
  if (window.location.pathname === '/login') return;
  window.location.assign(`/login?next=${encodeURIComponent(here)}`);
}

async function toApiError(res: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const err = (body as { error?: { code?: string; message?: string; messages?: Messages; fields?: FieldIssue[] } } | undefined)?.error;
  return new ApiError(res.status, err?.code ?? `HTTP_${res.status}`, err?.message ?? res.statusText ?? `HTTP ${res.status}`, err?.fields ?? [], err?.messages);
}

/** JSON over fetch with the session cookie; resolves to the parsed body (undefined for 204). */
export async function api<T>(url: string, opts: Options = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', 'Accept-Language': acceptLanguage() };
  let body: BodyInit | undefined;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  const res = await fetch(url, { method: opts.method ?? 'GET', credentials: 'same-origin', headers, body, signal: opts.signal });
  if (!res.ok) {
    const err = await toApiError(res);
    if (res.status === 401 && !opts.allow401) goToLogin();
    throw err;
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

function filenameOf(res: Response, fallback: string): string {
  const cd = res.headers.get('Content-Disposition') ?? '';
  const star = /filename\*=(?:UTF-8'')?([^;]+)/i.exec(cd);
  if (star) {
    try {
      return decodeURIComponent(star[1]!.trim().replace(/^"|"$/g, ''));
    } catch {
      /* fall through to the plain name */
    }
  }
  const plain = /filename="?([^";]+)"?/i.exec(cd);
  return plain ? plain[1]! : fallback;
}

/**
 * Downloads a file the API streams (Excel exports). Fetching rather than navigating lets a 403 or
 * 400 surface as an error message instead of replacing the page with JSON.
 */
export async function download(url: string, fallbackName: string): Promise<void> {
  const res = await fetch(url, { credentials: 'same-origin', headers: { 'Accept-Language': acceptLanguage() } });
  if (!res.ok) {
    const err = await toApiError(res);
    if (res.status === 401) goToLogin();
    throw err;
  }
  const blob = await res.blob();
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = filenameOf(res, fallbackName);
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

/** Turns a dotted server path (`identities.0.idNo`) into an antd name path (`['identities', 0, 'idNo']`). */
export function toNamePath(field: string): (string | number)[] {
  return field.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

/** A field issue's message in the current UI language. */
export function issueMessage(f: FieldIssue): string {
  return f.messages?.[langOf(i18n.language)] ?? f.message;
}

/**
 * A message fit to show the user, in the current UI language (so calling it at render time follows a language
 * switch): the server's text with every field path it names replaced by that field's label — `labelOf` first,
 * then the shared label table (fieldLabels.ts) — or left out where no label is known; never the raw path.
 * The browser's own text for network failures.
 */
export function errorText(e: unknown, labelOf?: LabelOf): string {
  if (e instanceof ApiError) {
    const lang = langOf(i18n.language);
    const msg = e.messages?.[lang] ?? e.message;
    if (!e.fields.length) return msg;
    const label = combineLabels(labelOf);
    const fields = e.fields.map((f) => ({ ...f, message: issueMessage(f) }));
    const own = withFieldLabels(msg, fields, label);
    if (own !== msg || fields.length === 1) return own;
    // "2 fields are invalid": say which, and why.
    return `${msg}${lang === 'zh' ? '：' : ': '}${fields.map((f) => issueText(f, label)).join(lang === 'zh' ? '；' : '; ')}`;
  }
  if (e instanceof Error) return e.message;
  return String(e);
}

/** Field issues no form field shows, as one line: "label: message; …" in the current language, never the raw path. */
export function issuesText(issues: FieldIssue[], labelOf?: LabelOf): string {
  const label = combineLabels(labelOf);
  return issues.map((f) => issueText({ field: f.field, message: issueMessage(f) }, label)).join(langOf(i18n.language) === 'zh' ? '；' : '; ');
}
