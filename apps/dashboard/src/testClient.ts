/** A tiny cookie-keeping HTTP client for the dashboard's tests (no redirects followed). */
export interface TestClient {
  cookies: Map<string, string>;
  get(
    path: string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; text: string; location: string | null }>;
  post(
    path: string,
    form: Record<string, string | string[]>,
    headers?: Record<string, string>,
  ): Promise<{ status: number; text: string; location: string | null }>;
  /** The CSRF token of the current session (the `XSRF-TOKEN` cookie). */
  csrf(): string;
}

export function testClient(baseUrl: string): TestClient {
  const cookies = new Map<string, string>();
  const request = async (path: string, init: RequestInit) => {
    const cookie = [...cookies].map(([key, value]) => `${key}=${value}`).join('; ');
    const response = await fetch(`${baseUrl}${path}`, {
      ...init,
      redirect: 'manual',
      headers: {
        accept: 'text/html',
        ...(cookie ? { cookie } : {}),
        ...(init.headers as Record<string, string>),
      },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [key, ...value] = pair!.split('=');
      cookies.set(key!, value.join('='));
    }
    return {
      status: response.status,
      text: await response.text(),
      location: response.headers.get('location'),
    };
  };
  return {
    cookies,
    get: (path, headers = {}) => request(path, { method: 'GET', headers }),
    post(path, form, headers = {}) {
      const body = new URLSearchParams();
      for (const [key, value] of Object.entries(form)) {
        for (const item of Array.isArray(value) ? value : [value]) body.append(key, item);
      }
      return request(path, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      });
    },
    csrf: () => cookies.get('XSRF-TOKEN') ?? '',
  };
}
