// A real OpenID Connect provider for the tests, started by tests/oidc_provider.py.
// Settings come from the environment:
//   PORT, CLIENT_ID, CLIENT_SECRET, REDIRECT_URIS (comma-separated), POST_LOGOUT_REDIRECT_URIS,
//   CLOCK_OFFSET_SECONDS  the provider's clock runs this far ahead (to test clock skew),
//   PUBLISH_OTHER_KEY     "1": the JWKS endpoint publishes another key than the one that signs.
// Any login name is accepted (devInteractions); it is the account's e-mail. An account named
// "unverified:<email>" has email_verified false.
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const offset = Number(process.env.CLOCK_OFFSET_SECONDS || 0) * 1000;
if (offset) {
  const realNow = Date.now;
  Date.now = () => realNow() + offset;
}

function rsaJwk(kid) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
}

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const signingKey = rsaJwk('signing');
const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.CLIENT_ID,
    client_secret: process.env.CLIENT_SECRET,
    redirect_uris: process.env.REDIRECT_URIS.split(','),
    post_logout_redirect_uris: (process.env.POST_LOGOUT_REDIRECT_URIS || '').split(',').filter(Boolean),
    response_types: ['code'],
    grant_types: ['authorization_code'],
  }],
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => {
      const unverified = id.startsWith('unverified:');
      const email = unverified ? id.slice('unverified:'.length) : id;
      return { sub: id, email, email_verified: !unverified, name: email.split('@')[0] };
    },
  }),
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  pkce: { required: () => true },
  conformIdTokenClaims: false,
  jwks: { keys: [signingKey] },
  cookies: { keys: ['test-cookie-key'] },
});

if (process.env.PUBLISH_OTHER_KEY === '1') {
  const { d, p, q, dp, dq, qi, ...otherPublic } = rsaJwk('signing');
  provider.use(async (ctx, next) => {
    if (ctx.path === '/jwks') {
      ctx.body = { keys: [otherPublic] };
      ctx.type = 'application/jwk-set+json';
      return;
    }
    await next();
  });
}

provider.listen(port, '127.0.0.1', () => console.log(`ready ${issuer}`));
