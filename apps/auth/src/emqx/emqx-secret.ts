/** The shared secret EMQX sends in `x-emqx-secret` (the `headers` of its authenticator and authz source). */
export const EMQX_AUTHN_SECRET = Symbol('EMQX_AUTHN_SECRET');
