/**
 * The dsquality server API (`{base_url}/dsquality/api/...`), see `dsquality/jupyter/__init__.py`.
 *
 * `ServerConnection.makeRequest` adds the token and the XSRF header, like the core API.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** One template, as `GET templates` lists it. */
export interface ITemplate {
  name: string;
  title: string;
  description: string;
}

/** One finding of the `dsquality-lint` JSON document. */
export interface IDiagnostic {
  path: string;
  /** 1-based index among all cells; null for a finding about the whole notebook. */
  cell: number | null;
  cell_id: string | null;
  line: number | null;
  column: number | null;
  end_line?: number | null;
  end_column?: number | null;
  code: string;
  name: string;
  message: string;
  severity: 'error' | 'warning' | 'info' | string;
  source?: string;
  fixable?: boolean;
}

/** The `dsq lint --format json` document (schema `dsquality-lint`, version 1). */
export interface ILintReport {
  schema: string;
  version: number;
  summary: { total: number; by_severity: { [key: string]: number } };
  diagnostics: IDiagnostic[];
}

/** Options of `POST lint` besides the notebook. */
export interface ILintOptions {
  select?: string[] | null;
  ignore?: string[];
}

/** An HTTP error with the server's JSON `message`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message);
  }
}

async function request<T>(endPoint: string, init: RequestInit = {}): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'dsquality/api', endPoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new ServerConnection.NetworkError(error as TypeError);
  }
  const text = await response.text();
  let data: any = null;
  if (text.length > 0) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { message: text };
    }
  }
  if (!response.ok) {
    const message = (data && (data.message || data.reason)) || response.statusText;
    throw new ApiError(response.status, `${response.status}: ${message}`);
  }
  return data as T;
}

/** The templates the server offers. */
export async function listTemplates(): Promise<ITemplate[]> {
  const data = await request<{ templates: ITemplate[] }>('templates');
  return data.templates;
}

/** Create `path` from template `name`; resolves to the created path (409 raises `ApiError`). */
export async function createFromTemplate(name: string, path: string): Promise<string> {
  const data = await request<{ path: string }>(`templates/${encodeURIComponent(name)}`, {
    method: 'POST',
    body: JSON.stringify({ path })
  });
  return data.path;
}

/** Lint an in-memory notebook (`path` names it and picks the per-file configuration). */
export async function lintNotebook(
  notebook: unknown,
  path: string,
  options: ILintOptions = {}
): Promise<ILintReport> {
  const body: { [key: string]: unknown } = { notebook, path };
  if (options.select && options.select.length > 0) {
    body.select = options.select;
  }
  if (options.ignore && options.ignore.length > 0) {
    body.ignore = options.ignore;
  }
  return request<ILintReport>('lint', { method: 'POST', body: JSON.stringify(body) });
}
