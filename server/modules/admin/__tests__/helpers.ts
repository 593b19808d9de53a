import type { FastifyInstance } from 'fastify';

/**
 * Signs in as the test's users do, for tests about other things than the first sign-in: a user an administrator
 * created or reset must change that password first (mustChangePassword), so it is changed — and changed back, so the
 * test goes on with the password it knows. Returns the session cookie header.
 */
export async function login(app: FastifyInstance, username: string, password: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`login ${username} failed: ${res.statusCode} ${res.body}`);
  const cookie = `banyan_session=${res.cookies.find((x) => x.name === 'banyan_session')!.value}`;
  if (!res.json().mustChangePassword) return cookie;
  for (const [currentPassword, newPassword] of [[password, `${password}-tmp1`], [`${password}-tmp1`, password]]) {
    const r = await app.inject({ method: 'POST', url: '/api/auth/password', headers: { cookie }, payload: { currentPassword, newPassword } });
    if (r.statusCode !== 204) throw new Error(`password change of ${username} failed: ${r.statusCode} ${r.body}`);
  }
  return cookie;
}
