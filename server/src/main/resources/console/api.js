// The console's only way to the server: JSON over fetch with the session cookie, the session's CSRF token
// on every state-changing call, and problem+json errors turned into ApiError (status and detail).

let csrfToken = null;

/** An answer that was not 2xx; `detail` is the server's explanation, safe to show. */
export class ApiError extends Error {
  constructor(status, title, detail, requestId) {
    super(detail || title || 'HTTP ' + status);
    this.status = status;
    this.title = title;
    this.detail = detail || title || 'The server answered ' + status + '.';
    this.requestId = requestId;
  }
}

export function setCsrf(token) {
  csrfToken = token || null;
}

/** Calls the API; resolves to the parsed JSON (or null for 204), rejects with ApiError. */
export async function api(method, path, body) {
  const headers = {'Accept': 'application/json'};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, 'Unreachable', 'The appliance cannot be reached.');
  }
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') || '';
  const json = type.includes('json') ? await response.json().catch(() => null) : null;
  if (!response.ok) {
    const problem = json || {};
    throw new ApiError(response.status, problem.title, problem.detail, problem.requestId);
  }
  return json;
}

/** A query string from the non-empty entries of an object. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && String(value) !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? '?' + text : '';
}
