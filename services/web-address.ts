/**
 * A web address people follow (an avatar, an offer's media, a delivery's links): `http://` or
 * `https://` (in lower case, as the order workflow's validator takes a delivery's links), a host
 * that is not empty (after any `user@`) and no whitespace, beside a browser's own parse of it
 * (zod's `z.url`). A browser reads `http:example.com` as `http://example.com/`, `http:///a` as
 * `http://a/` and `HTTP://A` as `http://a/`; the OpenAPI document's readers (`format: uri` with
 * this pattern) do not, so neither does gigflow: the API's schemas (`httpUrl` in
 * api/schemas.ts) and the web client's forms refuse them alike.
 */
export const HTTP_URL_PATTERN = '^https?://([^/?#@\\s]*@)?[^/?#@:\\s][^/?#@\\s]*([/?#]\\S*)?$';
export const HTTP_URL = new RegExp(HTTP_URL_PATTERN);
